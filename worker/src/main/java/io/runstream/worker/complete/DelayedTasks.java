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
import java.util.List;

/**
 * Tasks due later (retries after a backoff) wait in a sorted set per queue, scored by when they are due, instead of
 * holding a consumer. Every worker moves due ones to the queue's stream with one atomic script, so a task is moved
 * once however many workers look. Every {@code runstream.worker.delayed-poll-interval} (default 200 ms: below the
 * one-second resolution of {@code @Scheduled}, hence a {@link FrequentJob}).
 */
@Singleton
public class DelayedTasks {

    private static final Logger LOG = Logger.getLogger(DelayedTasks.class);
    private static final int MOVE_BATCH = 100;
    /** KEYS[1] delayed set, KEYS[2] task stream; ARGV[1] now (ms), ARGV[2] most to move. */
    private static final LuaScript MOVE_DUE = new LuaScript("""
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
            for _, task in ipairs(due) do
              redis.call('ZREM', KEYS[1], task)
              redis.call('XADD', KEYS[2], '*', 'payload', task)
            end
            return #due""");

    private final Redis redis;
    private final RedisKeys keys;
    private final List<String> queues;
    private final FrequentJob mover;

    public DelayedTasks(Redis redis, Vertx vertx, RunstreamConfig runstream, WorkerConfig config,
                        WorkerQueues queues) {
        this.redis = redis;
        this.keys = runstream.keys();
        this.queues = queues.names();
        this.mover = new FrequentJob(vertx, config.delayedPollInterval(), Duration.ofSeconds(10), this::moveDue,
                new FailureLog(LOG, "Moving due tasks", Duration.ofMinutes(1)));
    }

    void start(@Observes StartupEvent event) {
        mover.start();
    }

    void stop(@Observes ShutdownEvent event) {
        mover.stop();
    }

    /** Puts {@code task} on {@code queue}'s stream after {@code delay}. */
    public Uni<Void> schedule(String queue, TaskMessage task, Duration delay) {
        long due = System.currentTimeMillis() + delay.toMillis();
        return redis.send(Request.cmd(Command.ZADD).arg(keys.delayed(queue)).arg(due).arg(task.encode()))
                .replaceWithVoid();
    }

    /** Moves the due tasks of every queue this worker serves to the queue's stream. */
    Uni<Void> moveDue() {
        long now = System.currentTimeMillis();
        return Multi.createFrom().iterable(queues)
                .onItem().transformToUniAndConcatenate(queue -> MOVE_DUE.run(redis,
                                List.of(keys.delayed(queue), keys.tasks(queue)), List.of(now, MOVE_BATCH))
                        .invoke(moved -> {
                            if (moved != null && moved.toInteger() > 0) {
                                LOG.debugf("Moved %d due tasks to queue %s", moved.toInteger(), queue);
                            }
                        }))
                .collect().last()
                .replaceWithVoid();
    }
}
