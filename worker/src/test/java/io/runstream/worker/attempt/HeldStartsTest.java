package io.runstream.worker.attempt;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class HeldStartsTest {

    private static final Duration DELAY = Duration.ofMillis(40);

    private final Vertx vertx = Vertx.vertx();
    /** When each item was held and released ({@link System#nanoTime}), and how often it was released. */
    private final Map<Integer, Long> heldAt = new ConcurrentHashMap<>();
    private final Map<Integer, Long> releasedAt = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> releases = new ConcurrentHashMap<>();
    private final HeldStarts<Integer> held = new HeldStarts<>(vertx, DELAY, item -> {
        releasedAt.put(item, System.nanoTime());
        releases.computeIfAbsent(item, i -> new AtomicInteger()).incrementAndGet();
    });

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private void hold(int item) {
        heldAt.put(item, System.nanoTime());
        held.hold(item);
    }

    @Test
    void anItemIsReleasedOnceItsDelayIsAlmostOverAndNotBefore() {
        hold(1);

        await().atMost(Duration.ofSeconds(5)).until(() -> releasedAt.containsKey(1));
        long waited = releasedAt.get(1) - heldAt.get(1);
        assertThat(waited).isGreaterThanOrEqualTo(DELAY.toNanos() * 3 / 4);
        assertThat(held.size()).isZero();
    }

    @Test
    void itemsHeldOneAfterAnotherAreEachReleasedOnceAndNoneTooSoon() {
        for (int i = 0; i < 50; i++) {
            int item = i;
            vertx.setTimer(1 + 3L * i, t -> hold(item));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> releases.size() == 50);
        assertThat(releases.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        heldAt.forEach((item, at) -> assertThat(releasedAt.get(item) - at)
                .as("item %d waited", item).isGreaterThanOrEqualTo(DELAY.toNanos() * 3 / 4));
        assertThat(held.size()).isZero();
    }

    @Test
    void itemsHeldFromManyThreadsAtOnceAreAllReleasedOnce() throws Exception {
        int threads = 8;
        int each = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> holding = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * each;
                holding.add(pool.submit(() -> {
                    for (int i = first; i < first + each; i++) {
                        hold(i);
                    }
                }));
            }
            for (Future<?> f : holding) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> releases.size() == threads * each);
        assertThat(releases.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(held.size()).isZero();
    }

    @Test
    void aStartHeldAfterTheQueueEmptiedArmsATimerAgain() {
        hold(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> releasedAt.containsKey(1));

        hold(2);

        await().atMost(Duration.ofSeconds(5)).until(() -> releasedAt.containsKey(2));
    }

    @Test
    void aDelayMustBePositive() {
        assertThatThrownBy(() -> new HeldStarts<Integer>(vertx, Duration.ZERO, item -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
