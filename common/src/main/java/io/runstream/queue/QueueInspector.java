package io.runstream.queue;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;

/** Reads a queue's state from Redis: a pipelined round trip or two per priority. */
@ApplicationScoped
public class QueueInspector {

    private final Redis redis;
    private final RedisKeys keys;

    public QueueInspector(Redis redis, RunstreamConfig config) {
        this.redis = redis;
        this.keys = config.keys();
    }

    /**
     * The state of {@code queue} now, which {@code workers} live workers read: its figures summed over its
     * priorities' streams (the oldest pending entry: the oldest of any), and its backlog per priority.
     */
    public Uni<QueueStats> inspect(String queue, int workers) {
        return Multi.createFrom().items(java.util.Arrays.stream(Priority.all()).boxed())
                .onItem().transformToUniAndConcatenate(priority -> lane(queue, priority))
                .collect().asList()
                .chain(lanes -> redis.send(Request.cmd(Command.XLEN).arg(keys.deadLetter(queue)))
                        .map(dead -> total(queue, lanes, dead.toLong(), workers)));
    }

    /** One priority's stream of a queue. */
    private Uni<LaneStats> lane(String queue, int priority) {
        String tasks = keys.tasks(queue, priority);
        return redis.batch(List.of(
                        Request.cmd(Command.XLEN).arg(tasks),
                        Request.cmd(Command.EXISTS).arg(tasks),
                        Request.cmd(Command.ZCARD).arg(keys.delayed(queue, priority))))
                .chain(basics -> {
                    long length = basics.get(0).toLong();
                    long delayed = basics.get(2).toLong();
                    if (basics.get(1).toInteger() == 0) {
                        return Uni.createFrom().item(new LaneStats(priority, 0, 0, 0L, 0, 0, delayed));
                    }
                    // the group may not exist yet (runs submitted before any worker started): XPENDING on it
                    // would be an error, so it is asked only of a group with pending entries
                    return redis.send(Request.cmd(Command.XINFO).arg("GROUPS").arg(tasks)).chain(groups -> {
                        Map<String, String> group = RedisReplies.records(groups).stream()
                                .filter(g -> RedisKeys.WORKERS_GROUP.equals(g.get("name"))).findFirst()
                                .orElse(Map.of());
                        long pending = group.containsKey("pending") ? Long.parseLong(group.get("pending")) : 0;
                        Uni<Long> oldestAge = pending == 0 ? Uni.createFrom().item(0L)
                                : redis.send(Request.cmd(Command.XPENDING).arg(tasks).arg(RedisKeys.WORKERS_GROUP))
                                        .map(QueueInspector::oldestAge);
                        long consumers = group.containsKey("consumers") ? Long.parseLong(group.get("consumers")) : 0;
                        Long lag = group.isEmpty() ? Long.valueOf(length) : parseLag(group.get("lag"));
                        return oldestAge.map(age -> new LaneStats(priority, length, pending, lag, consumers, age,
                                delayed));
                    });
                });
    }

    private static QueueStats total(String queue, List<LaneStats> lanes, long dead, int workers) {
        long length = 0;
        long pending = 0;
        Long lag = 0L;
        long consumers = 0;
        long oldest = 0;
        long delayed = 0;
        Map<String, Long> lagByPriority = new java.util.TreeMap<>();
        for (LaneStats lane : lanes) {
            length += lane.length();
            pending += lane.pending();
            lag = lag == null || lane.lag() == null ? null : lag + lane.lag();
            consumers = Math.max(consumers, lane.consumers());
            oldest = Math.max(oldest, lane.oldestPendingAgeMs());
            delayed += lane.delayed();
            lagByPriority.put(Integer.toString(lane.priority()), lane.lag());
        }
        return new QueueStats(queue, length, pending, lag, consumers, oldest, delayed, dead, workers, lagByPriority);
    }

    /** The figures of one priority's stream. */
    private record LaneStats(int priority, long length, long pending, Long lag, long consumers,
                             long oldestPendingAgeMs, long delayed) {
    }

    /** Age in ms of the oldest pending entry, from an XPENDING summary (its id's time part). */
    private static long oldestAge(Response summary) {
        if (summary == null || summary.size() < 2 || summary.get(1) == null) {
            return 0;
        }
        String oldestId = summary.get(1).toString();
        return Math.max(0, System.currentTimeMillis() - Long.parseLong(oldestId.substring(0, oldestId.indexOf('-'))));
    }

    private static Long parseLag(String lag) {
        // Redis 7 reports the lag; older Redis, or a stream with deleted entries, cannot tell
        return lag == null || lag.isEmpty() ? null : Long.valueOf(lag);
    }
}
