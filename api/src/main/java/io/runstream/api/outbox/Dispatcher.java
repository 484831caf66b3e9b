package io.runstream.api.outbox;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.runstream.config.RunstreamConfig;
import io.runstream.trace.RunTracing;
import io.runstream.trace.Traces;
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

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Puts runs' tasks on their queue's stream through the {@code tasks} channel, or, for a delayed run not yet due, in
 * its lane's delayed set scored by when it is due (the workers move it to the stream then, as they do retries);
 * {@link Outbox} then clears their outbox rows; the {@link Sweeper} dispatches what a row keeps past the grace.
 */
@ApplicationScoped
public class Dispatcher {

    private final MutinyEmitter<String> tasks;
    private final RedisKeys keys;
    private final RedisStreamsConnector connector;
    private final Redis redis;
    private final Tracer tracer;

    public Dispatcher(@Channel("tasks") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
                      MutinyEmitter<String> tasks, RunstreamConfig config,
                      @Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, Redis redis,
                      RunTracing tracing) {
        this.tracer = tracing.tracer();
        this.tasks = tasks;
        this.redis = redis;
        this.connector = connector;
        this.keys = config.keys();
    }

    /**
     * Appends the task of run {@code id} to the stream of {@code queue} at {@code priority}, or, when
     * {@code scheduledFor} is later than now, adds it to that lane's delayed set; completes once Redis has it.
     */
    public Uni<Void> publish(UUID id, String pipeline, String queue, int priority, Instant scheduledFor,
                             Context parent) {
        Span span = publishSpan(queue, 1, parent);
        String task = new TaskMessage(id, pipeline, null, Traces.traceparent(span)).encode();
        Uni<Void> sent = RunStore.NewRun.delayed(scheduledFor, Instant.now())
                ? redis.send(delay(queue, priority, scheduledFor, task)).replaceWithVoid()
                : tasks.sendMessage(Message.of(task)
                .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(queue, priority))));
        return ended(sent, span);
    }

    /**
     * The span of a publish, child of {@code parent} (the submit's; the root: a trace of its own): its context
     * travels in the tasks ({@link TaskMessage#traceparent}), so that every attempt of their runs joins that trace.
     */
    private Span publishSpan(String queue, int tasks, Context parent) {
        return tracer.spanBuilder("publish " + queue).setParent(parent).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.destination.name", queue).setAttribute("runstream.tasks", tasks).startSpan();
    }

    private static Uni<Void> ended(Uni<Void> sent, Span span) {
        return sent.onItemOrFailure().invoke((x, failure) -> {
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.toString());
            }
            span.end();
        });
    }

    private Request delay(String queue, int priority, Instant scheduledFor, String task) {
        return Request.cmd(Command.ZADD).arg(keys.delayed(queue, priority)).arg(scheduledFor.toEpochMilli()).arg(task);
    }

    /**
     * Appends the tasks of {@code runs} to their queues' streams in one pipelined round trip, through the
     * {@code tasks} channel's own settings; completes once Redis has them all. A failure can leave some appended
     * (their runs' rows decide: a worker skips a task whose run does not exist).
     */
    public Uni<Void> publishAll(List<RunStore.NewRun> runs, Context parent) {
        Instant now = Instant.now();
        List<Message<String>> messages = new ArrayList<>(runs.size());
        List<Request> delays = new ArrayList<>();
        Span span = publishSpan(runs.getFirst().queue(), runs.size(), parent);
        String traceparent = Traces.traceparent(span);
        for (RunStore.NewRun run : runs) {
            String task = new TaskMessage(run.id(), run.pipeline(), null, traceparent).encode();
            if (run.delayedAt(now)) {
                delays.add(delay(run.queue(), run.priority(), run.scheduledFor(), task));
            } else {
                messages.add(Message.of(task)
                        .addMetadata(OutgoingRedisStreamMetadata.toStream(keys.tasks(run.queue(), run.priority()))));
            }
        }
        Uni<Void> delayed = delays.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(delays).replaceWithVoid();
        Uni<Void> due = messages.isEmpty() ? Uni.createFrom().voidItem() : connector.outgoing("tasks")
                .orElseThrow(() -> new IllegalStateException("the tasks channel is not connected")).sendAll(messages);
        return ended(Uni.combine().all().unis(delayed, due).discardItems(), span);
    }
}
