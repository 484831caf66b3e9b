package io.runstream.worker.complete;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import io.runstream.queue.Priority;
import io.runstream.run.RunIds;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.runstream.run.RunStore.End;
import io.runstream.run.RunStore.Start;
import io.runstream.run.RunStore.StartedRun;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The batched transitions the worker's starter and completer send: many runs in one statement, each request told
 * what happened to it, fenced exactly as the single ones are, and concurrent batches over the same rows in
 * opposite orders neither deadlock nor apply a transition twice.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RunStoreBatchTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    RunStore store;

    @Inject
    Pool pool;

    @Test
    void aBatchOfStartsTellsEachRequestWhetherItStartedAnAttempt() {
        List<UUID> ids = submit(4);
        UUID queued = ids.get(0);
        UUID duplicated = ids.get(1);
        UUID reclaimed = ids.get(2);
        UUID ended = ids.get(3);
        started(store.start(List.of(new Start(reclaimed, "1-1"), new Start(ended, "1-2"))));
        assertThat(await(store.end(List.of(new End(ended, 1, RunStatus.COMPLETED, "{}", null))))).containsExactly(true);

        List<Optional<StartedRun>> results = await(store.start(List.of(
                new Start(queued, "2-1"),
                new Start(duplicated, "2-2"), new Start(duplicated, "2-3"), // one run, two entries
                new Start(reclaimed, "1-1"),   // the entry that started it, redelivered: a new attempt
                new Start(reclaimed, "9-9"),   // another entry for a running run: nothing
                new Start(ended, "1-2"))));    // ended: nothing

        assertThat(results.get(0)).hasValueSatisfying(r -> assertThat(r.attempt()).isEqualTo(1));
        assertThat(results.subList(1, 3)).as("exactly one entry starts the duplicated run")
                .filteredOn(Optional::isPresent).hasSize(1);
        assertThat(results.get(3)).hasValueSatisfying(r -> assertThat(r.attempt()).isEqualTo(2));
        assertThat(results.get(4)).isEmpty();
        assertThat(results.get(5)).isEmpty();
        assertThat(status(ended)).isEqualTo("completed");
        assertThat(status(queued)).isEqualTo("running");
    }

    @Test
    void aBatchOfEndsAppliesOnlyToTheRunningAttempt() {
        List<UUID> ids = submit(3);
        started(store.start(ids.stream().map(id -> new Start(id, "e-" + id)).toList()));

        List<Boolean> applied = await(store.end(List.of(
                new End(ids.get(0), 1, RunStatus.COMPLETED, "{\"ok\":true}", null),
                new End(ids.get(1), 1, RunStatus.FAILED, null, "boom"),
                new End(ids.get(2), 2, RunStatus.COMPLETED, "{}", null)))); // not its attempt

        assertThat(applied).containsExactly(true, true, false);
        assertThat(status(ids.get(0))).isEqualTo("completed");
        assertThat(status(ids.get(1))).isEqualTo("failed");
        assertThat(status(ids.get(2))).isEqualTo("running");
        assertThat(await(store.end(List.of(new End(ids.get(0), 1, RunStatus.FAILED, null, "late")))))
                .as("an attempt ends once").containsExactly(false);
    }

    /**
     * Two workers' batches over the same rows, one in ascending and one in descending order, at the same time:
     * without the rows locked in one order this deadlocks (PostgreSQL aborts one batch with 40P01).
     */
    @Test
    void concurrentBatchesInOppositeOrdersNeitherDeadlockNorStartARunTwice() {
        for (int round = 0; round < 20; round++) {
            List<UUID> ids = submit(200);
            List<Start> up = ids.stream().map(id -> new Start(id, "a-" + id)).toList();
            List<Start> down = new ArrayList<>(ids.stream().map(id -> new Start(id, "b-" + id)).toList()).reversed();
            List<List<Optional<StartedRun>>> both = await(Uni.combine().all()
                    .unis(store.start(up), store.start(down)).with((a, b) -> List.of(a, b)));
            for (int i = 0; i < ids.size(); i++) {
                int starts = (both.get(0).get(i).isPresent() ? 1 : 0)
                        + (both.get(1).get(ids.size() - 1 - i).isPresent() ? 1 : 0);
                assertThat(starts).as("starts of run %d in round %d", i, round).isEqualTo(1);
            }
            List<End> ends = ids.stream().map(id -> new End(id, 1, RunStatus.COMPLETED, "{}", null)).toList();
            List<List<Boolean>> ended = await(Uni.combine().all()
                    .unis(store.end(ends), store.end(ends.reversed())).with((a, b) -> List.of(a, b)));
            for (int i = 0; i < ids.size(); i++) {
                assertThat(ended.get(0).get(i) ^ ended.get(1).get(ids.size() - 1 - i))
                        .as("run %d of round %d ends once", i, round).isTrue();
            }
        }
    }

    /**
     * A burst of submits after the statistics were last gathered: they say almost nothing is queued or running, and
     * on the status guard the planner read the whole backlog through the status index for every batch. Each batch
     * must read its own rows only, however large the backlog: what its plan's scans of {@code runs} read. (A batch
     * of the largest size, 500, may well be read by a scan of a table of 20,000: that is the planner's choice.)
     */
    @Test
    void aBatchReadsItsOwnRunsOnlyWhateverTheBacklog() {
        await(pool.query("ANALYZE runs").execute());
        List<UUID> backlog = submit(20_000);
        UUID[] batch = backlog.subList(0, 50).toArray(UUID[]::new);
        String[] entries = Arrays.stream(batch).map(id -> "p-" + id).toArray(String[]::new);
        String startPlan = plan(RunStore.START_MANY, Tuple.of(batch, entries));
        assertThat(rowsReadFromRuns(startPlan)).as("rows of runs the start of 50 runs reads, in %s", startPlan)
                .isLessThanOrEqualTo(2 * batch.length);

        started(store.start(backlog.stream().map(id -> new Start(id, "p-" + id)).toList()));
        Integer[] attempts = Arrays.stream(batch).map(id -> 1).toArray(Integer[]::new);
        String[] statuses = Arrays.stream(batch).map(id -> "completed").toArray(String[]::new);
        String endPlan = plan(RunStore.END_MANY, Tuple.of(batch, attempts, statuses, new String[batch.length],
                new String[batch.length]));
        assertThat(rowsReadFromRuns(endPlan)).as("rows of runs the end of 50 runs reads, in %s", endPlan)
                .isLessThanOrEqualTo(2 * batch.length);
    }

    /**
     * The worker's connections prepare each statement once and keep one plan for it, made without its values — so
     * perhaps while {@code runs} held a few rows, and then used on a table of any size, with statistics of any age
     * (nothing replans it until the table is analysed again). Each batch must still read only its own rows. Here the
     * plans are made on a table of 30 rows just analysed, then 20,000 runs arrive and a batch of 50 starts and ends:
     * what the plans' scans of {@code runs} read. On a table that small a plan allowed to scan it does so, and goes on
     * scanning it, once for each run of every batch, as the table grows.
     *
     * <p>The table is a temporary {@code runs} of this session (it hides the real one), dropped with the transaction.
     */
    @Test
    void aPlanMadeWhileRunsWasSmallReadsOnlyItsBatchOnceRunsHasGrown() {
        String newRuns = "INSERT INTO runs (id, pipeline, queue, status, input, attempt, created_at, updated_at) "
                + "SELECT gen_random_uuid(), 'batch-test', 'batch-test', 'queued', '{}', 0, now(), now() "
                + "FROM generate_series(1, $1)";
        String plans = rolledBack(c -> c.query(
                        "CREATE TEMP TABLE runs (LIKE public.runs INCLUDING ALL) ON COMMIT DROP").execute()
                .chain(() -> c.preparedQuery(newRuns).execute(Tuple.of(30)))
                .chain(() -> c.query("ANALYZE runs").execute())
                .chain(() -> c.query("PREPARE plan_test_start AS " + RunStore.START_MANY).execute())
                .chain(() -> c.query("PREPARE plan_test_end AS " + RunStore.END_MANY).execute())
                .chain(() -> c.query("SELECT id FROM runs LIMIT 1").execute())
                .chain(rows -> {
                    String one = "'{" + rows.iterator().next().getUUID(0) + "}'";
                    return c.query("EXECUTE plan_test_start(" + one + ", '{e}')").execute()
                            .chain(() -> c.query("EXECUTE plan_test_end(" + one
                                    + ", '{1}', '{completed}', '{\"{}\"}', '{NULL}')").execute());
                })
                .chain(() -> c.preparedQuery(newRuns).execute(Tuple.of(20_000)))
                .chain(() -> c.query("SELECT '{' || string_agg(id::text, ',') || '}' FROM "
                        + "(SELECT id FROM runs WHERE status = 'queued' LIMIT 50) batch").execute())
                .chain(rows -> {
                    String batch = "'" + rows.iterator().next().getString(0) + "'";
                    String fifty = "array_fill(%s, ARRAY[50])";
                    return explain(c, "EXECUTE plan_test_start(" + batch + ", " + fifty.formatted("'e'::text") + ")")
                            .chain(start -> explain(c, "EXECUTE plan_test_end(" + batch + ", "
                                    + fifty.formatted(1) + ", " + fifty.formatted("'completed'::text") + ", "
                                    + fifty.formatted("'{}'::text") + ", " + fifty.formatted("NULL::text") + ")")
                                    .map(end -> start + "\n" + end));
                })
                .call(() -> c.query("DEALLOCATE plan_test_start").execute())
                .call(() -> c.query("DEALLOCATE plan_test_end").execute()));

        String[] both = plans.split("\n(?=Update on runs)");
        assertThat(both).as("two plans in %s", plans).hasSize(2);
        assertThat(both[0]).as("the start's plan is the one made without values").contains("$1");
        assertThat(rowsReadFromRuns(both[0])).as("rows of runs the start of 50 runs reads, in %s", both[0])
                .isLessThanOrEqualTo(100);
        assertThat(both[0].lines().findFirst().orElseThrow()).as("the start began all 50").contains(" rows=50 loops=1)");
        assertThat(both[1].lines().findFirst().orElseThrow()).as("the end ended all 50").contains(" rows=50 loops=1)");
        assertThat(rowsReadFromRuns(both[1])).as("rows of runs the end of 50 runs reads, in %s", both[1])
                .isLessThanOrEqualTo(100);
    }

    /** EXPLAIN ANALYZE's text of {@code statement} on connection {@code c}. */
    private static Uni<String> explain(SqlConnection c, String statement) {
        return c.query("EXPLAIN (ANALYZE) " + statement).execute().map(RunStoreBatchTest::text);
    }

    /** The lines of a plan, as EXPLAIN returns them (one a row). */
    private static String text(RowSet<Row> plan) {
        StringBuilder text = new StringBuilder();
        plan.forEach(row -> text.append(row.getString(0)).append('\n'));
        return text.toString();
    }

    /** EXPLAIN ANALYZE's text for {@code sql} with these values (run in a transaction that is rolled back). */
    private String plan(String sql, Tuple values) {
        return rolledBack(c -> c.preparedQuery("EXPLAIN (ANALYZE) " + sql).execute(values)
                .map(RunStoreBatchTest::text));
    }

    /** What {@code work} answers, in a transaction that is then rolled back, so EXPLAIN ANALYZE changes nothing. */
    private String rolledBack(Function<SqlConnection, Uni<String>> work) {
        return await(pool.withTransaction(c -> work.apply(c)
                        .chain(text -> Uni.createFrom().<String>failure(new PlanOnly(text))))
                .onFailure(PlanOnly.class).recoverWithItem(Throwable::getMessage));
    }

    /**
     * Rows the plan's scans of {@code runs} went through: each scan node's actual rows times its loops, plus the
     * rows its filter removed.
     */
    private static long rowsReadFromRuns(String plan) {
        Pattern scan = Pattern.compile(
                "Scan (?:using \\S+ )?on runs\\b.*actual time=\\S+ rows=(\\d+) loops=(\\d+)");
        Pattern removed = Pattern.compile("Rows Removed by Filter: (\\d+)");
        long read = 0;
        boolean inRunsScan = false;
        for (String line : plan.split("\n")) {
            Matcher node = scan.matcher(line);
            Matcher filtered = removed.matcher(line);
            if (node.find()) {
                read += Long.parseLong(node.group(1)) * Long.parseLong(node.group(2));
                inRunsScan = true;
            } else if (line.contains("->")) {
                inRunsScan = false;
            } else if (inRunsScan && filtered.find()) {
                read += Long.parseLong(filtered.group(1));
            }
        }
        assertThat(plan).as("the plan reads runs somewhere").contains(" on runs");
        return read;
    }

    /** Ends {@link #rolledBack}'s transaction by failing it, carrying what it answered. */
    private static final class PlanOnly extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PlanOnly(String plan) {
            super(plan, null, false, false);
        }
    }

    private List<UUID> submit(int n) {
        List<RunStore.NewRun> runs = IntStream.range(0, n).mapToObj(i -> new RunStore.NewRun(RunIds.newId(),
                "batch-test", "batch-test", Priority.DEFAULT, "{}", Instant.now(), null, "default")).toList();
        await(store.submit(runs));
        return runs.stream().map(RunStore.NewRun::id).toList();
    }

    private void started(Uni<List<Optional<StartedRun>>> starts) {
        assertThat(await(starts)).allMatch(Optional::isPresent);
    }

    private String status(UUID id) {
        return await(pool.preparedQuery("SELECT status FROM runs WHERE id = $1").execute(Tuple.of(id)))
                .iterator().next().getString("status");
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }
}
