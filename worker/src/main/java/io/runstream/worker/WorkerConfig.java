package io.runstream.worker;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of the worker. */
@ConfigMapping(prefix = "runstream.worker")
public interface WorkerConfig {

    /** Most runs executing at once in this process ({@code RUNSTREAM_WORKER_CONCURRENCY}). Default is 10. */
    @WithDefault("10")
    int concurrency();

    /**
     * Most tasks being settled at once in this process — outcome recorded, last events written, task acknowledged —
     * after their handlers returned, beside the {@link #concurrency()} running ones. Outcomes that arrive while an
     * end statement is in flight go together in the next, so this bounds that batch; when settling falls behind
     * (PostgreSQL slow or away) and these slots are full, handler slots stop being freed and the worker stops
     * reading tasks. Default is 500.
     */
    @WithDefault("500")
    int maxSettling();

    /**
     * How many tasks of each lane (a queue at a priority) this worker reads beyond its free handler slots, so that
     * the next ones are here when slots free instead of a read away ({@code RUNSTREAM_WORKER_READ_AHEAD}). Tasks read
     * ahead wait in the worker, claimed by it (other workers cannot take them; its heartbeat keeps them from being
     * reclaimed) and still {@code queued} in PostgreSQL; they are not started until a slot takes them, the highest
     * priority first, and a stopping worker hands them back at once. Worth it for many short runs (noop-throughput:
     * 1.25x with 150 at concurrency 50, docs/benchmarks.md); for long runs leave it at 0, or runs wait here behind
     * busy slots while another worker could run them. Default is 0: a lane is asked for the free slots only (for one
     * task while none is free).
     */
    @WithDefault("0")
    int readAhead();

    /**
     * The queues this worker reads ({@code RUNSTREAM_WORKER_QUEUES}, comma separated): it runs the runs of its
     * pipelines that arrive on them, sharing {@link #concurrency()} fairly across them. Default is the queue of
     * every pipeline it has ({@code runstream.pipelines."<name>".queue}).
     */
    Optional<List<String>> queues();

    /**
     * How long a waiting task takes to rise one priority level when slots are taken ({@code 0s}: strict priorities,
     * a lower one may wait for ever under a flood of higher ones). Default is 10s: under a flood of priority 1, a
     * priority-4 task goes first once it has waited 40s.
     */
    @WithDefault("10s")
    Duration priorityAging();

    /**
     * This worker's id in the pipeline directory and the consumer group. Default is the host name and the
     * process id.
     */
    Optional<String> id();

    /** Pause between attempts to record a run's state while PostgreSQL is unavailable. Default is 1s. */
    @WithDefault("1s")
    Duration storeRetryBackoff();

    /** How often running runs are checked for a cancel whose notification was missed. Default is 1s. */
    @WithDefault("1s")
    Duration cancelPollInterval();

    /** Deliveries of one task after which it is a poison entry: dead-lettered and its run failed. Default is 5. */
    @WithDefault("5")
    int maxDeliveries();

    /** How long a stopping worker lets its runs finish before leaving them to other workers. Default is 30s. */
    @WithDefault("30s")
    Duration shutdownGrace();

    /**
     * How long an attempt's {@code status: running} event may wait to share a write with what follows it: the
     * handler's first event, or the run's end (a run that ends at once costs one Redis round trip for both); 0
     * writes it at once. Clients following the run see it at most this much later. Default is 20ms.
     */
    @WithDefault("20ms")
    Duration runningEventDelay();

    /**
     * How often due delayed tasks (retries, delayed runs) are moved to their queue's streams: one script call per
     * queue read. A delayed run starts at most this long after it is due, and a little. Default is 50ms.
     */
    @WithDefault("50ms")
    Duration delayedPollInterval();

    /** How often dead consumers are looked for in the workers' group. Default is 1m. */
    @WithDefault("1m")
    Duration consumerCleanupInterval();

    /** A consumer with nothing pending that has not read for this long is dead and removed. Default is 10m. */
    @WithDefault("10m")
    Duration deadConsumerIdle();

