package io.runstream.worker.dispatch;

import io.runstream.run.RunStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.virtual.threads.VirtualThreads;
import io.runstream.config.RunstreamConfig;
import io.runstream.events.RunEventWriter;
import io.runstream.json.Json;
import io.runstream.keys.RedisKeys;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.run.RunStatus;
import io.runstream.task.TaskMessage;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.GiveUpException;
import io.runstream.worker.handler.RunCancelledException;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Consumes the {@code tasks} channel and executes each run: at most {@code runstream.worker.concurrency} at once,
 * since the channel is asked for one more task only when a run finishes. Per task: start the attempt in
 * PostgreSQL (fenced by the task entry), run the pipeline's handler, record the outcome for that attempt only,
 * write the outcome's events, and only then XACK. A failed attempt is retried later (backoff) until its pipeline's
 * attempts are used up; a task delivered too often is dead-lettered and its run failed. A task whose outcome could
 * not be recorded is not acked: it stays pending and is reclaimed.
 */
@ApplicationScoped
public class TaskConsumer {

    private static final Logger LOG = Logger.getLogger(TaskConsumer.class);

    private final Multi<Message<String>> tasks;
    private final RunStore store;
    private final HandlerRegistry handlers;
    private final DelayedTasks delayed;
    private final Redis redis;
    private final RedisKeys keys;
    private final WorkerConfig config;
    private final RunstreamConfig runstream;
    private final ExecutorService virtualThreads;
    private final MeterRegistry metrics;
    private final Map<UUID, Execution> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private volatile CompletableFuture<Void> drained;

    /**
     * @param tasks raw on purpose: for a channel injected as {@code Multi<Message<String>>} SmallRye adds a payload
     *              conversion step that requests one message at a time, so every XREADGROUP would fetch a single
     *              entry whatever the concurrency; the connector's payloads are strings already
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public TaskConsumer(@Channel("tasks") Multi<Message> tasks, RunStore store, HandlerRegistry handlers,
                        DelayedTasks delayed, Redis redis, RunstreamConfig runstream, WorkerConfig config,
                        @VirtualThreads ExecutorService virtualThreads, MeterRegistry metrics) {
        this.tasks = (Multi<Message<String>>) (Multi) tasks;
        this.store = store;
        this.handlers = handlers;
        this.delayed = delayed;
        this.redis = redis;
        this.keys = runstream.keys();
        this.config = config;
        this.runstream = runstream;
        this.virtualThreads = virtualThreads;
        this.metrics = metrics;
        if (config.concurrency() < 1) {
            throw new IllegalArgumentException("runstream.worker.concurrency must be at least 1, was "
                    + config.concurrency());
        }
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("Worker serves pipelines [%s] with concurrency %d", handlers.names(), config.concurrency());
        tasks.onItem().transformToUni(this::process).merge(config.concurrency())
                .subscribe().with(x -> { }, failure -> LOG.errorf(failure, "The task channel stopped"));
    }

    /**
     * Graceful stop (after the channel stopped reading): runs in progress get {@code shutdown-grace} to finish and
     * be recorded; those still running then are told to stop and are left, unacked, for other workers.
     */
    void stop(@Observes @Priority(20) ShutdownEvent event) {
        stopping = true;
        drained = new CompletableFuture<>();
        if (running.isEmpty()) {
            return;
        }
        LOG.infof("Stopping: waiting up to %s for %d runs in progress", config.shutdownGrace(), running.size());
        try {
            drained.get(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf("%d runs still in progress after the grace period; leaving them to other workers",
                    running.size());
            CompletableFuture<Void> stopped = new CompletableFuture<>();
            drained = stopped;
            running.values().forEach(Execution::stop);
            try {
                stopped.get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // handlers that ignore the stop are abandoned; their tasks stay pending
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.debugf("Waiting for runs failed: %s", e);
        }
    }

    /** Ids of the runs executing in this worker now. */
    public Set<UUID> runningIds() {
        return Set.copyOf(running.keySet());
    }

    /**
     * Tells the handler of run {@code runId}, if it executes here, that the run was cancelled. The run then ends
     * {@code cancelled} whatever the handler does next.
     *
     * @return whether the run executes here
     */
    public boolean cancel(UUID runId) {
        Execution execution = running.get(runId);
        if (execution == null) {
            return false;
        }
        execution.cancel();
        LOG.infof("Run %s cancelled", runId);
        return true;
    }

    private Uni<Void> process(Message<String> message) {
        TaskMessage task;
        try {
            task = TaskMessage.decode(message.getPayload());
        } catch (IllegalArgumentException e) {
            return nack(message, e);
        }
        IncomingRedisStreamMetadata entry = message.getMetadata(IncomingRedisStreamMetadata.class).orElseThrow();
        if (entry.deliveries() > config.maxDeliveries()) {
            return poisoned(message, task, entry);
        }
        return retrying(store.start(task.runId(), entry.id()), "start run " + task.runId())
                .chain(started -> started.isPresent() ? execute(started.get())
                        // ended, or started by another entry: nothing to run; a redelivered task may find that its
                        // worker recorded the outcome and died before writing the end of the run's events
                        : entry.redelivered() ? repairEnd(task.runId()).replaceWith(true)
                        : Uni.createFrom().item(true))
                .chain(ack -> ack ? Uni.createFrom().completionStage(message.ack()) : Uni.createFrom().voidItem())
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf(failure, "Run %s was not settled; its task stays pending", task.runId());
                    return null;
                })
                .eventually(() -> finished(task.runId()));
    }

