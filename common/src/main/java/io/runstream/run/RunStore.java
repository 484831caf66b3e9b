package io.runstream.run;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.UUID;

import static io.runstream.run.RunTransition.CANCEL_QUEUED;
import static io.runstream.run.RunTransition.COMPLETE;
import static io.runstream.run.RunTransition.POISON;
import static io.runstream.run.RunTransition.REQUEUE_AFTER_DATA_LOSS;
import static io.runstream.run.RunTransition.RESTART;
import static io.runstream.run.RunTransition.RETRY;
import static io.runstream.run.RunTransition.START;
import static io.runstream.run.RunTransition.UNDO_SUBMIT;

/**
 * Every write to the {@code runs} table, by the api and by workers: each {@link RunTransition} is one conditional
 * statement guarded by the statuses it applies from (and, for an attempt's outcome, by the attempt number), so it
 * applies at most once and never from a status the state machine does not allow; the boolean results say whether it
 * applied. Reads stay with the apps. A bean in the apps that have PostgreSQL ({@code quarkus.datasource.db-kind}). Plain SQL on the app's reactive pool, in autocommit: every transition is a
 * single statement, so a transaction would only add round trips.
 */
@ApplicationScoped
@IfBuildProperty(name = "quarkus.datasource.db-kind", stringValue = "postgresql")
public class RunStore {

    /** New runs and their outbox row, in one statement: the row lists them until their tasks are in Redis. */
    private static final String INSERT_MANY = """
            WITH inserted AS (
                INSERT INTO runs (id, pipeline, queue, priority, status, input, attempt, created_at, updated_at,
                                  scheduled_for, tenant)
                SELECT id, pipeline, queue, priority, 'queued', input, 0, created_at, created_at, scheduled_for, tenant
                  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::timestamptz[],
                              $7::timestamptz[], $8::text[])
                    AS r(id, pipeline, queue, priority, input, created_at, scheduled_for, tenant)
                RETURNING id
            )
            INSERT INTO outbox (run_ids) SELECT array_agg(id) FROM inserted RETURNING id""";
    private static final String INSERT_WITH_KEY = """
            WITH inserted AS (
                INSERT INTO runs (id, pipeline, queue, status, input, attempt, created_at, updated_at,
                                  idempotency_key, request_hash, priority, scheduled_for, tenant)
                VALUES ($1, $2, $3, 'queued', $4, 0, $5, $5, $6, $7, $8, $9, $10)
                RETURNING id
            )
            INSERT INTO outbox (run_ids) SELECT array_agg(id) FROM inserted RETURNING id""";
    /** Still waiting for its task to reach Redis: listed in an outbox row, or (schema 4, data loss) flagged. */
    private static final String UNDISPATCHED = "(NOT dispatched OR EXISTS (SELECT 1 FROM outbox WHERE outbox.run_ids "
            + "@> ARRAY[runs.id]))";
    private static final String IDEMPOTENCY_INDEX = "runs_idempotency_key";
    /** Whether a run may start from the task entry {@code entry_id}: START, or RESTART by that same entry. */
    private static final String MAY_START = "(" + START.guard() + " OR (" + RESTART.guard()
            + " AND task_id = w.entry_id))";
    /**
     * START / RESTART of many runs. Each run is found by its id and locked ({@code locked}: a lateral primary-key
     * lookup per requested run, the requests sorted by id, so the rows are locked in id order and concurrent batches
     * — of this worker and of others — wait for each other instead of deadlocking); its guard is checked on the row
     * as locked (a row changed meanwhile is re-read and re-checked), and the update then finds each locked row by its
     * id alone. Nothing here lets the planner reach runs through the status index: with statistics older than a
     * burst of submits it read the whole queued backlog for every batch (EXPLAIN: 20,000 rows for a batch of 50).
     * Public, as {@link #END_MANY}, for the test that checks what their plans read.
     */
    public static final String START_MANY = """
            WITH locked AS (
                SELECT r.id, w.entry_id
                  FROM (SELECT * FROM unnest($1::uuid[], $2::text[]) AS w(run_id, entry_id) ORDER BY run_id) w
                 CROSS JOIN LATERAL (SELECT runs.id FROM runs WHERE runs.id = w.run_id AND %1$s FOR UPDATE) r
            )
            UPDATE runs SET status = 'running', attempt = attempt + 1, started_at = now(), updated_at = now(),
                            result = NULL, task_id = locked.entry_id
              FROM locked
             WHERE runs.id = locked.id AND runs.id = ANY($1)
            RETURNING runs.id, runs.task_id, runs.tenant, runs.pipeline, runs.attempt, runs.input""".formatted(MAY_START);
    /** COMPLETE / FAIL / CANCEL_RUNNING (one guard) of many attempts, each fenced by its attempt; locked as starts. */
    public static final String END_MANY = """
            WITH locked AS (
                SELECT r.id, o.new_status, o.new_result, o.new_error
                  FROM (SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[])
                            AS o(run_id, run_attempt, new_status, new_result, new_error) ORDER BY run_id) o
                 CROSS JOIN LATERAL (SELECT runs.id FROM runs
                                      WHERE runs.id = o.run_id AND runs.attempt = o.run_attempt AND %1$s
                                      FOR UPDATE) r
            )
            UPDATE runs SET status = locked.new_status, result = locked.new_result, error = locked.new_error,
                            completed_at = now(), updated_at = now()
              FROM locked
             WHERE runs.id = locked.id AND runs.id = ANY($1)
            RETURNING runs.id""".formatted(COMPLETE.guard());

