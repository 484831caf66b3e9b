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

    /** The consumer group every worker reads the task streams through. */
    public static final String GROUP = "workers";

    private final Redis redis;
    private final RedisKeys keys;

    public QueueInspector(Redis redis, RunstreamConfig config) {
        this.redis = redis;
        this.keys = config.keys();
    }

    /** The state of {@code queue} now. */
    public Uni<QueueStats> inspect(String queue) {
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
                        return Uni.createFrom().item(new QueueStats(queue, 0, 0, 0L, 0, 0, delayed, dead));
                    }
                    return redis.batch(List.of(Request.cmd(Command.XINFO).arg("GROUPS").arg(tasks),
                                    Request.cmd(Command.XPENDING).arg(tasks).arg(GROUP)))
                            .map(more -> stats(queue, length, delayed, dead, more.get(0), more.get(1)));
                });
    }

    private static QueueStats stats(String queue, long length, long delayed, long dead, Response groups,
                                    Response pendingSummary) {
        Map<String, String> group = RedisReplies.records(groups).stream()
                .filter(g -> GROUP.equals(g.get("name"))).findFirst().orElse(Map.of());
        long pending = group.containsKey("pending") ? Long.parseLong(group.get("pending")) : 0;
        long consumers = group.containsKey("consumers") ? Long.parseLong(group.get("consumers")) : 0;
        Long lag = group.isEmpty() ? Long.valueOf(length) : parseLag(group.get("lag"));
        long oldestAge = 0;
        if (pending > 0 && pendingSummary != null && pendingSummary.size() >= 2 && pendingSummary.get(1) != null) {
            String oldestId = pendingSummary.get(1).toString();
            oldestAge = Math.max(0, System.currentTimeMillis()
                    - Long.parseLong(oldestId.substring(0, oldestId.indexOf('-'))));
        }
        return new QueueStats(queue, length, pending, lag, consumers, oldestAge, delayed, dead);
    }

    private static Long parseLag(String lag) {
        // Redis 7 reports the lag; older Redis, or a stream with deleted entries, cannot tell
        return lag == null || lag.isEmpty() ? null : Long.valueOf(lag);
    }
}
