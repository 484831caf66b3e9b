package io.runstream.api.outbox;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.batch.Batcher;
import io.runstream.redis.streams.OutgoingRedisStreamMetadata;
import io.runstream.redis.streams.RedisStreamsConnector;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import io.runstream.task.TaskMessage;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.runstream.run.RunStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Puts runs' tasks on their queue's stream through the {@code tasks} channel, and records in PostgreSQL that they
 * are there (the outbox flag the {@link Sweeper} looks at).
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private final MutinyEmitter<String> tasks;
    private final RedisKeys keys;
    private static final int MARK_BATCH = 1000;

    private final Batcher<UUID, Void> marks;
    private final RunStore store;
    private final RedisStreamsConnector connector;

    public Dispatcher(@Channel("tasks") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
                      MutinyEmitter<String> tasks, RunstreamConfig config, RunStore store,
                      @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector) {
        this.tasks = tasks;
        this.store = store;
        this.connector = connector;
        this.keys = config.keys();
        this.marks = Batcher.ofAll(store::markDispatched, MARK_BATCH, 1);
    }

    /** Appends the task of run {@code id} to {@code queue}'s stream; completes once Redis has it. */
    public Uni<Void> publish(UUID id, String pipeline, String queue) {
        return tasks.sendMessage(Message.of(new TaskMessage(id, pipeline).encode())
                .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(queue))));
    }

    /**
     * Appends the tasks of {@code runs} to their queues' streams in one pipelined round trip, through the
     * {@code tasks} channel's own settings; completes once Redis has them all. A failure can leave some appended
     * (their runs' rows decide: a worker skips a task whose run does not exist).
     */
    public Uni<Void> publishAll(List<RunStore.NewRun> runs) {
        List<Message<String>> messages = new ArrayList<>(runs.size());
        for (RunStore.NewRun run : runs) {
            messages.add(Message.of(new TaskMessage(run.id(), run.pipeline()).encode())
                    .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(run.queue()))));
        }
        return connector.outgoing("tasks").orElseThrow(() -> new IllegalStateException(
                "the tasks channel is not connected")).sendAll(messages);
    }

    /** Records that the tasks of {@code ids} are in Redis, in one statement; not waited for, as {@link #markDispatched}. */
    public void markAllDispatched(List<UUID> ids) {
        store.markDispatched(ids).subscribe().with(x -> { }, f -> LOG.debugf("%d runs not marked dispatched (the "
                + "sweeper will dispatch them again): %s", ids.size(), f));
    }

    /**
     * Records that run {@code id}'s task is in Redis. Not waited for, and batched: ids marked while an UPDATE is in
     * flight go together in the next one. If it is lost, the sweeper dispatches the run again, and the worker skips
     * a second task of a run already started.
     */
    public void markDispatched(UUID id) {
        marks.submit(id).subscribe().with(x -> { }, f -> LOG.debugf("Run %s not marked dispatched (the sweeper "
                + "will dispatch it again): %s", id, f));
    }
}
