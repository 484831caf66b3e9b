package io.runstream.worker.attempt;

import io.runstream.worker.consume.Lane;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.virtual.threads.VirtualThreads;
import io.runstream.events.RunEventWriter;
import io.runstream.events.RunEventWriters;
import io.runstream.feed.ActivityFeed;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.runstream.json.Json;
import io.runstream.queue.RedisReplies;
import io.runstream.task.TaskMessage;
import io.runstream.trace.RunTracing;
import io.runstream.trace.Traces;
import io.runstream.log.RunMdc;
import io.runstream.metrics.MetersByKey;
import io.runstream.metrics.TagValues;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.Ending;
import io.runstream.worker.handler.RunCancelledException;
import io.runstream.worker.handler.internal.Circuit;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.runstream.worker.handler.internal.PipelineCircuits;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Executes one attempt of a run that {@link RunStore#start} began: announces it ({@code reset} for a run that starts
 * over, then {@code status: running}), runs the pipeline's handler, and says how it ended as an {@link Outcome}. It
 * records nothing: that is the completer's job.
 */
@Singleton
public class AttemptExecutor {

    private static final Logger LOG = Logger.getLogger(AttemptExecutor.class);

    private final HandlerRegistry handlers;
    private final PipelineCircuits circuits;
    private final RunningAttempts running;
    private final RunEventWriters writers;
    private final WorkerConfig config;
    private final ExecutorService virtualThreads;
    private final MeterRegistry metrics;
    private final ActivityFeed feed;
    private final Tracer tracer;
    /** Attempts whose {@code status: running} waits for what follows it; null with a delay of 0 (none held). */
    private final HeldStarts<Attempt> heldStarts;
    /** {@code runstream.handler.duration} by pipeline and outcome (its two tags). */
    private final MetersByKey<TagValues, Timer> handlerTimers;
    /** Whether spans are exported: with tracing off no span is built here (names and attributes cost per run). */
    private final boolean tracing;

    static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("runstream.run.id");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("runstream.attempt");
    static final AttributeKey<String> PIPELINE = AttributeKey.stringKey("runstream.pipeline");
    static final AttributeKey<String> QUEUE = AttributeKey.stringKey("runstream.queue");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("runstream.outcome");

    public AttemptExecutor(HandlerRegistry handlers, PipelineCircuits circuits, RunningAttempts running, RunEventWriters writers,
                           WorkerConfig config, @VirtualThreads ExecutorService virtualThreads, MeterRegistry metrics,
                           Vertx vertx, ActivityFeed feed, RunTracing tracing) {
        this.feed = feed;
        this.tracer = tracing.tracer();
        this.tracing = tracing.enabled();
        this.handlers = handlers;
        this.circuits = circuits;
        this.running = running;
        this.writers = writers;
        this.config = config;
        this.virtualThreads = virtualThreads;
        this.metrics = metrics;
        this.heldStarts = config.runningEventDelay().isZero() ? null
                : new HeldStarts<>(vertx, config.runningEventDelay(), Attempt::releaseStart);
        this.handlerTimers = new MetersByKey<>(key -> Timer.builder("runstream.handler.duration")
                .tag("pipeline", key.first()).tag("outcome", key.second())
                .description("Time handlers take per attempt").register(metrics));
    }

    /**
     * Runs the handler of the started attempt {@code run}, whose task {@code task} came from {@code lane} as entry
     * {@code entryId}; never fails. Its spans join the submit's trace ({@link TaskMessage#traceparent}): the time the
     * task waited in its queue, the attempt (ended by {@link Attempt#endSpan} once its outcome is settled) and the
     * handler's call.
     */
    public Uni<Outcome> execute(RunStore.StartedRun run, Lane lane, TaskMessage task, String entryId) {
        Context parent = Traces.parent(task.traceparent());
        queueWait(parent, run, lane, entryId);
        Span span = !tracing ? Span.getInvalid() : tracer.spanBuilder("run " + run.pipeline()).setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(RUN_ID, run.id().toString()).setAttribute(ATTEMPT, run.attempt())
                .setAttribute(PIPELINE, run.pipeline()).setAttribute(QUEUE, lane.queue()).startSpan();
        RunEventWriter events = writers.of(run.id(), run.attempt());
        events.traceparent(Traces.traceparent(span));
        Attempt attempt = new Attempt(run, lane, events, feed, span, task.traceparent());
        running.add(attempt);
        attempt.holdStart();
        if (run.attempt() > 1) {
            events.reset();
        }
        announce(attempt);
        Timer.Sample timing = Timer.start(metrics);
        Span handler = !tracing ? Span.getInvalid()
                : tracer.spanBuilder("handler " + run.pipeline()).setParent(Context.root().with(span)).startSpan();
        Uni<Object> result;
        try {
            result = handlers.find(run.pipeline())
                    .map(h -> circuits.ready(h).chain(() -> h.invoker().invoke(attempt, RunMdc.executor(virtualThreads,
                            run.id(), run.attempt(), run.pipeline(), lane.queue()))))
                    .orElseGet(() -> Uni.createFrom().failure(new UnknownPipelineException(run.pipeline(),
                            handlers.names())));
        } catch (RuntimeException e) {
            result = Uni.createFrom().failure(e);
        }
        return result.onItemOrFailure().transform((value, failure) -> {
            Outcome outcome = outcome(attempt, value, failure);
            if (failure != null) {
                handler.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            }
            handler.end();
            String tag = tag(outcome);
            span.setAttribute(OUTCOME, tag);
            timing.stop(handlerTimers.of(new TagValues(run.pipeline(), tag)));
            return outcome;
        });
    }

