package io.runstream.worker.registry;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.runstream.config.RunstreamConfig;
import io.runstream.log.FailureLog;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.pipeline.WorkerStatus;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.attempt.RunningAttempts;
import java.time.Instant;
import java.util.List;
import io.runstream.worker.handler.internal.PipelineCircuits;
import java.util.Map;
import java.util.TreeMap;
import io.runstream.worker.WorkerId;
import io.runstream.worker.consume.WorkerQueues;
import io.runstream.worker.handler.internal.HandlerRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;

import static io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP;

/**
 * Tells the api which pipelines exist and on which queues they are served: advertises this worker's pipelines and
 * the queues it reads in the {@link PipelineDirectory} at
 * start and every {@code runstream.workers.heartbeat-interval}, and withdraws them on a clean stop. A worker that
 * dies stops counting once its last heartbeat is older than {@code runstream.workers.liveness}.
 */
@ApplicationScoped
public class PipelineAdvertiser {

    private static final Logger LOG = Logger.getLogger(PipelineAdvertiser.class);

    private final PipelineDirectory directory;
    private final HandlerRegistry handlers;
    private final PipelineCircuits circuits;
    private final WorkerQueues queues;
    private final RunstreamConfig.Workers config;
    private final String workerId;
    private final FailureLog failures = new FailureLog(LOG, "Advertising pipelines", Duration.ofMinutes(1));

    private final RunningAttempts running;
    private final int concurrency;
    private final Instant startedAt = Instant.now();

    public PipelineAdvertiser(PipelineDirectory directory, HandlerRegistry handlers, PipelineCircuits circuits,
                              WorkerQueues queues, WorkerId id, RunstreamConfig runstream, RunningAttempts running,
                              WorkerConfig worker) {
        this.running = running;
        this.concurrency = worker.concurrency();
        this.directory = directory;
        this.handlers = handlers;
        this.circuits = circuits;
        this.queues = queues;
        this.config = runstream.workers();
        this.workerId = id.value();
    }

    void start(@Observes StartupEvent event) {
        Duration interval = config.heartbeatInterval();
        if (!interval.minus(config.liveness()).isNegative()) {
            throw new IllegalArgumentException("runstream.workers.heartbeat-interval (" + interval
                    + ") must be shorter than runstream.workers.liveness (" + config.liveness() + ")");
        }
        advertise().subscribe().with(x -> { }); // now, not at the scheduler's first tick
        // a circuit that opens or closes is told at once, not at the next heartbeat
        circuits.onChange(() -> advertiseCircuits().subscribe().with(x -> { }, failures::failed));
    }

    void stop(@Observes ShutdownEvent event) {
        try {
            directory.withdraw(workerId, handlers.pipelines().keySet(), queues.names())
                    .chain(() -> directory.retire(workerId)).await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.infof("Could not withdraw pipelines at stop (they expire by themselves): %s", e.toString());
        }
    }

    /** Advertises this worker's pipelines: at start, then every heartbeat interval. */
    @Scheduled(every = "${runstream.workers.heartbeat-interval}", concurrentExecution = SKIP)
    Uni<Void> advertise() {
        return failures.reported(directory.advertise(workerId, handlers.pipelines(), queues.names())
                .chain(() -> directory.announce(new WorkerStatus(workerId, List.copyOf(queues.names()),
                        List.copyOf(handlers.pipelines().keySet()), concurrency, running.size(), startedAt,
                        Instant.now())))
                .chain(this::advertiseCircuits), config.heartbeatInterval());
    }

    /** Records on which of this worker's pipelines the circuit is open now, and why. */
    private Uni<Void> advertiseCircuits() {
        Map<String, PipelineInfo.Unavailable> unavailable = new TreeMap<>();
        circuits.open().forEach((name, open) -> unavailable.put(name, new PipelineInfo.Unavailable(workerId,
                "its handler's init failed " + open.failures() + " times in a row (last: " + open.cause() + ")",
                open.until().toString())));
        return directory.unavailable(workerId, handlers.pipelines().keySet(), unavailable);
    }
}
