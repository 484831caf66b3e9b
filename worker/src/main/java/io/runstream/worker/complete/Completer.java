package io.runstream.worker.complete;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.events.RunEvent;
import io.runstream.events.RunEventWriter;
import io.runstream.events.RunEventWriters;
import io.runstream.feed.ActivityFeed;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.log.RunMdc;
import io.runstream.metrics.MetersByKey;
import io.runstream.metrics.TagValues;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.runstream.run.RunStore.End;
import io.runstream.task.TaskMessage;
import io.runstream.worker.attempt.Attempt;
import io.runstream.worker.attempt.Outcome;
import io.runstream.worker.consume.Lane;
import java.time.Duration;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.UUID;

/**
 * Settles tasks: the one place that turns how an attempt ended into the run's transition in PostgreSQL (fenced by
 * the attempt, batched with other runs' by {@link RunWrites}), the run's last events (written only when the transition applied, so they exist once), a retry, and
 * the acknowledgement of the task — always in that order, so a task is acknowledged only once what it did is
 * recorded. A write that fails is tried again ({@link StoreRetry}); if the worker stops first, the task is not
 * acknowledged and comes back.
 */
@Singleton
public class Completer {

    private static final Logger LOG = Logger.getLogger(Completer.class);

    private final RunStore store;
    private final RunWrites writes;
    private final StoreRetry retry;
    private final DelayedTasks delayed;
    private final RunEventWriters writers;
    private final ActivityFeed feed;

    /** {@code runstream.runs.<status>} by status and pipeline (status wire name, pipeline), registered once each. */
    private final MetersByKey<TagValues, Counter> endedCounters;
    /** {@code runstream.runs.waited.on.limit} by pipeline. */
    private final MetersByKey<String, Counter> waitedOnLimit;
    /** {@code runstream.runs.retried} by pipeline. */
    private final MetersByKey<String, Counter> retried;

    public Completer(RunStore store, RunWrites writes, StoreRetry retry, DelayedTasks delayed,
                     RunEventWriters writers, MeterRegistry metrics, ActivityFeed feed) {
        this.feed = feed;
        this.store = store;
        this.writes = writes;
        this.retry = retry;
        this.delayed = delayed;
        this.writers = writers;
        this.endedCounters = new MetersByKey<>(key -> Counter.builder("runstream.runs." + key.first())
                .tag("pipeline", key.second()).description("Runs that ended " + key.first()
                        + " in this worker").register(metrics));
        this.waitedOnLimit = MetersByKey.countersByPipeline(metrics, "runstream.runs.waited.on.limit",
                "Times a run was held back by its pipeline's concurrency or rate limit");
        this.retried = MetersByKey.countersByPipeline(metrics, "runstream.runs.retried",
                "Failed attempts sent back to the queue for a retry");
    }

    /** Records {@code outcome} and settles {@code task}, the task that started its attempt. */
    public Uni<Void> complete(Message<?> task, Outcome outcome) {
        Attempt attempt = outcome.attempt();
        UUID id = attempt.runId();
        int number = attempt.attempt();
        // what the handler emitted goes first: the last events must come after it
        Uni<Void> emitted = attempt.events().flush();
        Uni<Boolean> settled = switch (outcome) {
            case Outcome.Completed completed -> emitted
                    .chain(() -> retry.until(writes.end(new End(id, number, RunStatus.COMPLETED,
                            completed.resultJson(), null)), () -> "complete run " + id))
                    .chain(applied -> ended(applied, attempt, RunStatus.COMPLETED,
                            List.of(RunEvent.result(completed.resultJson())), null));
            case Outcome.FailedFinal failed -> emitted
                    .chain(() -> retry.until(writes.end(new End(id, number, RunStatus.FAILED, null,
                            failed.error())), () -> "fail run " + id))
                    .chain(applied -> ended(applied, attempt, RunStatus.FAILED,
                            List.of(RunEvent.error(failed.error(), false)), failed.error()));
            case Outcome.Cancelled cancelled -> emitted
                    .chain(() -> retry.until(writes.end(new End(id, number, RunStatus.CANCELLED, null, null)),
                            () -> "cancel run " + id))
                    .chain(applied -> ended(applied, attempt, RunStatus.CANCELLED, List.of(), null));
            case Outcome.FailedRetryable failed -> emitted
                    .chain(() -> retry.until(store.retry(id, number, failed.error()), () -> "requeue run " + id))
                    .chain(applied -> applied ? retryLater(attempt, failed) : stale(attempt));
            // the worker stops: the task stays pending, and another worker starts the run over
            case Outcome.Abandoned abandoned -> emitted.replaceWith(false);
        };
        // an attempt whose outcome was not recorded here (abandoned, or a newer attempt won) did start
        settled = settled.invoke(attempt::releaseStart);
        return settled.chain(ack -> ack ? ack(task) : Uni.createFrom().voidItem());
    }

    /**
     * Settles the task of a run that did not start here: it ended, or another task started it. A redelivered task
     * may find that its worker recorded the outcome and died before writing the run's last events: they are
     * written from PostgreSQL then.
     */
    public Uni<Void> nothingToRun(Message<?> task, UUID runId, boolean redelivered) {
        return (redelivered ? repairEnd(runId) : Uni.createFrom().voidItem()).chain(() -> ack(task));
    }