    /** A task delivered more than {@code max-deliveries} times: its run fails, the entry goes to the dead letters. */
    private Uni<Void> poisoned(Message<String> message, TaskMessage task, IncomingRedisStreamMetadata entry) {
        String error = "task delivered " + entry.deliveries() + " times without an outcome (max-deliveries "
                + config.maxDeliveries() + "); given up";
        return retrying(store.poison(task.runId(), error), "fail run " + task.runId())
                .chain(applied -> applied ? writeEnd(writer(task.runId(), 0), RunStatus.FAILED,
                        List.<String[]>of(RunEventWriter.errorEvent(error, false))) : Uni.createFrom().voidItem())
                .chain(() -> nack(message, new PoisonTaskException(error)));
    }

    private static Uni<Void> nack(Message<String> message, Throwable reason) {
        return Uni.createFrom().completionStage(message.nack(reason)).onFailure().recoverWithNull();
    }

    /** Executes an attempt; the item says whether its task may be acked. */
    private Uni<Boolean> execute(RunStore.StartedRun run) {
        RunEventWriter events = writer(run.id(), run.attempt());
        Execution execution = new Execution(run, events);
        running.put(run.id(), execution);
        if (run.attempt() > 1) {
            events.reset();
        }
        events.status(RunStatus.RUNNING.wire());
        Timer.Sample timing = Timer.start(metrics);
        Uni<Object> outcome = handlers.find(run.pipeline())
                .map(h -> h.invoker().invoke(execution, virtualThreads))
                .orElseGet(() -> Uni.createFrom().failure(new UnknownPipelineException(run.pipeline(), handlers.names())));
        return outcome
                .onItemOrFailure().transformToUni((result, failure) -> {
                    String outcomeTag = failure == null ? "completed"
                            : failure instanceof RunCancelledException ? "cancelled" : "failed";
                    timing.stop(Timer.builder("runstream.handler.duration").tag("pipeline", run.pipeline())
                            .tag("outcome", outcomeTag).description("Time handlers take per attempt")
                            .register(metrics));
                    if (failure instanceof RunCancelledException && execution.stopping()
                            && !execution.cancelledByClient()) {
                        LOG.infof("Run %s stopped by shutdown; its task stays pending for another worker", run.id());
                        return events.flush().replaceWith(false);
                    }
                    return record(execution, result, failure);
                });
    }

    /** The task of run {@code id} is settled (or left pending): its slot is free. */
    private void finished(UUID id) {
        running.remove(id);
        CompletableFuture<Void> waiting = drained;
        if (waiting != null && running.isEmpty()) {
            waiting.complete(null);
        }
    }

    /**
     * Records the attempt's outcome, fenced by its number; only when it applied are the outcome's events written
     * (so a run's {@code result} exists once even if a stale attempt also finished). The item: may the task be acked.
     */
    private Uni<Boolean> record(Execution execution, Object result, Throwable failure) {
        UUID id = execution.runId();
        int attempt = execution.attempt();
        String pipeline = execution.pipeline();
        Uni<Void> recorded;
        if (execution.cancelledByClient() || failure instanceof RunCancelledException) {
            recorded = execution.events().flush()
                    .chain(() -> retrying(store.cancelRunning(id, attempt), "cancel run " + id))
                    .chain(applied -> ended(applied, execution, RunStatus.CANCELLED, List.of()));
        } else if (failure == null) {
            String resultJson = Json.encode(result);
            recorded = execution.events().flush()
                    .chain(() -> retrying(store.complete(id, attempt, resultJson), "complete run " + id))
                    .chain(applied -> ended(applied, execution, RunStatus.COMPLETED,
                            List.<String[]>of(RunEventWriter.resultEvent(resultJson))));
        } else {
            String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
            RetryPolicy policy = RetryPolicy.of(config, pipeline);
            boolean retryable = !(failure instanceof GiveUpException || failure instanceof UnknownPipelineException);
            if (retryable && policy.retriesAfter(attempt)) {
                Duration delay = policy.delayAfter(attempt);
                recorded = execution.events().flush()
                        .chain(() -> retrying(store.retry(id, attempt, message), "requeue run " + id))
                        .chain(applied -> applied ? retryLater(execution, message, delay) : stale(execution));
            } else {
                LOG.debugf(failure, "Run %s attempt %d failed for good", id, attempt);
                recorded = execution.events().flush()
                        .chain(() -> retrying(store.fail(id, attempt, message), "fail run " + id))
                        .chain(applied -> ended(applied, execution, RunStatus.FAILED,
                                List.<String[]>of(RunEventWriter.errorEvent(message, false))));
            }
        }
        return recorded.replaceWith(true);
    }

