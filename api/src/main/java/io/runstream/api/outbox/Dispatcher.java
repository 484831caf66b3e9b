package io.runstream.api.outbox;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
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

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Puts runs' tasks on their queue's stream through the {@code tasks} channel ({@link Outbox} then clears their
 * outbox rows; the {@link Sweeper} dispatches what a row keeps past the grace).
 */
@ApplicationScoped
public class Dispatcher {

    private final MutinyEmitter<String> tasks;
    private final RedisKeys keys;
    private final RedisStreamsConnector connector;

    public Dispatcher(@Channel("tasks") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
                      MutinyEmitter<String> tasks, RunstreamConfig config,
                      @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector) {
        this.tasks = tasks;
        this.connector = connector;
        this.keys = config.keys();
    }

    /** Appends the task of run {@code id} to the stream of {@code queue} at {@code priority}; once Redis has it. */
    public Uni<Void> publish(UUID id, String pipeline, String queue, int priority) {
        return tasks.sendMessage(Message.of(new TaskMessage(id, pipeline).encode())
                .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(queue, priority))));
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
                    .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(run.queue(), run.priority()))));
        }
        return connector.outgoing("tasks").orElseThrow(() -> new IllegalStateException(
                "the tasks channel is not connected")).sendAll(messages);
    }
}
