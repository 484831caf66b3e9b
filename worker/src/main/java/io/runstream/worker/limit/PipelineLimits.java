package io.runstream.worker.limit;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.log.FailureLog;
import io.runstream.periodic.FrequentJob;
import io.runstream.redis.LuaScript;
import io.runstream.worker.PipelinesConfig;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-pipeline limits across all workers, in Redis: {@code max-concurrency} (a sorted set of leases, one per running
 * run, each expiring unless its worker renews it, so the slots of a dead worker's runs come free) and
 * {@code rate-limit} (a token bucket). A lease belongs to one task delivery, not to its run: a run restarted from
 * a dead worker's task takes a slot of its own once the dead one's lease expired, and a second task of a run gives
 * back only its own. A run over a limit is not started: it waits among its lane's delayed tasks
 * and looks again — after {@code limit-recheck} for concurrency, when the next token is due for rate — and its queue
 * counts it as waiting on a limit. A pipeline without limits costs nothing here: no Redis call.
 */
@Singleton
public class PipelineLimits {

    private static final Logger LOG = Logger.getLogger(PipelineLimits.class);
    /**
     * KEYS[1] leases, KEYS[2] bucket; ARGV[1] lease ms, ARGV[2] max concurrency (0: none), ARGV[3] the lease's
     * member (one per task delivery: two tasks of one run never share a lease),
     * ARGV[4] tokens per period (0: none), ARGV[5] period ms. Returns 0 when the run may start (its lease taken, a
     * token spent), -1 when the concurrency limit is full, else the ms until the next token. Redis's clock, so
     * workers' clocks do not matter.
     */
    private static final LuaScript ACQUIRE = new LuaScript("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local max = tonumber(ARGV[2])
            if max > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
              if redis.call('ZCARD', KEYS[1]) >= max then
                return -1
              end
            end
            local rate = tonumber(ARGV[4])
            if rate > 0 then
              local period = tonumber(ARGV[5])
              local bucket = redis.call('HMGET', KEYS[2], 'tokens', 'at')
              local tokens = tonumber(bucket[1]) or rate
              local at = tonumber(bucket[2]) or now
              tokens = math.min(rate, tokens + math.max(0, now - at) * rate / period)
              if tokens < 1 then
                return math.max(1, math.ceil((1 - tokens) * period / rate))
              end
              redis.call('HSET', KEYS[2], 'tokens', tostring(tokens - 1), 'at', now)
              redis.call('PEXPIRE', KEYS[2], period * 2)
            end
            if max > 0 then
              redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
            end
            return 0""");
    /** KEYS[1] leases; ARGV[1] lease ms, ARGV[2..] run ids: extends the leases that are still held. */
    private static final LuaScript RENEW = new LuaScript("""
            local t = redis.call('TIME')
            local until_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
            for i = 2, #ARGV do
              redis.call('ZADD', KEYS[1], 'XX', until_ms, ARGV[i])
            end
            return 0""");

    /** A pipeline's limits. */
    private record Limits(int maxConcurrency, int rate, long periodMs) {
    }

    /**
     * What a task took to start its run: nothing (no limit, {@link #NONE}), or a lease ({@code member} in the
     * pipeline's leases) — or, when {@code delay} is not zero, nothing: the run is to wait that long.
     */
    public record Permit(String pipeline, String member, Duration delay) {
        static final Permit NONE = new Permit(null, null, Duration.ZERO);

        /** Whether the run may start now. */
        public boolean granted() {
            return delay.isZero();
        }
    }

    private static final Uni<Permit> UNLIMITED = Uni.createFrom().item(Permit.NONE);

    private final Redis redis;
    private final RedisKeys keys;
    private final WorkerConfig config;
    private final Map<String, Limits> limits = new TreeMap<>();
    private final Set<Permit> held = ConcurrentHashMap.newKeySet();
    private final FrequentJob renewer;

    public PipelineLimits(Redis redis, Vertx vertx, RunstreamConfig runstream, WorkerConfig config,
                          PipelinesConfig pipelines, HandlerRegistry handlers) {
        this.redis = redis;
        this.keys = runstream.keys();
        this.config = config;
        for (String pipeline : handlers.pipelines().keySet()) {
            int max = pipelines.maxConcurrencyOf(pipeline).orElse(0);
            var rate = pipelines.rateLimitOf(pipeline);
            if (max > 0 || rate.isPresent()) {
                limits.put(pipeline, new Limits(max, rate.map(PipelinesConfig.RateLimit::runs).orElse(0),
                        rate.map(r -> r.period().toMillis()).orElse(1L)));
            }
        }
        this.renewer = new FrequentJob(vertx, config.limitLease().dividedBy(3), config.limitLease().dividedBy(3),
                this::renew, new FailureLog(LOG, "Renewing concurrency leases", Duration.ofMinutes(1)));
    }

    void start(@Observes StartupEvent event) {
        if (!limits.isEmpty()) {
            LOG.infof("Pipeline limits: %s", limits);
            renewer.start();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        renewer.stop();
    }

    /**
     * Takes what a task of a run of {@code pipeline} needs to start it: a lease and a token as its limits ask. A
     * granted permit is given back with {@link #release} after the run's attempt; one not granted says how long to
     * wait before looking again.
     */
    public Uni<Permit> acquire(String pipeline, UUID run) {
        Limits limit = limits.get(pipeline);
        if (limit == null) {
            return UNLIMITED;
        }
        String member = run + "/" + UUID.randomUUID();
        return ACQUIRE.run(redis, List.of(keys.limitLeases(pipeline), keys.limitBucket(pipeline)),
                        List.of(config.limitLease().toMillis(), limit.maxConcurrency(), member, limit.rate(),
                                limit.periodMs()))
                .map(reply -> {
                    long answer = reply.toLong();
                    if (answer == 0) {
                        if (limit.maxConcurrency() == 0) {
                            return Permit.NONE;
                        }
                        Permit lease = new Permit(pipeline, member, Duration.ZERO);
                        held.add(lease);
                        return lease;
                    }
                    return new Permit(pipeline, null, answer < 0 ? config.limitRecheck() : Duration.ofMillis(answer));
                });
    }

    /** Gives back the lease of {@code permit}, if it holds one; never fails. */
    public Uni<Void> release(Permit permit) {
        if (permit.member() == null || !held.remove(permit)) {
            return Uni.createFrom().voidItem();
        }
        return redis.send(Request.cmd(Command.ZREM).arg(keys.limitLeases(permit.pipeline())).arg(permit.member()))
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("Lease %s not given back (it expires): %s", permit.member(), failure);
                    return null;
                });
    }

    /** Extends the leases of the runs this worker holds. */
    private Uni<Void> renew() {
        Map<String, List<String>> byPipeline = new TreeMap<>();
        for (Permit h : held) {
            byPipeline.computeIfAbsent(h.pipeline(), p -> new ArrayList<>()).add(h.member());
        }
        return Multi.createFrom().iterable(byPipeline.entrySet())
                .onItem().transformToUniAndConcatenate(e -> {
                    List<Object> args = new ArrayList<>();
                    args.add(config.limitLease().toMillis());
                    args.addAll(e.getValue());
                    return RENEW.run(redis, List.of(keys.limitLeases(e.getKey())), args);
                })
                .collect().last().replaceWithVoid();
    }
}