    /** The time the task waited in its queue: from its entry's time (the XADD) to now. */
    private void queueWait(Context parent, RunStore.StartedRun run, Lane lane, String entryId) {
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return;
        }
        long queuedAt;
        try {
            queuedAt = RedisReplies.entryMillis(entryId);
        } catch (IllegalArgumentException e) {
            return;
        }
        tracer.spanBuilder("queue wait").setParent(parent).setStartTimestamp(queuedAt, TimeUnit.MILLISECONDS)
                .setAttribute(RUN_ID, run.id().toString()).setAttribute(ATTEMPT, run.attempt())
                .setAttribute(QUEUE, lane.queue()).startSpan().end();
    }

    /**
     * {@code status: running} and the feed's {@code started}, held back for {@link WorkerConfig#runningEventDelay()}
     * at most.
     */
    private void announce(Attempt attempt) {
        RunEventWriter events = attempt.events();
        if (heldStarts == null) {
            events.status(RunStatus.RUNNING);
            attempt.appendToFeed();
            return;
        }
        events.statusHeld(RunStatus.RUNNING);
        heldStarts.hold(attempt);
    }

    private Outcome outcome(Attempt attempt, Object value, Throwable failure) {
        if (failure instanceof RunCancelledException && attempt.stopping() && !attempt.cancelledByClient()) {
            attempt.logged(() -> LOG.infof("Run %s stopped by shutdown; its task stays pending for another worker",
                    attempt.runId()));
            return new Outcome.Abandoned(attempt);
        }
        Ending ending = Ending.of(failure, attempt.cancelledByClient());
        if (ending == Ending.CANCELLED) {
            return new Outcome.Cancelled(attempt);
        }
        if (ending == Ending.COMPLETED) {
            try {
                return new Outcome.Completed(attempt, Json.encode(value));
            } catch (RuntimeException e) {
                return failedFinal(attempt, "the handler's result cannot be written as JSON: " + e.getMessage());
            }
        }
        String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        RetryPolicy policy = RetryPolicy.of(config, attempt.pipeline());
        boolean retryable = ending == Ending.FAILED && !(failure instanceof UnknownPipelineException)
                && !(failure instanceof Circuit.OpenException);
        if (retryable && policy.retriesAfter(attempt.attempt())) {
            attempt.logged(() -> LOG.debugf(failure, "Run %s attempt %d failed; retrying", attempt.runId(),
                    attempt.attempt()));
            return new Outcome.FailedRetryable(attempt, message, policy.delayAfter(attempt.attempt()));
        }
        attempt.logged(() -> LOG.debugf(failure, "Run %s attempt %d failed for good", attempt.runId(),
                attempt.attempt()));
        return failedFinal(attempt, message);
    }

    private static Outcome failedFinal(Attempt attempt, String message) {
        attempt.logged(() -> LOG.warnf("Run %s (%s) failed for good at attempt %d: %s", attempt.runId(),
                attempt.pipeline(), attempt.attempt(), message));
        return new Outcome.FailedFinal(attempt, message);
    }

    private static String tag(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Completed c -> "completed";
            case Outcome.Cancelled c -> "cancelled";
            case Outcome.Abandoned a -> "abandoned";
            case Outcome.FailedRetryable f -> "failed";
            case Outcome.FailedFinal f -> "failed";
        };
    }

    /** A run whose pipeline this worker does not serve. */
    static final class UnknownPipelineException extends RuntimeException {
        UnknownPipelineException(String pipeline, String known) {
            super("unknown pipeline '" + pipeline + "'; this worker serves: " + known, null, false, false);
        }
    }
}
