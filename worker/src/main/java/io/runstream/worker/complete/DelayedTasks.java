package io.runstream.worker.complete;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.redis.LuaScript;
import io.runstream.task.TaskMessage;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Tasks due later (retries after a backoff) wait in a sorted set per queue, scored by when they are due, instead of
 * holding a consumer. Every worker moves due ones to the queue's stream with one atomic script, so a task is moved
 * once however many workers look.
 */
@ApplicationScoped
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
    private final Vertx vertx;
    private final RedisKeys keys;
    private final WorkerConfig config;
    private final Set<String> queues;
    private long timer = -1;
    private volatile boolean moving;

    public DelayedTasks(Redis redis, Vertx vertx, RunstreamConfig runstream, WorkerConfig config,
                        HandlerRegistry handlers) {
        this.redis = redis;
        this.vertx = vertx;
        this.keys = runstream.keys();
        this.config = config;
        this.queues = new TreeSet<>(handlers.pipelines().values());
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(config.delayedPollInterval().toMillis(), id -> moveDue());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Puts {@code task} on {@code queue}'s stream after {@code delay}. */
    public Uni<Void> schedule(String queue, TaskMessage task, Duration delay) {
        long due = System.currentTimeMillis() + delay.toMillis();
        return redis.send(Request.cmd(Command.ZADD).arg(keys.delayed(queue)).arg(due).arg(task.encode()))
                .replaceWithVoid();
    }

    private void moveDue() {
        if (moving) {
            return;
        }
        moving = true;
        long now = System.currentTimeMillis();
        io.smallrye.mutiny.Multi.createFrom().iterable(queues)
                .onItem().transformToUniAndConcatenate(queue -> MOVE_DUE.run(redis,
                                List.of(keys.delayed(queue), keys.tasks(queue)), List.of(now, MOVE_BATCH))
                        .invoke(moved -> {
                            if (moved != null && moved.toInteger() > 0) {
                                LOG.debugf("Moved %d due tasks to queue %s", moved.toInteger(), queue);
                            }
                        }))
                .collect().last()
                .ifNoItem().after(Duration.ofSeconds(10)).fail()
                .subscribe().with(x -> moving = false, failure -> {
                    moving = false;
                    LOG.debugf("Moving due tasks failed: %s", failure);
                });
    }
}
