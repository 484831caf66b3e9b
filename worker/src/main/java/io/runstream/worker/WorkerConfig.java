package io.runstream.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import org.hibernate.validator.constraints.time.DurationMin;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Settings of the worker. */
@ConfigMapping(prefix = "runstream.worker")
public interface WorkerConfig {

    /** Most runs executing at once in this process ({@code RUNSTREAM_WORKER_CONCURRENCY}). Default is 10. */
    @WithDefault("10")
    @Min(1)
    int concurrency();

    /**
     * This worker's id in the pipeline directory and the consumer group. Default is the host name and the
     * process id.
     */
    Optional<String> id();

    /** Pause between attempts to record a run's state while PostgreSQL is unavailable. Default is 1s. */
    @WithDefault("1s")
    @DurationMin(millis = 1)
    Duration storeRetryBackoff();

    /** How often running runs are checked for a cancel whose notification was missed. Default is 1s. */
    @WithDefault("1s")
    @DurationMin(seconds = 1) // the resolution of @Scheduled
    Duration cancelPollInterval();

    /** Deliveries of one task after which it is a poison entry: dead-lettered and its run failed. Default is 5. */
    @WithDefault("5")
    @Min(1)
    int maxDeliveries();

    /** How long a stopping worker lets its runs finish before leaving them to other workers. Default is 30s. */
    @WithDefault("30s")
    @DurationMin(seconds = 0)
    Duration shutdownGrace();

    /**
     * How long an attempt's {@code status: running} event may wait to share a write with what follows it: the
     * handler's first event, or the run's end (a run that ends at once costs one Redis round trip for both); 0
     * writes it at once. Clients following the run see it at most this much later. Default is 20ms.
     */
    @WithDefault("20ms")
    @DurationMin(millis = 0)
    Duration runningEventDelay();

    /** How often due delayed tasks (retries) are moved to their queue's stream. Default is 200ms. */
    @WithDefault("200ms")
    @DurationMin(millis = 10)
    Duration delayedPollInterval();

    /** How often dead consumers are looked for in the workers' group. Default is 1m. */
    @WithDefault("1m")
    @DurationMin(seconds = 1) // the resolution of @Scheduled
    Duration consumerCleanupInterval();

    /** A consumer with nothing pending that has not read for this long is dead and removed. Default is 10m. */
    @WithDefault("10m")
    @DurationMin(millis = 100)
    Duration deadConsumerIdle();

    /** Retry policy of every pipeline that does not override it. */
    Retry retry();

    /**
     * Per-pipeline settings by pipeline name, e.g. {@code runstream.worker.pipelines.resize.retry.max-attempts=5}.
     */
    Map<String, PipelineSettings> pipelines();

    /** Retries of failed attempts: exponential backoff with jitter. */
    interface Retry {
        /** Attempts a run gets in all, the first included. Default is 3. */
        @WithDefault("3")
        @Min(1)
        int maxAttempts();

        /** Delay before the second attempt; it doubles for each further one. Default is 1s. */
        @WithDefault("1s")
        @DurationMin(millis = 0)
        Duration baseDelay();

        /** Longest delay between attempts. Default is 5m. */
        @WithDefault("5m")
        @DurationMin(millis = 0)
        Duration maxDelay();

        /** Random spread of each delay, as a fraction of it (0.2: ±20 %). Default is 0.2. */
        @WithDefault("0.2")
        @DecimalMin("0") @DecimalMax("1")
        double jitter();
    }

    /** Settings of one pipeline. */
    interface PipelineSettings {
        /** Its retry policy; what is not set here comes from {@code runstream.worker.retry}. */
        RetryOverride retry();
    }

    /** A pipeline's departures from the default retry policy. */
    interface RetryOverride {
        /** @see Retry#maxAttempts() */
        Optional<@Min(1) Integer> maxAttempts();

        /** @see Retry#baseDelay() */
        Optional<@DurationMin(millis = 0) Duration> baseDelay();

        /** @see Retry#maxDelay() */
        Optional<@DurationMin(millis = 0) Duration> maxDelay();
    }
}
