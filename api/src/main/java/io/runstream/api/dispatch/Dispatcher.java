package io.runstream.api.dispatch;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.redis.streams.OutgoingRedisStreamMetadata;
import io.runstream.task.TaskMessage;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import io.vertx.mutiny.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts runs' tasks on their queue's stream through the {@code tasks} channel, and records in PostgreSQL that they
 * are there (the outbox flag the {@link Sweeper} looks at).
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final MutinyEmitter<String> tasks;
    private final RedisKeys keys;
    private static final long MARK_DELAY_MS = 5;
    private static final int MARK_BATCH = 1000;

    private final Pool pool;
    private final Vertx vertx;
    private final Queue<UUID> undispatched = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();

    public Dispatcher(@Channel("tasks") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
                      MutinyEmitter<String> tasks, RunstreamConfig config, Pool pool, Vertx vertx) {
        this.tasks = tasks;
        this.keys = config.keys();
        this.pool = pool;
        this.vertx = vertx;
    }

    /** Appends the task of run {@code id} to {@code queue}'s stream; completes once Redis has it. */
    public Uni<Void> publish(UUID id, String pipeline, String queue) {
        return tasks.sendMessage(Message.of(new TaskMessage(id, pipeline).encode())
                .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(queue))));
    }

    /**
     * Records that run {@code id}'s task is in Redis. Not waited for, and batched: the ids of a few milliseconds go
     * in one UPDATE. If it is lost, the sweeper dispatches the run again, and the worker skips a second task of a
     * run already started.
     */
    public void markDispatched(UUID id) {
        undispatched.add(id);
        if (flushScheduled.compareAndSet(false, true)) {
            vertx.setTimer(MARK_DELAY_MS, t -> flushDispatched());
        }
    }

    private void flushDispatched() {
        List<UUID> ids = new ArrayList<>();
        for (UUID id; ids.size() < MARK_BATCH && (id = undispatched.poll()) != null; ) {
            ids.add(id);
        }
        flushScheduled.set(false);
        if (!undispatched.isEmpty() && flushScheduled.compareAndSet(false, true)) {
            vertx.setTimer(MARK_DELAY_MS, t -> flushDispatched());
        }
        if (ids.isEmpty()) {
            return;
        }
        pool.preparedQuery("UPDATE runs SET dispatched = true WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(UUID[]::new)))
                .subscribe().with(x -> { }, f -> LOG.debugf("%d runs not marked dispatched (the sweeper will): %s",
                        ids.size(), f));
    }
}
