package io.runstream.api;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of the api. */
@ConfigMapping(prefix = "runstream.api")
public interface ApiConfig {

    /** Largest accepted {@code POST /api/runs} body, in bytes; larger ones get 413. Default is 1048576 (1 MiB). */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** Page size of {@code GET /api/runs} when no {@code limit} is given. Default is 50. */
    @WithDefault("50")
    int defaultPageSize();

    /** Largest {@code limit} of {@code GET /api/runs}. Default is 500. */
    @WithDefault("500")
    int maxPageSize();

    /** {@code Retry-After} sent with 503 when Redis or PostgreSQL is unavailable, in seconds. Default is 5. */
    @WithDefault("5")
    int retryAfterSeconds();

    /** How often the {@code runstream_queue_*} gauges are refreshed. Default is 5s. */
    @WithDefault("5s")
    Duration queueMetricsInterval();

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        Duration second = Duration.ofSeconds(1); // the resolution of @Scheduled
        return checks.atLeast("runstream.api.max-body-bytes", maxBodyBytes(), 1)
                .atLeast("runstream.api.default-page-size", defaultPageSize(), 1)
                .atLeast("runstream.api.max-page-size", maxPageSize(), 1)
                .atLeast("runstream.api.retry-after-seconds", retryAfterSeconds(), 1)
                .atLeast("runstream.api.queue-metrics-interval", queueMetricsInterval(), second)
                .atLeast("runstream.api.sse.keep-alive", sse().keepAlive(), Duration.ofMillis(100))
                .atLeast("runstream.api.sse.batch", sse().batch(), 1)
                .atLeast("runstream.api.sse.history", sse().history(), 0)
                .atLeast("runstream.api.sse.terminal-grace", sse().terminalGrace(), Duration.ZERO)
                .atLeast("runstream.api.sweep.interval", sweep().interval(), second)
                .atLeast("runstream.api.sweep.grace", sweep().grace(), Duration.ZERO)
                .atLeast("runstream.api.sweep.batch", sweep().batch(), 1)
                .atLeast("runstream.api.schedules.poll-interval", schedules().pollInterval(), Duration.ofMillis(10))
                .atLeast("runstream.api.schedules.misfire-threshold", schedules().misfireThreshold(), Duration.ZERO)
                .atLeast("runstream.api.schedules.batch", schedules().batch(), 1);
    }

    /** Settings of the run event streams ({@code GET /api/runs/{id}/events}). */
    Sse sse();

    /** Settings of the run event streams. */
    interface Sse {
        /** How often an idle SSE connection gets a comment line, and tails re-read in case of a lost notification. Default is 15s. */
        @WithDefault("15s")
        Duration keepAlive();

        /** Most events one XRANGE reads. Default is 500. */
        @WithDefault("500")
        int batch();

        /**
         * Most recent events of a run kept in memory while it has clients here: a client that arrives within them
         * (e.g. from the start of a young run) is served from memory instead of reading Redis. Default is 500.
         */
        @WithDefault("500")
        int history();

        /**
         * How long a client of a run that PostgreSQL already has terminal waits for the run's terminal event before
         * it gets the end from PostgreSQL. Default is 1s.
         */
        @WithDefault("1s")
        Duration terminalGrace();
    }

    /** Settings of the sweeper that repairs the PostgreSQL–Redis gap. */
    Sweep sweep();

    /** Settings of the sweeper. */
    interface Sweep {
        /** How often the sweeper runs (on one replica at a time). Default is 5s. */
        @WithDefault("5s")
        Duration interval();

        /** How long a new run may stay undispatched before the sweeper dispatches it. Default is 10s. */
        @WithDefault("10s")
        Duration grace();

        /** Most runs one pass dispatches. Default is 500. */
        @WithDefault("500")
        int batch();
    }

    /** Settings of the ticker that makes the runs of schedules ({@code /api/schedules}). */
    Schedules schedules();

    /** Settings of the schedule ticker. */
    interface Schedules {
        /**
         * Longest time between two looks for due schedules; a replica also wakes at the next tick it knows of, and
         * at once after a schedule is written through it. Default is 1s.
         */
        @WithDefault("1s")
        Duration pollInterval();

        /** How late a tick may be made and still count as on time, for catch-up {@code none}. Default is 5s. */
        @WithDefault("5s")
        Duration misfireThreshold();

        /** Most schedules one pass takes. Default is 100. */
        @WithDefault("100")
        int batch();

        /**
         * Shifts the clock the ticker reads by this much (e.g. {@code -P250D}); for tests and drills only, such as
         * a change of daylight saving time on demand. Default is 0s.
         */
        @WithDefault("0s")
        Duration clockShift();
    }
}
