package io.runstream.events;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.UUID;

/**
 * Makes the {@link RunEventWriter}s of runs, on this process' Redis client and the configured stream settings; their
 * writes share two pipelines ({@link RedisPipeline}), so the writes of concurrent runs travel together.
 */
@Singleton
public class RunEventWriters {

    /** Most writers' batches in one round trip, and round trips in flight at once, per kind of write. */
    private static final int PIPELINE_GROUPS = 128;
    private static final int PIPELINE_IN_FLIGHT = 2;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final Redis redis;
    /** Every writer's event batches (appends: a failed pipeline's retry can repeat some, as a writer's own could). */
    private final RedisPipeline events;
    /** Every writer's end script (idempotent: it writes nothing when the stream already ends). */
    private final RedisPipeline ends;
    private final RedisKeys keys;
    private final RunstreamConfig.Events config;

    public RunEventWriters(Redis redis, RunstreamConfig runstream) {
        this.redis = redis;
        this.events = new RedisPipeline(redis, PIPELINE_GROUPS, PIPELINE_IN_FLIGHT, WRITE_TIMEOUT);
        this.ends = new RedisPipeline(redis, PIPELINE_GROUPS, PIPELINE_IN_FLIGHT, WRITE_TIMEOUT);
        this.keys = runstream.keys();
        this.config = runstream.events();
    }

    /** The writer of run {@code runId}'s events as attempt {@code attempt} (0: written by the api). */
    public RunEventWriter of(UUID runId, int attempt) {
        return new RunEventWriter(redis, events, ends, keys.events(runId), keys.notifyChannel(), runId, attempt, config.maxlen());
    }

    /** How long a run's event stream is kept after its end. */
    public Duration ttl() {
        return config.ttl();
    }
}
