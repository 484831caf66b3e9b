package io.runstream.worker.consume;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker's two stages: how many items run and settle at once, and what holds a slot. */
class TwoStagesTest {

    /** Items 0..n-1; each run and each settlement ends when the test says. */
    private static final class Flow {
        final AtomicLong requested = new AtomicLong();
        final Map<Integer, CompletableFuture<Integer>> runs = new ConcurrentHashMap<>();
        final Map<Integer, CompletableFuture<Void>> settlements = new ConcurrentHashMap<>();
        final List<Integer> settledInOrder = new ArrayList<>();

        Flow(int items, int running, int settling) {
            Multi.createFrom().range(0, items)
                    .onRequest().invoke(requested::addAndGet)
                    .subscribe().withSubscriber(new TwoStages<Integer, Integer>(item -> {
                        CompletableFuture<Integer> run = new CompletableFuture<>();
                        runs.put(item, run);
                        return Uni.createFrom().completionStage(run);
                    }, running, item -> {
                        CompletableFuture<Void> settlement = new CompletableFuture<>();
                        settlements.put(item, settlement);
                        return Uni.createFrom().completionStage(settlement).invoke(() -> settledInOrder.add(item));
                    }, settling));
        }

        void endRun(int item) {
            runs.get(item).complete(item);
        }

        void endSettlement(int item) {
            settlements.get(item).complete(null);
        }

        /** The items whose run started (each asked of the stream once) and those whose settlement started. */
        void started(List<Integer> running, List<Integer> settling) {
            assertThat(runs).containsOnlyKeys(running);
            assertThat(requested).hasValue(running.size());
            assertThat(settlements).containsOnlyKeys(settling);
        }
    }

    @Test
    void aRunningSlotFreesWhenItsRunEnds() {
        Flow flow = new Flow(10, 3, 5);
        flow.started(List.of(0, 1, 2), List.of());

        flow.endRun(1);

        flow.started(List.of(0, 1, 2, 3), List.of(1));
    }

    @Test
    void aRunWaitingForASettlingSlotKeepsItsRunningSlot() {
        Flow flow = new Flow(10, 2, 1);
        flow.endRun(0);
        flow.endRun(1); // no settling slot: 1 waits, holding its running slot
        flow.started(List.of(0, 1, 2), List.of(0));

        flow.endSettlement(0);

        flow.started(List.of(0, 1, 2, 3), List.of(0, 1));
    }

    @Test
    void settlementsStartInTheOrderTheirRunsEnded() {
        Flow flow = new Flow(4, 4, 1);
        flow.endRun(2);
        flow.endRun(0);
        flow.endRun(3);
        flow.endRun(1);
        for (int item : List.of(2, 0, 3, 1)) {
            assertThat(flow.settlements).containsKey(item);
            flow.endSettlement(item);
        }
        assertThat(flow.settledInOrder).containsExactly(2, 0, 3, 1);
    }

    @Test
    void everyItemRunsAndSettlesOnceWhateverTheOrder() {
        int items = 200;
        Flow flow = new Flow(items, 7, 3);
        for (int round = 0; flow.settledInOrder.size() < items; round++) {
            assertThat(round).isLessThan(10 * items);
            // end the newest run first and the oldest settlement: the stages out of step with each other
            flow.runs.entrySet().stream().filter(e -> !e.getValue().isDone()).map(Map.Entry::getKey)
                    .max(Integer::compare).ifPresent(flow::endRun);
            flow.settlements.entrySet().stream().filter(e -> !e.getValue().isDone()).map(Map.Entry::getKey)
                    .min(Integer::compare).ifPresent(flow::endSettlement);
            long running = flow.runs.entrySet().stream().filter(e -> !flow.settlements.containsKey(e.getKey()))
                    .count();
            long settling = flow.settlements.values().stream().filter(f -> !f.isDone()).count();
            assertThat(running).isLessThanOrEqualTo(7);
            assertThat(settling).isLessThanOrEqualTo(3);
        }
        assertThat(flow.settledInOrder).hasSize(items).doesNotHaveDuplicates();
        assertThat(flow.requested.get()).isGreaterThanOrEqualTo(items);
    }

    @Test
    void aFailedRunFreesItsSlotAndIsNotSettled() {
        Flow flow = new Flow(5, 1, 1);
        flow.runs.get(0).completeExceptionally(new IllegalStateException("run broke"));

        flow.started(List.of(0, 1), List.of());
    }

    @Test
    void aFailedSettlementFreesItsSlot() {
        Flow flow = new Flow(5, 2, 1);
        flow.endRun(0);
        flow.endRun(1);
        flow.settlements.get(0).completeExceptionally(new IllegalStateException("settling broke"));

        flow.started(List.of(0, 1, 2, 3), List.of(0, 1));
    }
}
