package io.runstream.batch;

import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The batcher's coalescing, with a sender whose batches the test answers by hand. */
class BatcherTest {

    private final List<List<Integer>> sent = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<List<String>>> answers = new CopyOnWriteArrayList<>();

    private Uni<List<String>> send(List<Integer> items) {
        sent.add(items);
        CompletableFuture<List<String>> answer = new CompletableFuture<>();
        answers.add(answer);
        return Uni.createFrom().completionStage(answer);
    }

    private static List<String> echo(List<Integer> items) {
        return items.stream().map(i -> "r" + i).toList();
    }

    @Test
    void aLoneItemLeavesAtOnceAndItemsQueuedMeanwhileLeaveTogether() {
        Batcher<Integer, String> batcher = new Batcher<>(this::send, 3, 1);
        List<CompletableFuture<String>> results = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            results.add(batcher.submit(i).subscribeAsCompletionStage());
        }
        assertThat(sent).containsExactly(List.of(0));

        answers.get(0).complete(echo(sent.get(0)));
        assertThat(results.get(0)).isCompletedWithValue("r0");
        assertThat(sent).containsExactly(List.of(0), List.of(1, 2, 3)); // no more than maxBatch at a time

        answers.get(1).complete(echo(sent.get(1)));
        assertThat(sent).containsExactly(List.of(0), List.of(1, 2, 3), List.of(4, 5));
        answers.get(2).complete(echo(sent.get(2)));
        assertThat(results).extracting(CompletableFuture::join).containsExactly("r0", "r1", "r2", "r3", "r4", "r5");

        batcher.submit(6);
        assertThat(sent).hasSize(4).last().isEqualTo(List.of(6)); // idle again: no waiting for company
    }

    @Test
    void upToMaxInFlightBatchesGoOutBeforeAnyAnswer() {
        Batcher<Integer, String> batcher = new Batcher<>(this::send, 10, 2);
        batcher.submit(0);
        batcher.submit(1);
        batcher.submit(2);
        batcher.submit(3);
        assertThat(sent).containsExactly(List.of(0), List.of(1));
        answers.get(1).complete(echo(sent.get(1)));
        assertThat(sent).containsExactly(List.of(0), List.of(1), List.of(2, 3));
    }

    @Test
    void aFailedBatchFailsEachOfItsItemsAndTheNextBatchStillLeaves() {
        Batcher<Integer, String> batcher = new Batcher<>(this::send, 10, 1);
        CompletableFuture<String> first = batcher.submit(0).subscribeAsCompletionStage();
        CompletableFuture<String> second = batcher.submit(1).subscribeAsCompletionStage();
        answers.get(0).completeExceptionally(new IllegalStateException("connection reset"));
        assertThat(first).isCompletedExceptionally();
        assertThat(sent).containsExactly(List.of(0), List.of(1));
        answers.get(1).complete(echo(sent.get(1)));
        assertThat(second).isCompletedWithValue("r1");
    }

    @Test
    void aBatchAnsweredWithTheWrongNumberOfResultsFailsItsItems() {
        Batcher<Integer, String> batcher = new Batcher<>(this::send, 10, 1);
        CompletableFuture<String> only = batcher.submit(0).subscribeAsCompletionStage();
        answers.get(0).complete(List.of());
        assertThat(only).isCompletedExceptionally();
    }
}
