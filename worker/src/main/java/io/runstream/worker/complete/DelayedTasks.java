package io.runstream.worker.complete;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.log.FailureLog;
import io.runstream.periodic.FrequentJob;
import io.runstream.redis.LuaScript;
import io.runstream.task.TaskMessage;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.consume.Lane;
import io.runstream.worker.consume.WorkerQueues;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tasks due later (retries after a backoff, delayed runs until their time) wait in a sorted set per lane, scored by
 * when they are due, instead of holding a consumer. Every worker moves due ones to the queue's stream with one atomic script, so a task is moved
 * once however many workers look. Every {@code runstream.worker.delayed-poll-interval} (default 200 ms: below the
 * one-second resolution of {@code @Scheduled}, hence a {@link FrequentJob}).
 */
@Singleton
public class DelayedTasks {

    private static final Logger LOG = Logger.getLogger(DelayedTasks.class);
    private static final int MOVE_BATCH = 100;
    /** How long after its next look a held-back run still counts as waiting on a limit (its move and its read). */
    private static final long LIMITED_GRACE_MS = 1_000;
    /**
     * KEYS: pairs of a delayed set and its task stream (a queue's lanes, one hash slot); ARGV[1] now (ms), ARGV[2]
     * most to move per pair.
     */
    private static final LuaScript MOVE_DUE = new LuaScript("""
            local moved = 0
            for i = 1, #KEYS, 2 do
              local due = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
              for _, task in ipairs(due) do
                redis.call('ZREM', KEYS[i], task)
                redis.call('XADD', KEYS[i + 1], '*', 'payload', task)
              end
              moved = moved + #due
            end
            return moved""");

    private final Redis redis;
    private final RedisKeys keys;
    /** Per queue read, its lanes' delayed sets and streams, in pairs: the keys of one script call. */
    private final Map<String, List<String>> keysByQueue = new TreeMap<>();
    private final FrequentJob mover;

    public DelayedTasks(Redis redis, Vertx vertx, RunstreamConfig runstream, WorkerConfig config,
                        WorkerQueues queues) {
        this.redis = redis;
        this.keys = runstream.keys();
        for (Lane lane : queues.lanes()) {
            List<String> pairs = keysByQueue.computeIfAbsent(lane.queue(), q -> new ArrayList<>());
            pairs.add(lane.delayed(keys));
            pairs.add(lane.stream(keys));
        }
        this.mover = new FrequentJob(vertx, config.delayedPollInterval(), Duration.ofSeconds(10), this::moveDue,
                new FailureLog(LOG, "Moving due tasks", Duration.ofMinutes(1)));
    }

    void start(@Observes StartupEvent event) {
        mover.start();
    }

    void stop(@Observes ShutdownEvent event) {
        mover.stop();
    }

    /** Puts {@code task} on {@code lane}'s stream after {@code delay}. */
    public Uni<Void> schedule(Lane lane, TaskMessage task, Duration delay) {
        long due = System.currentTimeMillis() + delay.toMillis();
        return redis.send(Request.cmd(Command.ZADD).arg(lane.delayed(keys)).arg(due).arg(task.encode()))
                .replaceWithVoid();
    }

    /**
     * Puts {@code task}, held back by a limit of its pipeline, on {@code lane}'s stream after {@code wait}, and counts
     * it in its queue as waiting on a limit until a little after then.
     */
    public Uni<Void> deferOnLimit(Lane lane, TaskMessage task, Duration wait) {
        long now = System.currentTimeMillis();
        long due = now + wait.toMillis();
        String limited = keys.limited(lane.queue());
        return redis.batch(List.of(
                        Request.cmd(Command.ZADD).arg(lane.delayed(keys)).arg(due).arg(task.encode()),
                        Request.cmd(Command.ZADD).arg(limited).arg(due + LIMITED_GRACE_MS).arg(task.runId().toString()),
                        Request.cmd(Command.ZREMRANGEBYSCORE).arg(limited).arg("-inf").arg(now)))
                .replaceWithVoid();
    }

    /** Moves the due tasks of every lane this worker reads to the lane's stream: one script call per queue. */
    Uni<Void> moveDue() {
        long now = System.currentTimeMillis();
        return Multi.createFrom().iterable(keysByQueue.entrySet())
                .onItem().transformToUniAndConcatenate(queue -> MOVE_DUE.run(redis, queue.getValue(),
                                List.of(now, MOVE_BATCH))
                        .invoke(moved -> {
                            if (moved != null && moved.toInteger() > 0) {
                                LOG.debugf("Moved %d due tasks to queue %s", moved.toInteger(), queue.getKey());
                            }
                        }))
                .collect().last()
                .replaceWithVoid();
    }
}