    /**
     * Init failures in a row after which a pipeline's circuit opens: its runs fail at once until a trial init
     * succeeds. Default is 3.
     */
    @WithDefault("3")
    int circuitFailures();

    /** How long an open circuit stays open before one trial init may close it. Default is 30s. */
    @WithDefault("30s")
    Duration circuitCoolDown();

    /**
     * How long a run's lease on its pipeline's concurrency limit lasts unless its worker renews it (every third of
     * it): a dead worker's runs give their slots up this long after it died. Default is 30s.
     */
    @WithDefault("30s")
    Duration limitLease();

    /** How long a run held back by its pipeline's concurrency limit waits before it looks again. Default is 250ms. */
    @WithDefault("250ms")
    Duration limitRecheck();

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        Duration second = Duration.ofSeconds(1); // the resolution of @Scheduled
        checks.atLeast("runstream.worker.concurrency", concurrency(), 1)
                .atLeast("runstream.worker.max-settling", maxSettling(), 1)
                .atLeast("runstream.worker.read-ahead", readAhead(), 0)
                .atLeast("runstream.worker.priority-aging", priorityAging(), Duration.ZERO)
                .atLeast("runstream.worker.store-retry-backoff", storeRetryBackoff(), Duration.ofMillis(1))
                .atLeast("runstream.worker.cancel-poll-interval", cancelPollInterval(), second)
                .atLeast("runstream.worker.max-deliveries", maxDeliveries(), 1)
                .atLeast("runstream.worker.shutdown-grace", shutdownGrace(), Duration.ZERO)
                .atLeast("runstream.worker.running-event-delay", runningEventDelay(), Duration.ZERO)
                .atLeast("runstream.worker.delayed-poll-interval", delayedPollInterval(), Duration.ofMillis(10))
                .atLeast("runstream.worker.consumer-cleanup-interval", consumerCleanupInterval(), second)
                .atLeast("runstream.worker.dead-consumer-idle", deadConsumerIdle(), Duration.ofMillis(100))
                .atLeast("runstream.worker.circuit-failures", circuitFailures(), 1)
                .atLeast("runstream.worker.limit-lease", limitLease(), Duration.ofMillis(300))
                .atLeast("runstream.worker.limit-recheck", limitRecheck(), Duration.ofMillis(10))
                .atLeast("runstream.worker.circuit-cool-down", circuitCoolDown(), Duration.ZERO)
                .atLeast("runstream.worker.retry.max-attempts", retry().maxAttempts(), 1)
                .atLeast("runstream.worker.retry.base-delay", retry().baseDelay(), Duration.ZERO)
                .atLeast("runstream.worker.retry.max-delay", retry().maxDelay(), Duration.ZERO)
                .within("runstream.worker.retry.jitter", retry().jitter(), 0, 1);
        queues().ifPresent(names -> names.forEach(queue -> checks.name("runstream.worker.queues", queue)));
        pipelines().forEach((name, settings) -> {
            String prefix = "runstream.worker.pipelines.\"" + name + "\".retry.";
            RetryOverride retry = settings.retry();
            retry.maxAttempts().ifPresent(n -> checks.atLeast(prefix + "max-attempts", n, 1));
            retry.baseDelay().ifPresent(d -> checks.atLeast(prefix + "base-delay", d, Duration.ZERO));
            retry.maxDelay().ifPresent(d -> checks.atLeast(prefix + "max-delay", d, Duration.ZERO));
        });
        return checks;
    }

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
        int maxAttempts();

        /** Delay before the second attempt; it doubles for each further one. Default is 1s. */
        @WithDefault("1s")
        Duration baseDelay();

        /** Longest delay between attempts. Default is 5m. */
        @WithDefault("5m")
        Duration maxDelay();

        /** Random spread of each delay, as a fraction of it (0.2: ±20 %). Default is 0.2. */
        @WithDefault("0.2")
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
        Optional<Integer> maxAttempts();

        /** @see Retry#baseDelay() */
        Optional<Duration> baseDelay();

        /** @see Retry#maxDelay() */
        Optional<Duration> maxDelay();
    }
}
