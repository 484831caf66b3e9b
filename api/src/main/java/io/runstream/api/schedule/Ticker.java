package io.runstream.api.schedule;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.api.ApiConfig;
import io.runstream.api.outbox.Dispatcher;
import io.runstream.api.outbox.Outbox;
import io.runstream.api.schedule.CronTicks.Tick;
import io.runstream.log.FailureLog;
import io.runstream.run.RunIds;
import io.runstream.run.RunStore.NewRun;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.runstream.api.schedule.ScheduleStore.instant;
import static io.runstream.api.schedule.ScheduleStore.utc;

/**
 * Makes the runs of schedules, on every api replica. A pass takes the due schedules' rows with
 * {@code FOR UPDATE SKIP LOCKED} (a row another replica is working on is left to it), plans each
 * ({@link TickPlan}), and in the same transaction records the runs of their ticks — one per schedule and tick,
 * held by a unique index whatever the replicas do — and moves their cursors; after the commit the runs' tasks go to
 * Redis, and the sweeper dispatches any that do not get there. A replica that dies mid-pass leaves nothing done:
 * the transaction rolls back and another replica (or it, restarted) makes those ticks, as catch-up allows.
 * <p>
 * A replica wakes at the next tick it knows of, at most {@code poll-interval} after the last pass (to see schedules
 * written through other replicas, and queue-one ticks whose run ended), at once after a schedule was written
 * through it, and again at once while due ticks are left. Passes never overlap; one that fails or hangs ends,
 * is logged, and the next runs.
 */
@ApplicationScoped
public class Ticker {

    private static final Logger LOG = Logger.getLogger(Ticker.class);
    private static final Duration PASS_TIMEOUT = Duration.ofSeconds(30);

    private static final String DUE = """
            SELECT s.name, s.tenant, s.pipeline, s.queue, s.priority, s.input, s.cron, s.time_zone, s.overlap, s.catch_up,
                   s.catch_up_window_ms, s.next_local, s.next_tick, s.pending_tick,
                   r.status IN ('queued', 'running') AS last_run_active
              FROM schedules s LEFT JOIN runs r ON r.id = s.last_run_id
             WHERE NOT s.paused AND (s.next_tick <= $1 OR s.pending_tick IS NOT NULL)
             ORDER BY s.next_tick
             LIMIT $2
               FOR UPDATE OF s SKIP LOCKED""";
    /** The runs of ticks, and their outbox row; a tick that already made its run makes none. */
    private static final String INSERT_RUNS = """
            WITH inserted AS (
                INSERT INTO runs (id, pipeline, queue, priority, status, input, attempt, created_at, updated_at,
                                  schedule_name, schedule_tick, tenant)
                SELECT id, pipeline, queue, priority, 'queued', input, 0, $6, $6, schedule_name, schedule_tick, tenant
                  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::smallint[], $5::text[], $7::text[],
                              $8::timestamptz[], $9::text[])
                    AS r(id, pipeline, queue, priority, input, schedule_name, schedule_tick, tenant)
                    ON CONFLICT (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL DO NOTHING
                RETURNING id
            ), box AS (
                INSERT INTO outbox (run_ids) SELECT array_agg(id) FROM inserted HAVING count(*) > 0 RETURNING id
            )
            SELECT inserted.id, box.id AS outbox_id FROM inserted LEFT JOIN box ON true""";
    private static final String ADVANCE = """
            UPDATE schedules s
               SET next_local = u.next_local, next_tick = u.next_tick, pending_tick = u.pending,
                   last_tick = COALESCE(u.last_tick, s.last_tick), last_run_id = COALESCE(u.last_run, s.last_run_id),
                   fired = s.fired + u.fired, skipped = s.skipped + u.skipped, missed = s.missed + u.missed
              FROM unnest($1::text[], $2::timestamp[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
                          $6::uuid[], $7::bigint[], $8::bigint[], $9::bigint[])
                AS u(name, next_local, next_tick, pending, last_tick, last_run, fired, skipped, missed)
             WHERE s.name = u.name""";

    private final Pool pool;
    private final Vertx vertx;
    private final Dispatcher dispatcher;
    private final Outbox outbox;
    private final ApiConfig.Schedules config;
    private final MeterRegistry metrics;
    private final FailureLog failures = new FailureLog(LOG, "Making the runs of schedules", Duration.ofMinutes(1));
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final Map<String, CronTicks> parsed = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    private volatile long timer = -1;

    public Ticker(Pool pool, Vertx vertx, Dispatcher dispatcher, Outbox outbox, ApiConfig config,
                  MeterRegistry metrics) {
        this.pool = pool;
        this.vertx = vertx;
        this.dispatcher = dispatcher;
        this.outbox = outbox;
        this.config = config.schedules();
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        if (!config.clockShift().isZero()) {
            LOG.warnf("The schedule ticker's clock is shifted by %s (runstream.api.schedules.clock-shift): for tests "
                    + "and drills only", config.clockShift());
        }
        wake();
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        vertx.cancelTimer(timer);
    }

