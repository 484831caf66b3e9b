package io.runstream.queue;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;

/** Reads a queue's state from Redis in one pipelined round trip. */
@ApplicationScoped
public class QueueInspector {

    private final Redis redis;
    private final RedisKeys keys;

    public QueueInspector(Redis redis, RunstreamConfig config) {
        this.redis = redis;
        this.keys = config.keys();
    }

    /** The state of {@code queue} now, which {@code workers} live workers read. */
    public Uni<QueueStats> inspect(String queue, int workers) {
        String tasks = keys.tasks(queue);
        return redis.batch(List.of(
                        Request.cmd(Command.XLEN).arg(tasks),
                        Request.cmd(Command.EXISTS).arg(tasks),
                        Request.cmd(Command.ZCARD).arg(keys.delayed(queue)),
                        Request.cmd(Command.XLEN).arg(keys.deadLetter(queue))))
                .chain(basics -> {
                    long length = basics.get(0).toLong();
                    long delayed = basics.get(2).toLong();
                    long dead = basics.get(3).toLong();
                    if (basics.get(1).toInteger() == 0) {
                        return Uni.createFrom().item(new QueueStats(queue, 0, 0, 0L, 0, 0, delayed, dead, workers));
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
                        return oldestAge.map(age -> stats(queue, length, delayed, dead, group, pending, age, workers));
                    });
                });
    }

    private static QueueStats stats(String queue, long length, long delayed, long dead, Map<String, String> group,
                                    long pending, long oldestAge, int workers) {
        long consumers = group.containsKey("consumers") ? Long.parseLong(group.get("consumers")) : 0;
        Long lag = group.isEmpty() ? Long.valueOf(length) : parseLag(group.get("lag"));
        return new QueueStats(queue, length, pending, lag, consumers, oldestAge, delayed, dead, workers);
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