    /**
     * A task whose run is held back by its pipeline's limits: it goes among its lane's delayed tasks for
     * {@code wait}, counted as waiting on a limit, and its entry is acknowledged. The run stays queued.
     */
    public Uni<Void> waitOnLimit(Message<?> task, TaskMessage message, Lane lane, Duration wait) {
        waitedOnLimit.of(message.pipeline()).increment();
        return retry.until(delayed.deferOnLimit(lane, message, wait), () -> "hold back run " + message.runId())
                .chain(() -> ack(task));
    }

    /** A task delivered too often without an outcome: its run fails, the entry goes to the dead letters. */
    public Uni<Void> poison(Message<?> task, TaskMessage message, String error) {
        UUID id = message.runId();
        return retry.until(store.poison(id, error), () -> "fail run " + id)
                .chain(poisoned -> poisoned.map(run -> writeEnd(writers.of(id, 0), RunStatus.FAILED,
                                List.of(RunEvent.error(error, false)), feed.xadds(List.of(withError(FeedEvent.of(
                                        FeedEventType.FAILED, id, run.tenant(), message.pipeline(), run.queue(),
                                        run.attempt()), error)))))
                        .orElseGet(() -> Uni.createFrom().voidItem()))
                .chain(() -> nack(task, new PoisonTaskException(error)));
    }

    /** Refuses a task that cannot be processed (e.g. undecodable): its channel's failure strategy takes it. */
    public Uni<Void> nack(Message<?> task, Throwable reason) {
        return Uni.createFrom().completionStage(task.nack(reason)).onFailure().recoverWithNull();
    }

    private static Uni<Void> ack(Message<?> task) {
        return Uni.createFrom().completionStage(task.ack());
    }

    private Uni<Boolean> retryLater(Attempt attempt, Outcome.FailedRetryable failed) {
        RunEventWriter events = attempt.events();
        events.error(failed.error());
        events.status(RunStatus.QUEUED);
        attempt.appendToFeed(attempt.feedEvent(FeedEventType.RETRIED)
                .with(d -> d.put("error", failed.error()).put("delayMs", failed.delay().toMillis())));
        retried.of(attempt.pipeline()).increment();
        TaskMessage task = new TaskMessage(attempt.runId(), attempt.pipeline(), null, attempt.taskTraceparent());
        return events.flush()
                .chain(() -> retry.until(delayed.schedule(attempt.lane(), task, failed.delay()),
                        () -> "schedule the retry of run " + attempt.runId()))
                .replaceWith(true);
    }

    /** @param error a failed run's error, for the activity feed */
    private Uni<Boolean> ended(boolean applied, Attempt attempt, RunStatus status, List<RunEvent> outcome,
                               String error) {
        if (!applied) {
            return stale(attempt);
        }
        endedCounters.of(new TagValues(status.wire(), attempt.pipeline())).increment();
        return writeEnd(attempt.events(), status, outcome,
                attempt.endOfFeed(withError(attempt.feedEvent(FeedEventType.ended(status)), error)))
                .replaceWith(true);
    }

    private static FeedEvent withError(FeedEvent event, String error) {
        return error == null ? event : event.with(d -> d.put("error", error));
    }

    /** Writes the run's last events and, in the same round trip, its last activity feed entries {@code feed}. */
    private Uni<Void> writeEnd(RunEventWriter events, RunStatus status, List<RunEvent> outcome, List<Request> feed) {
        return retry.until(events.writeEnd(outcome, status, writers.ttl(), feed),
                () -> "write the end of run " + events.runId()).replaceWithVoid();
    }

    /** Writes the end of an ended run's events from PostgreSQL, unless its stream already has it. */
    private Uni<Void> repairEnd(UUID id) {
        return retry.until(store.ended(id), () -> "read run " + id).chain(ended -> {
            if (ended.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            RunStore.EndedRun run = ended.get();
            List<RunEvent> outcome = switch (run.status()) {
                case COMPLETED -> List.of(RunEvent.result(run.result()));
                case FAILED -> List.of(RunEvent.error(run.error(), false));
                default -> List.of();
            };
            // its worker died between recording the end and writing it: the feed missed the end too
            List<Request> fed = feed.xadds(List.of(withError(FeedEvent.of(FeedEventType.ended(run.status()), id,
                    run.tenant(), run.pipeline(), run.queue(), run.attempt()), run.error())));
            return retry.until(writers.of(id, run.attempt()).writeEnd(outcome, run.status(), writers.ttl(), fed),
                            () -> "write the end of run " + id)
                    .invoke(written -> {
                        if (written) {
                            RunMdc.log(id, run.attempt(), run.pipeline(), run.queue(),
                                    () -> LOG.infof("Wrote the missing end of run %s's events", id));
                        }
                    })
                    .replaceWithVoid();
        });
    }

    private static Uni<Boolean> stale(Attempt attempt) {
        attempt.logged(() -> LOG.warnf("Outcome of run %s attempt %d was not recorded: a newer attempt or a cancel "
                + "won", attempt.runId(), attempt.attempt()));
        return Uni.createFrom().item(true);
    }

    /** Why a poison task was dead-lettered. */
    static final class PoisonTaskException extends RuntimeException {
        PoisonTaskException(String message) {
            super(message, null, false, false);
        }
    }
}