    /** The time the ticker goes by. */
    public Instant now() {
        return Instant.now().plus(config.clockShift());
    }

    /** Looks for due schedules now: after a schedule was written, so that a tick due at once is not late. */
    public void wake() {
        if (stopped) {
            return;
        }
        if (running.compareAndSet(false, true)) {
            vertx.cancelTimer(timer);
            pass().subscribe().with(this::passed, failure -> {
                failures.failed(failure);
                passed(config.pollInterval());
            });
        } else {
            again.set(true); // the pass running now may have read before the write: the next starts at once
        }
    }

    private void passed(Duration untilNext) {
        running.set(false);
        Duration wait = again.getAndSet(false) ? Duration.ZERO : untilNext;
        if (!stopped) {
            timer = vertx.setTimer(Math.max(1, wait.toMillis()), id -> wake());
        }
    }

    /** One pass; how long until the next. */
    Uni<Duration> pass() {
        Instant now = now();
        return pool.withTransaction(c -> c.preparedQuery(DUE).execute(Tuple.of(utc(now), config.batch()))
                        .map(ScheduleStore::all)
                        .emitOn(Infrastructure.getDefaultWorkerPool()) // planning walks cron ticks: not on the loop
                        .map(rows -> plan(rows, now))
                        .chain(plans -> record(c, plans)))
                .invoke(made -> made.count(metrics))
                .chain(made -> dispatch(made).replaceWith(made))
                .chain(made -> made.more() || made.taken() == config.batch() ? Uni.createFrom().item(Duration.ZERO)
                        : untilNextTick())
                .ifNoItem().after(PASS_TIMEOUT).fail()
                .invoke(failures::succeeded);
    }

    /** Until the earliest next tick, at most the poll interval. */
    private Uni<Duration> untilNextTick() {
        return pool.query("SELECT min(next_tick) FROM schedules WHERE NOT paused").execute().map(rows -> {
            OffsetDateTime next = rows.iterator().next().getOffsetDateTime(0);
            Duration poll = config.pollInterval();
            if (next == null) {
                return poll;
            }
            Duration until = Duration.between(now(), next.toInstant());
            return until.isNegative() ? Duration.ZERO : until.compareTo(poll) > 0 ? poll : until;
        });
    }

    /**
     * The ticks of {@code cron} in {@code zone}, parsed once: cron-utils takes about a millisecond to parse an
     * expression, which every pass would pay per schedule. Bounded: past 10,000 expressions the cache starts over.
     */
    private CronTicks ticks(String cron, String zone) {
        if (parsed.size() > 10_000) {
            parsed.clear();
        }
        return parsed.computeIfAbsent(cron + "\n" + zone, key -> CronTicks.of(cron, ZoneId.of(zone)));
    }

    /** A due schedule and what this pass does with it. */
    private record Planned(Row row, TickPlan plan) {
    }

    private List<Planned> plan(List<Row> rows, Instant now) {
        List<Planned> plans = new ArrayList<>(rows.size());
        for (Row row : rows) {
            LocalDateTime nextLocal = row.getLocalDateTime("next_local");
            OffsetDateTime nextTick = row.getOffsetDateTime("next_tick");
            Boolean active = row.getBoolean("last_run_active");
            var state = new TickPlan.State(ticks(row.getString("cron"), row.getString("time_zone")),
                    nextLocal == null ? null : new Tick(nextLocal, nextTick.toInstant()),
                    instant(row.getOffsetDateTime("pending_tick")), active != null && active,
                    Overlap.fromWire(row.getString("overlap")).orElseThrow(),
                    CatchUp.fromWire(row.getString("catch_up")).orElseThrow(),
                    Duration.ofMillis(row.getLong("catch_up_window_ms")));
            plans.add(new Planned(row, TickPlan.of(state, now, config.misfireThreshold())));
        }
        return plans;
    }

    /**
     * What a pass recorded: the runs it made, their outbox row, how many schedules it took, whether due ticks are
     * left, and the ticks it passed over (skipped, missed).
     */
    private record Made(List<NewRun> runs, long outboxRow, int taken, boolean more, long skipped, long missed) {

        Made withPassedOver(long skipped, long missed) {
            return new Made(runs, outboxRow, taken, more, skipped, missed);
        }

        /** Counts the ticks in {@code metrics}, once the pass committed. */
        void count(MeterRegistry metrics) {
            for (var outcome : Map.of("fired", (long) runs.size(), "skipped", skipped, "missed", missed).entrySet()) {
                if (outcome.getValue() > 0) {
                    metrics.counter("runstream.schedule.ticks", "outcome", outcome.getKey())
                            .increment(outcome.getValue());
                }
            }
        }
    }

