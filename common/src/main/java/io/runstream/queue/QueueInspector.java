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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a queue's state from Redis: one pipelined round trip for all its priorities, then each stream's group. */
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
        int[] priorities = Priority.all();
        List<Request> basics = new ArrayList<>();
        for (int priority : priorities) {
            String tasks = keys.tasks(queue, priority);
            basics.add(Request.cmd(Command.XLEN).arg(tasks));
            basics.add(Request.cmd(Command.EXISTS).arg(tasks));
            basics.add(Request.cmd(Command.ZCARD).arg(keys.delayed(queue, priority)));
        }
        basics.add(Request.cmd(Command.XLEN).arg(keys.deadLetter(queue)));
        basics.add(Request.cmd(Command.ZCOUNT).arg(keys.limited(queue)).arg(System.currentTimeMillis()).arg("+inf"));
        // one round trip for every priority's counts, then the group details of the streams that exist
        return redis.batch(basics).chain(replies -> Multi.createFrom().range(0, priorities.length)
                .onItem().transformToUniAndConcatenate(i -> lane(queue, priorities[i], replies.get(3 * i).toLong(),
                        replies.get(3 * i + 1).toInteger() != 0, replies.get(3 * i + 2).toLong()))
                .collect().asList()
                .map(lanes -> total(queue, lanes, replies.get(3 * priorities.length).toLong(), workers,
                        replies.get(3 * priorities.length + 1).toLong())));
    }

    /** One priority's stream of a queue, whose length, existence and delayed count are known. */
    private Uni<LaneStats> lane(String queue, int priority, long length, boolean exists, long delayed) {
        String tasks = keys.tasks(queue, priority);
        if (!exists) {
            return Uni.createFrom().item(new LaneStats(priority, 0, 0, 0L, 0, 0, delayed));
        }
        // the group may not exist yet (runs submitted before any worker started): XPENDING on it would be an
        // error, so it is asked only of a group with pending entries
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
            return oldestAge.map(age -> new LaneStats(priority, length, pending, lag, consumers, age, delayed));
        });
    }

    private static QueueStats total(String queue, List<LaneStats> lanes, long dead, int workers, long limited) {
        long length = 0;
        long pending = 0;
        Long lag = 0L;
        long consumers = 0;
        long oldest = 0;
        long delayed = 0;
        Map<String, Long> lagByPriority = new TreeMap<>();
        for (LaneStats lane : lanes) {
            length += lane.length();
            pending += lane.pending();
            lag = lag == null || lane.lag() == null ? null : lag + lane.lag();
            consumers = Math.max(consumers, lane.consumers());
            oldest = Math.max(oldest, lane.oldestPendingAgeMs());
            delayed += lane.delayed();
            lagByPriority.put(Integer.toString(lane.priority()), lane.lag());
        }
        return new QueueStats(queue, length, pending, lag, consumers, oldest, delayed, dead, workers, lagByPriority,
                limited);
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
        return Math.max(0, System.currentTimeMillis() - RedisReplies.entryMillis(oldestId));
    }

    private static Long parseLag(String lag) {
        // Redis 7 reports the lag; older Redis, or a stream with deleted entries, cannot tell
        return lag == null || lag.isEmpty() ? null : Long.valueOf(lag);
    }
}