    private final Pool pool;

    /** For the container's proxy; use the other constructor. */
    protected RunStore() {
        this.pool = null;
    }

    @Inject
    public RunStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * A run to record.
     *
     * @param id        its id ({@link RunIds})
     * @param pipeline  its pipeline
     * @param queue     the queue it runs on
     * @param priority  its priority there ({@link io.runstream.queue.Priority})
     * @param input     its input as JSON text, or null
     * @param createdAt when it was submitted
     * @param scheduledFor when it is due (a delayed run), or null to start at once
     * @param tenant    the tenant it belongs to
     */
    public record NewRun(UUID id, String pipeline, String queue, int priority, String input, Instant createdAt,
                         Instant scheduledFor, String tenant) {

        /** Whether its task waits in its queue's delayed set at {@code now}, rather than going to the stream. */
        public boolean delayedAt(Instant now) {
            return delayed(scheduledFor, now);
        }

        /** Whether a run due at {@code scheduledFor} (null: at once) is still to wait at {@code now}. */
        public static boolean delayed(Instant scheduledFor, Instant now) {
            return scheduledFor != null && scheduledFor.isAfter(now);
        }
    }

    // ---- the api ----

    /**
     * {@link RunTransition#SUBMIT} of several runs in one statement: queued, and listed in one new outbox row until
     * their tasks are in Redis ({@link #dispatched(List)}).
     *
     * @return the id of their outbox row
     */
    public Uni<Long> submit(List<NewRun> runs) {
        int n = runs.size();
        UUID[] ids = new UUID[n];
        String[] pipelines = new String[n];
        String[] queues = new String[n];
        Short[] priorities = new Short[n];
        String[] inputs = new String[n];
        OffsetDateTime[] created = new OffsetDateTime[n];
        OffsetDateTime[] scheduled = new OffsetDateTime[n];
        String[] tenants = new String[n];
        for (int i = 0; i < n; i++) {
            NewRun run = runs.get(i);
            ids[i] = run.id();
            pipelines[i] = run.pipeline();
            queues[i] = run.queue();
            priorities[i] = (short) run.priority();
            inputs[i] = run.input();
            created[i] = utc(run.createdAt());
            scheduled[i] = utc(run.scheduledFor());
            tenants[i] = run.tenant();
        }
        return pool.preparedQuery(INSERT_MANY).execute(Tuple.from(new Object[] {ids, pipelines, queues, priorities, inputs, created, scheduled,
                        tenants}))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * {@link RunTransition#SUBMIT} of a run with an Idempotency-Key and the hash of the request that created it.
     * Fails with a failure that {@link #isIdempotencyConflict} recognises when another run holds the key.
     *
     * @return the id of its outbox row
     */
    public Uni<Long> submit(NewRun run, String idempotencyKey, String requestHash) {
        return pool.preparedQuery(INSERT_WITH_KEY).execute(Tuple.tuple().addUUID(run.id()).addString(run.pipeline())
                        .addString(run.queue()).addString(run.input()).addOffsetDateTime(utc(run.createdAt()))
                        .addString(idempotencyKey).addString(requestHash).addShort((short) run.priority())
                        .addOffsetDateTime(utc(run.scheduledFor())).addString(run.tenant()))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /** Whether {@code failure} is the unique index on Idempotency-Keys refusing a second run with the same key. */
    public static boolean isIdempotencyConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg && "23505".equals(pg.getSqlState())
                    && IDEMPOTENCY_INDEX.equals(pg.getConstraint())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The run of {@code tenant} that holds {@code idempotencyKey}, after releasing the key of a run created before
     * {@code expiredBefore} (a key holds on to its run for a limited time).
     */
    public Uni<Optional<Row>> byIdempotencyKey(String tenant, String idempotencyKey, Instant expiredBefore) {
        return pool.withTransaction(c -> c.preparedQuery("UPDATE runs SET idempotency_key = NULL WHERE tenant = $1 "
                        + "AND idempotency_key = $2 AND created_at < $3")
                .execute(Tuple.of(tenant, idempotencyKey, utc(expiredBefore)))
                .chain(() -> c.preparedQuery("SELECT * FROM runs WHERE tenant = $1 AND idempotency_key = $2")
                        .execute(Tuple.of(tenant, idempotencyKey)))
                .map(RunStore::first));
    }

    /** Records that the tasks of every run of these outbox rows are in Redis: the rows go. */
    public Uni<Void> dispatched(List<Long> outboxRows) {
        return pool.preparedQuery("DELETE FROM outbox WHERE id = ANY($1)")
                .execute(Tuple.of(outboxRows.toArray(Long[]::new))).replaceWithVoid();
    }

    /** Records that these runs' tasks are in Redis, for runs flagged undispatched (schema 4, or after data loss). */
    public Uni<Void> markDispatched(List<UUID> ids) {
        return pool.preparedQuery("UPDATE runs SET dispatched = true WHERE id = ANY($1) AND NOT dispatched")
                .execute(Tuple.of(ids.toArray(UUID[]::new))).replaceWithVoid();
    }

    /** {@link RunTransition#UNDO_SUBMIT}: removes run {@code id} unless its task was dispatched; whether it did. */
    public Uni<Boolean> undoSubmit(UUID id) {
        return applied(pool.preparedQuery("DELETE FROM runs WHERE id = $1 AND " + UNDISPATCHED + " AND "
                + UNDO_SUBMIT.guard()).execute(Tuple.of(id)));
    }

    /**
     * {@link RunTransition#UNDO_SUBMIT} of many runs: removes those whose tasks were not dispatched; how many it
     * removed.
     */
    public Uni<Integer> undoSubmit(List<UUID> ids) {
        return pool.preparedQuery("DELETE FROM runs WHERE id = ANY($1) AND " + UNDISPATCHED + " AND "
                        + UNDO_SUBMIT.guard())
                .execute(Tuple.of(ids.toArray(UUID[]::new))).map(RowSet::rowCount);
    }

    /**
     * {@link RunTransition#CANCEL_QUEUED} of run {@code id} of {@code tenant}; false when it is not queued, not the
     * tenant's, or does not exist.
     */
    public Uni<Boolean> cancelQueued(UUID id, String tenant) {
        return applied(pool.preparedQuery("UPDATE runs SET status = 'cancelled', completed_at = now(), "
                + "updated_at = now() WHERE id = $1 AND tenant = $2 AND " + CANCEL_QUEUED.guard())
                .execute(Tuple.of(id, tenant)));
    }

    /** {@link RunTransition#REQUEUE_AFTER_DATA_LOSS} of every queued and running run; how many. */
    public Uni<Integer> requeueAfterDataLoss() {
        return pool.query("UPDATE runs SET status = 'queued', dispatched = false, task_id = NULL, updated_at = now() "
                + "WHERE " + REQUEUE_AFTER_DATA_LOSS.guard()).execute().map(RowSet::rowCount);
    }

    // ---- workers ----

    /**
     * A request to start a run's attempt from a task entry.
     *
     * @param id      the run
     * @param taskId  the id of the task stream entry that asks
     */
    public record Start(UUID id, String taskId) {
    }

    /**
     * {@link RunTransition#START} of a queued run, or {@link RunTransition#RESTART} of a running one whose attempt
     * was started by this same task entry (its worker died and the entry was reclaimed): {@code running}, attempt
     * + 1, {@code startedAt} now. Not for a running run started by another entry (a duplicate dispatch), nor an ended
     * one. Many at once, in one statement.
     *
     * @return per request, in order: the started attempt, or empty when there is nothing to do (of two requests
     *         for the same run in one batch, at most one starts it)
     */
    public Uni<List<Optional<StartedRun>>> start(List<Start> requests) {
        int n = requests.size();
        UUID[] ids = new UUID[n];
        String[] entries = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = requests.get(i).id();
            entries[i] = requests.get(i).taskId();
        }
        return pool.preparedQuery(START_MANY).execute(Tuple.of(ids, entries)).map(rows -> {
            Map<UUID, Row> started = new HashMap<>();
            rows.forEach(row -> started.put(row.getUUID("id"), row));
            List<Optional<StartedRun>> results = new ArrayList<>(n);
            for (Start request : requests) {
                Row row = started.get(request.id());
                if (row != null && request.taskId().equals(row.getString("task_id"))) {
                    started.remove(request.id()); // a second request from the same entry starts nothing
                    results.add(Optional.of(new StartedRun(request.id(), row.getString("tenant"), row.getString("pipeline"),
                            row.getInteger("attempt"), row.getString("input"))));
                } else {
                    results.add(Optional.empty());
                }
            }
            return results;
        });
    }

    /** {@link #start(List)} of one run. */
    public Uni<Optional<StartedRun>> start(UUID id, String taskId) {
        return start(List.of(new Start(id, taskId))).map(List::getFirst);
    }

    /**
     * How an attempt ended, to record: {@code completed} (with its result), {@code failed} (with its error) or
     * {@code cancelled}.
     */
    public record End(UUID id, int attempt, RunStatus status, String result, String error) {
        public End {
            if (status != RunStatus.COMPLETED && status != RunStatus.FAILED && status != RunStatus.CANCELLED) {
                throw new IllegalArgumentException("an attempt ends completed, failed or cancelled, not " + status);
            }
        }
    }

    /**
     * {@link RunTransition#COMPLETE}, {@link RunTransition#FAIL} or {@link RunTransition#CANCEL_RUNNING} of many
     * attempts in one statement, each fenced by its attempt number.
     *
     * @return per end, in order: whether it applied (false when the attempt is no longer the running one)
     */
    public Uni<List<Boolean>> end(List<End> ends) {
        int n = ends.size();
        UUID[] ids = new UUID[n];
        Integer[] attempts = new Integer[n];
        String[] statuses = new String[n];
        String[] results = new String[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            End end = ends.get(i);
            ids[i] = end.id();
            attempts[i] = end.attempt();
            statuses[i] = end.status().wire();
            results[i] = end.result();
            errors[i] = end.error();
        }
        return pool.preparedQuery(END_MANY).execute(Tuple.of(ids, attempts, statuses, results, errors)).map(rows -> {
            Set<UUID> applied = new HashSet<>();
            rows.forEach(row -> applied.add(row.getUUID("id")));
            List<Boolean> answers = new ArrayList<>(n);
            for (End end : ends) {
                answers.add(applied.remove(end.id()));
            }
            return answers;
        });
    }

    /** {@link RunTransition#COMPLETE} of attempt {@code attempt}; false when it is no longer the running one. */
    public Uni<Boolean> complete(UUID id, int attempt, String resultJson) {
        return endOne(new End(id, attempt, RunStatus.COMPLETED, resultJson, null));
    }

    /** {@link RunTransition#FAIL} of attempt {@code attempt}; false when it is no longer the running one. */
    public Uni<Boolean> fail(UUID id, int attempt, String error) {
        return endOne(new End(id, attempt, RunStatus.FAILED, null, error));
    }

    /** {@link RunTransition#CANCEL_RUNNING} after attempt {@code attempt} stopped; false when it was not running. */
    public Uni<Boolean> cancelRunning(UUID id, int attempt) {
        return endOne(new End(id, attempt, RunStatus.CANCELLED, null, null));
    }

    private Uni<Boolean> endOne(End end) {
        return end(List.of(end)).map(List::getFirst);
    }

    /**
     * {@link RunTransition#RETRY} after attempt {@code attempt} failed with {@code error}; false when it is no longer
     * the running one.
     */
    public Uni<Boolean> retry(UUID id, int attempt, String error) {
        return applied(pool.preparedQuery("UPDATE runs SET status = 'queued', error = $3, task_id = NULL, "
                        + "updated_at = now() WHERE id = $1 AND attempt = $2 AND " + RETRY.guard())
                .execute(Tuple.of(id, attempt, error)));
    }

    /** {@link RunTransition#POISON}: fails run {@code id} whatever its attempt, unless it already ended. */
    public Uni<Optional<Poisoned>> poison(UUID id, String error) {
        return pool.preparedQuery("UPDATE runs SET status = 'failed', error = $2, completed_at = now(), "
                        + "updated_at = now() WHERE id = $1 AND " + POISON.guard() + " RETURNING tenant, queue, attempt")
                .execute(Tuple.of(id, error))
                .map(rows -> first(rows).map(r -> new Poisoned(r.getString("tenant"), r.getString("queue"),
                        r.getInteger("attempt"))));
    }

    /** A run that {@link #poison} failed: its tenant, queue and last attempt. */
    public record Poisoned(String tenant, String queue, int attempt) {
    }

    /** The outcome of run {@code id} if it has ended. */
    public Uni<Optional<EndedRun>> ended(UUID id) {
        return pool.preparedQuery("SELECT status, attempt, result, error, tenant, pipeline, queue FROM runs WHERE id = $1 "
                        + "AND status IN ('completed', 'failed', 'cancelled')")
                .execute(Tuple.of(id))
                .map(rows -> first(rows).map(r -> new EndedRun(RunStatus.fromWire(r.getString("status")).orElseThrow(),
                        r.getInteger("attempt"), r.getString("result"), r.getString("error"), r.getString("tenant"),
                        r.getString("pipeline"), r.getString("queue"))));
    }

    /**
     * An attempt that {@link #start} began.
     *
     * @param id        run id
     * @param tenant    the run's tenant
     * @param pipeline  the run's pipeline
     * @param attempt   number of this attempt, from 1
     * @param inputJson the input as JSON text, or null
     */
    public record StartedRun(UUID id, String tenant, String pipeline, int attempt, String inputJson) {
    }

    /**
     * How a run ended.
     *
     * @param status  completed, failed or cancelled
     * @param attempt its last attempt
     * @param result  result JSON when completed
     * @param error   error when failed
     * @param tenant  the run's tenant, pipeline and queue
     */
    public record EndedRun(RunStatus status, int attempt, String result, String error, String tenant,
                           String pipeline, String queue) {
    }

    private static Uni<Boolean> applied(Uni<RowSet<Row>> statement) {
        return statement.map(rows -> rows.rowCount() == 1);
    }

    private static Optional<Row> first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    /** {@code instant} in UTC; null for null. */
    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
