package io.runstream.worker.attempt;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {

    private static final RetryPolicy NO_JITTER = new RetryPolicy(4, Duration.ofSeconds(1), Duration.ofSeconds(5), 0);

    @Test
    void retriesUntilTheLastAttemptFailed() {
        assertThat(IntStream.rangeClosed(1, 5).mapToObj(NO_JITTER::retriesAfter))
                .containsExactly(true, true, true, false, false);
        assertThat(new RetryPolicy(1, Duration.ZERO, Duration.ZERO, 0).retriesAfter(1)).as("one attempt only").isFalse();
    }

    @Test
    void theDelayDoublesFromTheBaseUpToTheCap() {
        assertThat(IntStream.rangeClosed(1, 5).mapToObj(NO_JITTER::delayAfter).map(Duration::toMillis))
                .containsExactly(1000L, 2000L, 4000L, 5000L, 5000L);
        // far past 2^30 the exponent stops growing instead of overflowing
        assertThat(NO_JITTER.delayAfter(10_000)).isEqualTo(Duration.ofSeconds(5));
    }

    @RepeatedTest(20)
    void jitterSpreadsEachDelayWithinItsFraction() {
        RetryPolicy spread = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2);
        assertThat(spread.delayAfter(1).toMillis()).isBetween(800L, 1200L);
        assertThat(spread.delayAfter(3).toMillis()).isBetween(3200L, 4800L);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO, 0)).hasMessageContaining("max-attempts");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ZERO, Duration.ZERO, 1.5)).hasMessageContaining("jitter");
    }
}
