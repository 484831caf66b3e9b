package io.runstream.pipeline;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.hash.ReactiveHashCommands;
import io.quarkus.redis.datasource.keys.ReactiveKeyCommands;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.runstream.json.Json;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which pipelines exist, on which queues they are served, and which workers serve them, kept in Redis.
 *
 * <p>Workers {@link #advertise advertise} their pipelines and the queues they read on every heartbeat: the pipeline
 * joins the permanent {@code {meta}:pipelines} hash with its own queue (so it stays known, and its runs accepted,
 * while no worker is up); each queue read joins the pipeline's served queues and the known queues; the worker's id
 * is scored with the heartbeat time in the pipeline's and each queue's worker set. A worker counts as live while its
 * last heartbeat is younger than the liveness window. A worker serves every pipeline it has on every queue it reads.
 */
@ApplicationScoped
public class PipelineDirectory {

    private final RedisKeys keys;
    private final ReactiveHashCommands<String, String, String> hashes;
    private final ReactiveSortedSetCommands<String, String> sortedSets;
    private final ReactiveValueCommands<String, String> values;
    private final ReactiveKeyCommands<String> keyCommands;
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
        this.values = redis.value(String.class);
        this.keyCommands = redis.key(String.class);
        this.clock = clock;
    }

    /**
     * Records that {@code workerId} serves {@code pipelines} (name → its own queue) on {@code queues} now, and
     * forgets workers whose last heartbeat is older than the liveness window.
     */
    public Uni<Void> advertise(String workerId, Map<String, String> pipelines, Collection<String> queues) {
        if (pipelines.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        long now = clock.millis();
        Map<String, String> seen = new TreeMap<>();
        queues.forEach(queue -> seen.put(queue, Long.toString(now)));
        Uni<Void> known = hashes.hset(keys.pipelines(), pipelines).replaceWithVoid();
        if (!seen.isEmpty()) {
            known = known.chain(() -> hashes.hset(keys.queues(), seen)).replaceWithVoid();
        }
        return known
                .chain(() -> Multi.createFrom().iterable(pipelines.keySet())
                        .onItem().transformToUniAndConcatenate(name -> (seen.isEmpty() ? Uni.createFrom().voidItem()
                                : hashes.hset(keys.pipelineQueues(name), seen).replaceWithVoid())
                                .chain(() -> heartbeat(keys.pipelineWorkers(name), workerId, now)))
                        .collect().last())
                .chain(() -> Multi.createFrom().iterable(queues)
                        .onItem().transformToUniAndConcatenate(queue ->
                                heartbeat(keys.queueWorkers(queue), workerId, now))
                        .collect().last())
                .replaceWithVoid();
    }

    private Uni<Void> heartbeat(String workers, String workerId, long now) {
        return sortedSets.zadd(workers, now, workerId)
                .chain(() -> sortedSets.zremrangebyscore(workers,
                        new ScoreRange<>(Double.NEGATIVE_INFINITY, (double) (now - liveness.toMillis()))))
                .replaceWithVoid();
    }

    /**
     * Records on which of its {@code pipelines} worker {@code workerId} is unavailable now: those in
     * {@code unavailable} (pipeline → why, and when it tries again), and no others.
     */
    public Uni<Void> unavailable(String workerId, Collection<String> pipelines,
                                 Map<String, PipelineInfo.Unavailable> unavailable) {
        return Multi.createFrom().iterable(pipelines)
                .onItem().transformToUniAndConcatenate(name -> {
                    PipelineInfo.Unavailable u = unavailable.get(name);
                    String key = keys.pipelineUnavailable(name);
                    return u == null ? hashes.hdel(key, workerId).replaceWithVoid()
                            : hashes.hset(key, workerId, io.runstream.json.Json.encode(Map.of("reason", u.reason(),
                                    "retryAt", u.retryAt()))).replaceWithVoid();
                })
                .collect().last()
                .replaceWithVoid();
    }

    /** Removes {@code workerId} from the worker sets of {@code pipelines} and {@code queues}; they stay known. */
    public Uni<Void> withdraw(String workerId, Collection<String> pipelines, Collection<String> queues) {
        List<String> sets = new ArrayList<>();
        pipelines.forEach(name -> sets.add(keys.pipelineWorkers(name)));
        Uni<Void> available = Multi.createFrom().iterable(pipelines)
                .onItem().transformToUniAndConcatenate(name -> hashes.hdel(keys.pipelineUnavailable(name), workerId))
                .collect().last().replaceWithVoid();
        queues.forEach(queue -> sets.add(keys.queueWorkers(queue)));
        return available.chain(() -> Multi.createFrom().iterable(sets)
                .onItem().transformToUniAndConcatenate(set -> sortedSets.zrem(set, workerId))
                .collect().last()
                .replaceWithVoid());
    }

    /**
     * Records {@code status} as its worker's now (kept for twice the liveness window) and forgets workers whose last
     * heartbeat is older than the window.
     */
    public Uni<Void> announce(WorkerStatus status) {
        long now = status.heartbeatAt().toEpochMilli();
        return values.set(keys.worker(status.id()), Json.encode(status),
                        new SetArgs().px(liveness.multipliedBy(2)))
                .chain(() -> heartbeat(keys.workers(), status.id(), now));
    }

    /** Forgets worker {@code id} (a clean stop). */
    public Uni<Void> retire(String id) {
        return sortedSets.zrem(keys.workers(), id).chain(() -> keyCommands.del(keys.worker(id))).replaceWithVoid();
    }

    /** The live workers (heartbeat within the liveness window), by id. */
    public Uni<List<WorkerStatus>> workers() {
        double liveSince = clock.millis() - liveness.toMillis();
        return sortedSets.zrangebyscore(keys.workers(), new ScoreRange<>(liveSince, Double.POSITIVE_INFINITY))
                .chain(ids -> ids.isEmpty() ? Uni.createFrom().item(Map.<String, String>of())
                        : values.mget(ids.stream().map(keys::worker).toArray(String[]::new)))
                .map(found -> found.values().stream().filter(Objects::nonNull)
                        .map(json -> Json.decode(json, WorkerStatus.class))
                        .sorted(Comparator.comparing(WorkerStatus::id)).toList());
    }

    /** Where runs of pipeline {@code name} may go, or empty when no worker ever advertised it. */
    public Uni<Optional<Route>> route(String name) {
        return hashes.hget(keys.pipelines(), name).chain(queue -> queue == null
                ? Uni.createFrom().item(Optional.<Route>empty())
                : hashes.hkeys(keys.pipelineQueues(name))
                        .map(served -> Optional.of(new Route(queue, new TreeSet<>(served)))));
    }

    /**
     * Where a pipeline's runs may go.
     *
     * @param queue  its own queue: where a run goes that names none
     * @param served the queues some worker that has it reads (or once read): where a run may go; empty only for a
     *               pipeline advertised before queues were recorded
     */
    public record Route(String queue, SortedSet<String> served) {

        /** Whether a run of the pipeline may go to {@code requested}. */
        public boolean allows(String requested) {
            return served.isEmpty() ? requested.equals(queue) : served.contains(requested);
        }
    }

    /** Every known pipeline with its queues and its count of live workers, sorted by name. */
    public Uni<List<PipelineInfo>> list() {
        double liveSince = clock.millis() - liveness.toMillis();
        return hashes.hgetall(keys.pipelines())
                .map(TreeMap::new)
                .onItem().transformToMulti(known -> Multi.createFrom().iterable(known.entrySet()))
                .onItem().transformToUniAndConcatenate(e -> hashes.hkeys(keys.pipelineQueues(e.getKey()))
                        .chain(served -> sortedSets.zrangebyscore(keys.pipelineWorkers(e.getKey()),
                                        new ScoreRange<>(liveSince, Double.POSITIVE_INFINITY))
                                .chain(live -> hashes.hgetall(keys.pipelineUnavailable(e.getKey()))
                                        .map(down -> new PipelineInfo(e.getKey(), e.getValue(),
                                                List.copyOf(new TreeSet<>(served)), live.size(),
                                                unavailable(live, down))))))
                .collect().asList();
    }

    /** The entries of {@code down} of workers in {@code live}, sorted by worker. */
    private static List<PipelineInfo.Unavailable> unavailable(List<String> live, Map<String, String> down) {
        Set<String> alive = new TreeSet<>(live);
        List<PipelineInfo.Unavailable> out = new ArrayList<>();
        new TreeMap<>(down).forEach((worker, json) -> {
            if (alive.contains(worker)) {
                var node = io.runstream.json.Json.tree(json);
                out.add(new PipelineInfo.Unavailable(worker, node.path("reason").asText(),
                        node.path("retryAt").asText()));
            }
        });
        return out;
    }

    /**
     * Every known queue — {@code default}, each pipeline's own, each ever read — with its count of live workers,
     * sorted by name. A queue with 0 is served by nobody now: its runs wait.
     */
    public Uni<SortedMap<String, Integer>> queues() {
        double liveSince = clock.millis() - liveness.toMillis();
        return hashes.hkeys(keys.queues())
                .chain(read -> hashes.hvals(keys.pipelines()).map(own -> {
                    SortedSet<String> all = new TreeSet<>(read);
                    all.addAll(own);
                    all.add("default");
                    return all;
                }))
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .onItem().transformToUniAndConcatenate(queue -> sortedSets.zcount(keys.queueWorkers(queue),
                                new ScoreRange<>(liveSince, Double.POSITIVE_INFINITY))
                        .map(n -> Map.entry(queue, n.intValue())))
                .collect().asList()
                .map(entries -> {
                    SortedMap<String, Integer> out = new TreeMap<>();
                    entries.forEach(e -> out.put(e.getKey(), e.getValue()));
                    return out;
                });
    }
}
