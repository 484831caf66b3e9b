package io.runstream.worker.complete;

import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreRetryTest {

    private final StoreRetry retry = new StoreRetry(Duration.ofMillis(5));
    private final AtomicInteger tries = new AtomicInteger();
    private final AtomicInteger named = new AtomicInteger();

    /** A write that fails its first {@code failures} tries, then answers its try's number. */
    private Uni<Integer> failing(int failures) {
        return Uni.createFrom().deferred(() -> {
            int attempt = tries.incrementAndGet();
            return attempt <= failures ? Uni.createFrom().failure(new IllegalStateException("down " + attempt))
                    : Uni.createFrom().item(attempt);
        });
    }

    private String name() {
        named.incrementAndGet();
        return "write something";
    }

    @Test
    void aWriteThatSucceedsIsTriedOnceAndNotNamed() {
        Integer result = retry.until(failing(0), this::name).await().atMost(Duration.ofSeconds(5));

        assertThat(result).isEqualTo(1);
        assertThat(tries).hasValue(1);
        assertThat(named).hasValue(0);
    }

    @Test
    void aFailingWriteIsTriedAgainUntilItSucceeds() {
        Integer result = retry.until(failing(4), this::name).await().atMost(Duration.ofSeconds(5));

        assertThat(result).isEqualTo(5);
        assertThat(tries).hasValue(5);
    }

    @Test
    void eachSubscriptionWritesAgain() {
        Uni<Integer> write = retry.until(failing(1), this::name);

        assertThat(write.await().atMost(Duration.ofSeconds(5))).isEqualTo(2);
        assertThat(write.await().atMost(Duration.ofSeconds(5))).isEqualTo(3);
    }

    @Test
    void aStoppingWorkerGivesUpAFailingWrite() {
        retry.stop();

        assertThatThrownBy(() -> retry.until(failing(1), this::name).await().atMost(Duration.ofSeconds(5)))
                .hasMessage("down 1");
        assertThat(tries).hasValue(1);
    }

    @Test
    void aWriteStillFailingWhenTheWorkerStopsFailsAtItsNextTry() {
        Uni<Integer> write = Uni.createFrom().deferred(() -> {
            if (tries.incrementAndGet() == 3) {
                retry.stop();
            }
            return Uni.createFrom().failure(new IllegalStateException("down " + tries.get()));
        });

        assertThatThrownBy(() -> retry.until(write, this::name).await().atMost(Duration.ofSeconds(5)))
                .hasMessage("down 3");
    }
}
