package io.runstream.worker.complete;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import io.runstream.run.RunIds;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.runstream.run.RunStore.End;
import io.runstream.run.RunStore.Start;
import io.runstream.run.RunStore.StartedRun;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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

    private List<UUID> submit(int n) {
        List<RunStore.NewRun> runs = IntStream.range(0, n).mapToObj(i -> new RunStore.NewRun(RunIds.newId(),
                "batch-test", "batch-test", "{}", Instant.now())).toList();
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
