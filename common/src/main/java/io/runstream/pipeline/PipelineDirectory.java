package io.runstream.pipeline;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which pipelines exist and which workers serve them, kept in Redis.
 *
 * <p>Workers {@link #advertise advertise} their pipelines on every heartbeat: the pipeline joins the permanent
 * {@code {meta}:pipelines} hash (so it stays known, and its runs accepted, while no worker is up) and the worker's
 * id is scored with the heartbeat time in the pipeline's worker set. A worker counts as live while its last
 * heartbeat is younger than the liveness window.
 */
@ApplicationScoped
public class PipelineDirectory {

    private final RedisKeys keys;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveSortedSetCommands<String, String> sortedSets;
    private final Clock clock;
    private final Duration liveness;

    @Inject
    public PipelineDirectory(ReactiveRedisDataSource redis, RunstreamConfig config) {
        this(redis, config.keys(), config.workers().liveness(), Clock.systemUTC());
    }

    PipelineDirectory(ReactiveRedisDataSource redis, RedisKeys keys, Duration liveness, Clock clock) {
        this.keys = keys;
        this.liveness = liveness;
        this.hashes = redis.hash(String.class);
        this.sortedSets = redis.sortedSet(String.class);
        this.clock = clock;
    }

    /**
     * Records that {@code workerId} serves {@code pipelines} (name → queue) now, and forgets workers whose last
     * heartbeat is older than the liveness window.
     */
    public Uni<Void> advertise(String workerId, Map<String, String> pipelines) {
        if (pipelines.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        long now = clock.millis();
        long expiredBefore = now - liveness.toMillis();
        return hashes.hset(keys.pipelines(), pipelines)
                .chain(() -> Multi.createFrom().iterable(pipelines.keySet())
                        .onItem().transformToUniAndConcatenate(name -> sortedSets
                                .zadd(keys.pipelineWorkers(name), now, workerId)
                                .chain(() -> sortedSets.zremrangebyscore(keys.pipelineWorkers(name),
                                        new ScoreRange<>(Double.NEGATIVE_INFINITY, (double) expiredBefore))))
                        .collect().last())
                .replaceWithVoid();
    }

    /** Removes {@code workerId} from the worker sets of {@code pipelines}; the pipelines stay known. */
    public Uni<Void> withdraw(String workerId, Iterable<String> pipelines) {
        return Multi.createFrom().iterable(pipelines)
                .onItem().transformToUniAndConcatenate(name -> sortedSets.zrem(keys.pipelineWorkers(name), workerId))
                .collect().last()
                .replaceWithVoid();
    }

    /** The queue of pipeline {@code name}, or empty when no worker ever advertised it. */
    public Uni<Optional<String>> queueOf(String name) {
        return hashes.hget(keys.pipelines(), name).map(Optional::ofNullable);
    }

    /** Every known pipeline with its count of live workers, sorted by name. */
    public Uni<List<PipelineInfo>> list() {
        double liveSince = clock.millis() - liveness.toMillis();
        return hashes.hgetall(keys.pipelines())
                .map(TreeMap::new)
                .onItem().transformToMulti(known -> Multi.createFrom().iterable(known.entrySet()))
                .onItem().transformToUniAndConcatenate(e -> sortedSets
                        .zcount(keys.pipelineWorkers(e.getKey()), new ScoreRange<>(liveSince, Double.POSITIVE_INFINITY))
                        .map(n -> new PipelineInfo(e.getKey(), e.getValue(), n.intValue())))
                .collect().asList()
                .map(list -> list.stream().sorted(Comparator.comparing(PipelineInfo::name)).toList());
    }
}
