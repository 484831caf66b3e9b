package io.runstream.events;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.UUID;

/** Makes the {@link RunEventWriter}s of runs, on this process' Redis client and the configured stream settings. */
@ApplicationScoped
public class RunEventWriters {

    private final Redis redis;
    private final RedisKeys keys;
    private final RunstreamConfig.Events config;

    public RunEventWriters(Redis redis, RunstreamConfig runstream) {
        this.redis = redis;
        this.keys = runstream.keys();
        this.config = runstream.events();
    }

    /** The writer of run {@code runId}'s events as attempt {@code attempt} (0: written by the api). */
    public RunEventWriter of(UUID runId, int attempt) {
        return new RunEventWriter(redis, keys.events(runId), keys.notifyChannel(), runId, attempt, config.maxlen());
    }

    /** How long a run's event stream is kept after its end. */
    public Duration ttl() {
        return config.ttl();
    }
}
