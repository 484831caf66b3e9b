package io.runstream.config;

import io.runstream.keys.RedisKeys;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings shared by every Runstream process. */
@ConfigMapping(prefix = "runstream")
public interface RunstreamConfig {

    /**
     * Namespace of every Redis key ({@code RUNSTREAM_KEY_PREFIX}); deployments sharing a Redis use different ones.
     * Default is {@code runstream}.
     */
    @WithDefault("runstream")
    String keyPrefix();

    /** Settings of runs' event streams, shared by the worker (which writes them) and the api (which writes a cancel). */
    Events events();

    /** Settings of runs' event streams. */
    interface Events {
        /** Approximate cap of a run's event stream (XADD MAXLEN ~). Default is 1000. */
        @WithDefault("1000")
        long maxlen();

        /** How long a run's event stream is kept after its terminal event. Default is 24h. */
        @WithDefault("24h")
        Duration ttl();
    }

    /** The activity feed of runs' lifecycle events: written by both apps, read by the api ({@code GET /api/events}). */
    Feed feed();

    /** The activity feed. */
    interface Feed {
        /** Whether the apps write lifecycle events to the feed at all (off: {@code /api/events} stays silent). Default is true. */
        @WithDefault("true")
        boolean enabled();

        /** Approximate cap of the feed stream (XADD MAXLEN ~): how far back a client can resume. Default is 200000. */
        @WithDefault("200000")
        long maxlen();
    }

    /** Traces (OpenTelemetry): both apps export their spans of runs when an OTLP endpoint is set. */
    Tracing tracing();

    /** Traces. */
    interface Tracing {
        /**
         * Where spans go: an OTLP/HTTP collector's base address, e.g. {@code http://collector:4318} ({@code /v1/traces}
         * is added). None: tracing is off and costs nothing. Default is none.
         */
        Optional<String> otlpEndpoint();

        /** How often spans are exported, in batches. Default is 1s. */
        @WithDefault("1s")
        Duration exportInterval();
    }

    /** How workers make themselves known: shared by workers (which heartbeat) and the api (which counts them). */
    Workers workers();

    /** How workers make themselves known. */
    interface Workers {
        /** How often a worker advertises its pipelines in the pipeline directory. Default is 5s. */
        @WithDefault("5s")
        Duration heartbeatInterval();

        /**
         * A worker whose last heartbeat is older than this no longer counts as serving a pipeline; must be longer
         * than the heartbeat interval. Default is 15s.
         */
        @WithDefault("15s")
        Duration liveness();
    }

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        return checks.notBlank("runstream.key-prefix", keyPrefix())
                .atLeast("runstream.events.maxlen", events().maxlen(), 1)
                .atLeast("runstream.feed.maxlen", feed().maxlen(), 100)
                .atLeast("runstream.tracing.export-interval", tracing().exportInterval(), Duration.ofMillis(10))
                .atLeast("runstream.events.ttl", events().ttl(), Duration.ofSeconds(1))
                // the resolution of @Scheduled
                .atLeast("runstream.workers.heartbeat-interval", workers().heartbeatInterval(), Duration.ofSeconds(1))
                .atLeast("runstream.workers.liveness", workers().liveness(), Duration.ofSeconds(1));
    }

    /** The key layout under {@link #keyPrefix()}. */
    default RedisKeys keys() {
        return new RedisKeys(keyPrefix());
    }
}