    private Uni<Made> record(SqlConnection c, List<Planned> plans) {
        Instant created = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<NewRun> runs = new ArrayList<>();
        List<String> runSchedules = new ArrayList<>();
        List<OffsetDateTime> runTicks = new ArrayList<>();
        Map<String, UUID> lastRun = new HashMap<>();
        Map<UUID, String> scheduleOf = new HashMap<>();
        boolean more = false;
        for (Planned p : plans) {
            Row row = p.row();
            for (Instant tick : p.plan().fire()) {
                NewRun run = new NewRun(RunIds.newId(), row.getString("pipeline"), row.getString("queue"),
                        row.getInteger("priority"), row.getString("input"), created, null, row.getString("tenant"));
                runs.add(run);
                runSchedules.add(row.getString("name"));
                runTicks.add(utc(tick));
                lastRun.put(row.getString("name"), run.id());
                scheduleOf.put(run.id(), row.getString("name"));
            }
            more |= p.plan().more();
        }
        boolean anyMore = more;
        Uni<Made> inserted = runs.isEmpty() ? Uni.createFrom().item(new Made(List.of(), -1, plans.size(), anyMore, 0, 0))
                : c.preparedQuery(INSERT_RUNS).execute(Tuple.from(new Object[] {
                        runs.stream().map(NewRun::id).toArray(UUID[]::new),
                        runs.stream().map(NewRun::pipeline).toArray(String[]::new),
                        runs.stream().map(NewRun::queue).toArray(String[]::new),
                        runs.stream().map(r -> (short) r.priority()).toArray(Short[]::new),
                        runs.stream().map(NewRun::input).toArray(String[]::new), utc(created),
                        runSchedules.toArray(String[]::new), runTicks.toArray(OffsetDateTime[]::new),
                        runs.stream().map(NewRun::tenant).toArray(String[]::new)}))
                .map(rows -> {
                    Set<UUID> made = new HashSet<>();
                    long box = -1;
                    for (Row r : rows) {
                        made.add(r.getUUID("id"));
                        box = r.getLong("outbox_id");
                    }
                    if (made.size() < runs.size()) {
                        LOG.warnf("%d schedule ticks had made their runs already; not made again",
                                runs.size() - made.size());
                    }
                    return new Made(runs.stream().filter(r -> made.contains(r.id())).toList(), box, plans.size(),
                            anyMore, 0, 0);
                });
        return inserted.chain(made -> advance(c, plans, lastRun, scheduleOf, made));
    }

    /** Moves the cursors of the schedules of {@code plans} and adds to their counters what {@code made} recorded. */
    private Uni<Made> advance(SqlConnection c, List<Planned> plans, Map<String, UUID> lastRun,
                              Map<UUID, String> scheduleOf, Made made) {
        if (plans.isEmpty()) {
            return Uni.createFrom().item(made);
        }
        Set<UUID> recorded = new HashSet<>();
        Map<String, Long> firedBy = new HashMap<>(); // a tick whose run exists already made none now
        for (NewRun run : made.runs()) {
            recorded.add(run.id());
            firedBy.merge(scheduleOf.get(run.id()), 1L, Long::sum);
        }
        long skippedAll = 0;
        long missedAll = 0;
        int n = plans.size();
        String[] names = new String[n];
        LocalDateTime[] nextLocal = new LocalDateTime[n];
        OffsetDateTime[] nextTick = new OffsetDateTime[n];
        OffsetDateTime[] pending = new OffsetDateTime[n];
        OffsetDateTime[] lastTick = new OffsetDateTime[n];
        UUID[] lastRuns = new UUID[n];
        Long[] fired = new Long[n];
        Long[] skipped = new Long[n];
        Long[] missed = new Long[n];
        for (int i = 0; i < n; i++) {
            TickPlan plan = plans.get(i).plan();
            names[i] = plans.get(i).row().getString("name");
            nextLocal[i] = plan.next() == null ? null : plan.next().local();
            nextTick[i] = plan.next() == null ? null : utc(plan.next().at());
            pending[i] = utc(plan.pending());
            UUID last = lastRun.get(names[i]);
            boolean madeLast = last != null && recorded.contains(last);
            lastTick[i] = madeLast ? utc(plan.fire().getLast()) : null;
            lastRuns[i] = madeLast ? last : null;
            fired[i] = firedBy.getOrDefault(names[i], 0L);
            skipped[i] = plan.skipped();
            missed[i] = plan.missed();
            skippedAll += plan.skipped();
            missedAll += plan.missed();
        }
        Made passed = made.withPassedOver(skippedAll, missedAll);
        return c.preparedQuery(ADVANCE).execute(Tuple.from(new Object[] {names, nextLocal, nextTick, pending,
                lastTick, lastRuns, fired, skipped, missed})).replaceWith(passed);
    }

    /** Sends the tasks of the runs a pass made; any that do not reach Redis stay in their outbox row for the sweeper. */
    private Uni<Void> dispatch(Made made) {
        if (made.runs().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        outbox.expect(made.outboxRow(), 1);
        return dispatcher.publishAll(made.runs(), io.opentelemetry.context.Context.root())
                .invoke(() -> outbox.settled(made.outboxRow()))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("The tasks of %d scheduled runs did not reach Redis (%s): the sweeper dispatches them "
                            + "once it answers", made.runs().size(), failure.toString());
                    return null;
                });
    }
}
