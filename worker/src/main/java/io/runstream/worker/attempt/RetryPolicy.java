package io.runstream.worker.attempt;

import io.runstream.worker.WorkerConfig;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed attempt is tried again: attempt {@code n} (from 1) that fails is followed by attempt {@code n + 1}
 * after {@code min(maxDelay, baseDelay * 2^(n-1))}, spread by ± {@code jitter}, while {@code n < maxAttempts}.
 *
 * @param maxAttempts attempts in all, the first included
 * @param baseDelay   delay after the first attempt
 * @param maxDelay    cap of the delay
 * @param jitter      random spread as a fraction of the delay, 0 to 1
 */
record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, double jitter) {

    RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-attempts must be at least 1, was " + maxAttempts);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be from 0 to 1, was " + jitter);
        }
    }

    /** The policy of {@code pipeline}: its overrides over the default. */
    static RetryPolicy of(WorkerConfig config, String pipeline) {
        WorkerConfig.Retry defaults = config.retry();
        var override = config.pipelines().get(pipeline);
        if (override == null) {
            return new RetryPolicy(defaults.maxAttempts(), defaults.baseDelay(), defaults.maxDelay(), defaults.jitter());
        }
        var retry = override.retry();
        return new RetryPolicy(retry.maxAttempts().orElse(defaults.maxAttempts()),
                retry.baseDelay().orElse(defaults.baseDelay()), retry.maxDelay().orElse(defaults.maxDelay()),
                defaults.jitter());
    }

    /** Whether a failed attempt {@code attempt} is followed by another. */
    boolean retriesAfter(int attempt) {
        return attempt < maxAttempts;
    }

    /** The delay before the attempt after {@code attempt}. */
    Duration delayAfter(int attempt) {
        double factor = Math.pow(2, Math.min(attempt - 1, 30));
        double millis = Math.min(maxDelay.toMillis(), baseDelay.toMillis() * factor);
        double spread = jitter == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Duration.ofMillis(Math.max(0, Math.round(millis * (1 + spread))));
    }
}