    private Uni<Void> retryLater(Execution execution, String message, Duration delay) {
        RunEventWriter events = execution.events();
        events.error(message, true);
        events.status(RunStatus.QUEUED.wire());
        Counter.builder("runstream.runs.retried").tag("pipeline", execution.pipeline())
                .description("Failed attempts sent back to the queue for a retry").register(metrics).increment();
        LOG.debugf("Run %s attempt %d failed, retrying in %s: %s", execution.runId(), execution.attempt(), delay,
                message);
        return events.flush().chain(() -> retrying(delayed.schedule(queueOf(execution.pipeline()),
                new TaskMessage(execution.runId(), execution.pipeline()), delay), "schedule the retry of run "
                + execution.runId()));
    }

    private Uni<Void> ended(boolean applied, Execution execution, RunStatus status, List<String[]> outcome) {
        if (!applied) {
            return stale(execution);
        }
        Counter.builder("runstream.runs." + status.wire()).tag("pipeline", execution.pipeline())
                .description("Runs that ended " + status.wire() + " in this worker").register(metrics).increment();
        return writeEnd(execution.events(), status, outcome);
    }

    private Uni<Void> writeEnd(RunEventWriter events, RunStatus status, List<String[]> outcome) {
        return retrying(events.writeEnd(outcome, status.wire(), runstream.events().ttl()), "write the end of run "
                + events.runId()).replaceWithVoid();
    }

    /** Writes the end of an ended run's events from PostgreSQL, unless its stream already has it. */
    private Uni<Void> repairEnd(UUID id) {
        return retrying(store.ended(id), "read run " + id).chain(ended -> {
            if (ended.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            RunStore.EndedRun run = ended.get();
            RunStatus status = run.status();
            List<String[]> outcome = switch (status) {
                case COMPLETED -> List.<String[]>of(RunEventWriter.resultEvent(run.result()));
                case FAILED -> List.<String[]>of(RunEventWriter.errorEvent(run.error(), false));
                default -> List.of();
            };
            return retrying(writer(id, run.attempt()).writeEnd(outcome, status.wire(), runstream.events().ttl()),
                    "write the end of run " + id)
                    .invoke(written -> {
                        if (written) {
                            LOG.infof("Wrote the missing end of run %s's events", id);
                        }
                    })
                    .replaceWithVoid();
        });
    }

    private Uni<Void> stale(Execution execution) {
        LOG.warnf("Outcome of run %s attempt %d was not recorded: a newer attempt or a cancel won",
                execution.runId(), execution.attempt());
        return Uni.createFrom().voidItem();
    }

    private RunEventWriter writer(UUID id, int attempt) {
        return new RunEventWriter(redis, keys.events(id), keys.notifyChannel(), id, attempt,
                runstream.events().maxlen());
    }

    private String queueOf(String pipeline) {
        return handlers.find(pipeline).map(HandlerRegistry.Registered::queue).orElse("default");
    }

    /** {@code write}, tried again after a pause while it fails, until the worker stops. */
    private <T> Uni<T> retrying(Uni<T> write, String what) {
        return write.onFailure().invoke(f -> LOG.warnf("Could not %s, retrying: %s", what, f.toString()))
                .onFailure(f -> !stopping).retry().withBackOff(config.storeRetryBackoff(),
                        config.storeRetryBackoff().multipliedBy(10)).indefinitely();
    }

    /** A run whose pipeline this worker does not serve. */
    static final class UnknownPipelineException extends RuntimeException {
        UnknownPipelineException(String pipeline, String known) {
            super("unknown pipeline '" + pipeline + "'; this worker serves: " + known, null, false, false);
        }
    }

    /** Why a poison task was dead-lettered. */
    static final class PoisonTaskException extends RuntimeException {
        PoisonTaskException(String message) {
            super(message, null, false, false);
        }
    }
}
