package io.runstream.worker.consume;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.log.RunMdc;
import io.runstream.task.TaskMessage;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.attempt.AttemptExecutor;
import io.runstream.worker.attempt.RunningAttempts;
import io.runstream.worker.complete.Completer;
import io.runstream.worker.complete.RunWrites;
import io.runstream.worker.complete.StoreRetry;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.runstream.worker.limit.PipelineLimits;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Consumes the tasks of every queue this worker reads ({@link TaskIntake}) in two stages. Up to {@code runstream.worker.concurrency} tasks at once are
 * decoded, checked (dead-lettered if delivered too often), started in PostgreSQL (fenced by the task entry, batched
 * by {@link RunWrites}) and run by the {@link AttemptExecutor}; the channel is asked for one more task as soon as a
 * handler returns. Then up to {@code runstream.worker.max-settling} tasks at once are settled by the
 * {@link Completer}: outcome recorded, last events written, task acknowledged. A handler slot thus never waits on
 * PostgreSQL for the run before it, and the outcomes that arrive while one end statement is in flight leave together
 * in the next. When settling falls behind (PostgreSQL slow or away) its slots fill, then the handler slots, and the
 * channel stops reading. On SIGTERM (after the channel stopped reading) it waits for the runs in progress and
 * their settlements. The two stages and their slots are {@link TwoStages}.
 */
@Singleton
public class TaskConsumer {

    private static final Logger LOG = Logger.getLogger(TaskConsumer.class);
    /** How long handlers told to stop at the end of the grace period have to do so. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final TaskIntake intake;
    private final RunWrites writes;
    private final AttemptExecutor executor;
    private final Completer completer;
    private final StoreRetry retry;
    private final RunningAttempts running;
    private final HandlerRegistry handlers;
    private final PipelineLimits limits;
    private final WorkerConfig config;

    public TaskConsumer(TaskIntake intake, RunWrites writes, AttemptExecutor executor, Completer completer,
                        StoreRetry retry, RunningAttempts running, HandlerRegistry handlers, PipelineLimits limits,
                        WorkerConfig config) {
        this.limits = limits;
        this.intake = intake;
        this.writes = writes;
        this.executor = executor;
        this.completer = completer;
        this.retry = retry;
        this.running = running;
        this.handlers = handlers;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("Worker serves pipelines [%s] on queues %s with concurrency %d", handlers.names(), intake.queues(),
                config.concurrency());
        if (intake.queues().isEmpty()) {
            LOG.warn("Worker reads no queue: it has no pipeline and runstream.worker.queues is not set");
        }
        // a task holds one of the concurrency slots until its handler returns; what follows is a settlement, held by
        // one of max-settling slots, so the writes of runs that ended pile up and batch while handlers go on
        intake.tasks().subscribe().withSubscriber(new TwoStages<>(this::run, config.concurrency(),
                Settlement::settle, config.maxSettling()));
    }

    /**
     * Graceful stop, between the channel's two steps: after it stopped reading (its entries stay claimed), runs in
     * progress get {@code shutdown-grace} to finish and be recorded; those still running then are told to stop, and
     * the channel hands their tasks back to the other workers at once.
     */
    void stop(@Observes @Priority(20) ShutdownEvent event) {
        retry.stop();
        running.drain(config.shutdownGrace(), STOP_WAIT);
    }

    /** Starts and runs the task's attempt, if it has one to run; never fails: what is left is its settlement. */
    private Uni<Settlement> run(Message<String> message) {
        TaskMessage task;
        try {
            task = TaskMessage.decode(message.getPayload());
        } catch (IllegalArgumentException e) {
            return settle(message, null, () -> completer.nack(message, e));
        }
        IncomingRedisStreamMetadata entry = message.getMetadata(IncomingRedisStreamMetadata.class).orElseThrow();
        if (entry.deliveries() > config.maxDeliveries()) {
            return settle(message, task, () -> completer.poison(message, task, "task delivered " + entry.deliveries()
                    + " times without an outcome (max-deliveries " + config.maxDeliveries() + "); given up"));
        }
        Lane lane = intake.laneOf(entry);
        return limits.acquire(task.pipeline(), task.runId())
                .chain(permit -> permit.granted() ? start(message, task, entry, lane, permit)
                        // over a limit of its pipeline: not started; it waits among the lane's delayed tasks
                        // (a redelivered entry may have started the run's attempt before its worker died: the task
                        // that takes its place restarts the run as it would)
                        : settle(message, task, () -> completer.waitOnLimit(message, entry.redelivered()
                                ? task.startedBy(task.startEntry(entry.id())) : task,
                                lane, permit.delay())))
                .onFailure().recoverWithItem(failure -> {
                    RunMdc.log(task.runId(), 0, task.pipeline(), lane.queue(),
                            () -> LOG.errorf(failure, "Run %s did not start; its task stays pending", task.runId()));
                    return Settlement.NONE;
                });
    }

    /** Starts the run of a task that passed its pipeline's limits, and runs its attempt; gives the lease back after. */
    private Uni<Settlement> start(Message<String> message, TaskMessage task, IncomingRedisStreamMetadata entry,
                                  Lane lane, PipelineLimits.Permit permit) {
        return retry.until(writes.start(task.runId(), task.startEntry(entry.id())), () -> "start run " + task.runId())
                .chain(started -> started.isPresent()
                        ? executor.execute(started.get(), lane, task, entry.id()).map(outcome -> new Settlement(task,
                                () -> completer.complete(message, outcome)
                                        .eventually(() -> running.remove(outcome.attempt()))
                                        .eventually(() -> limits.release(permit))
                                        .eventually(() -> outcome.attempt().endSpan())))
                        // ended, or started by another entry: nothing to run
                        : settle(message, task, () -> limits.release(permit)
                                .chain(() -> completer.nothingToRun(message, task.runId(), entry.redelivered()))))
                .onFailure().call(() -> limits.release(permit));
    }

    private static Uni<Settlement> settle(Message<String> message, TaskMessage task, Supplier<Uni<Void>> action) {
        return Uni.createFrom().item(new Settlement(task, action));
    }

    /** What is left of a task once its handler returned (or it had none to run): record, write, acknowledge. */
    private record Settlement(TaskMessage task, Supplier<Uni<Void>> action) {

        static final Settlement NONE = new Settlement(null, () -> Uni.createFrom().voidItem());

        Uni<Void> settle() {
            return Uni.createFrom().<Void>deferred(action::get).onFailure().recoverWithItem(failure -> {
                if (task == null) {
                    LOG.errorf(failure, "A task that could not be decoded was not settled; it stays pending");
                } else {
                    RunMdc.log(task.runId(), 0, task.pipeline(), null,
                            () -> LOG.errorf(failure, "Run %s was not settled; its task stays pending", task.runId()));
                }
                return null;
            });
        }
    }
}
