package io.runstream.api.queue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.runstream.log.FailureLog;
import io.runstream.queue.QueueStats;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import static io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP;

/**
 * The queues' statistics as Prometheus gauges ({@code runstream_queue_*}, tag {@code queue}), refreshed every
 * {@code runstream.api.queue-metrics-interval}. A queue whose figures cannot be read shows NaN until they can.
 */
@ApplicationScoped
public class QueueGauges {

    private static final Logger LOG = Logger.getLogger(QueueGauges.class);

    private final Queues queues;
    private final MeterRegistry metrics;
    /** The latest figures by queue; cleared when they cannot be read, so the gauges show NaN. */
    private final Map<String, QueueStats> latest = new ConcurrentHashMap<>();
    /**
     * Guards {@link #gauges} and {@link #stopped}, which a refresh and the shutdown both touch; nothing is called
     * while it is held (the registry's calls come after).
     */
    private final Object lock = new Object();
    /** The gauges registered, by queue: each queue's once, whatever happens to {@link #latest}. */
    private final Map<String, List<Meter>> gauges = new HashMap<>();
    private boolean stopped;
    private final FailureLog failures = new FailureLog(LOG, "Refreshing the queue gauges", Duration.ofMinutes(1));

    public QueueGauges(Queues queues, MeterRegistry metrics) {
        this.queues = queues;
        this.metrics = metrics;
    }

    @Scheduled(every = "${runstream.api.queue-metrics-interval}", concurrentExecution = SKIP)
    Uni<Void> refresh() {
        return failures.reported(queues.all()
                .invoke(stats -> stats.forEach(this::publish))
                .onFailure().invoke(latest::clear), Duration.ofSeconds(10));
    }

    /**
     * Removes the gauges: they read this instance's figures, and a registry that outlives the app (several apps
     * in one JVM, as in tests) would otherwise keep answering a later app's registration with them.
     */
    void stop(@Observes ShutdownEvent event) {
        List<Meter> registered = new ArrayList<>();
        synchronized (lock) {
            stopped = true;
            gauges.values().forEach(registered::addAll);
            gauges.clear();
        }
        registered.forEach(metrics::remove);
    }

    /**
     * Shows {@code stats}, registering the queue's gauges the first time. A refresh that lands after the app
     * stopped (a short-lived app's first one) registers nothing, or removes what it registered meanwhile: a gauge
     * left in the registry would answer the next app's registration and show this app's figures.
     */
    void publish(QueueStats stats) {
        String queue = stats.name();
        latest.put(queue, stats);
        synchronized (lock) {
            if (stopped || gauges.containsKey(queue)) {
                return;
            }
            gauges.put(queue, List.of()); // claimed: one refresh at a time (SKIP), but the claim makes it plain
        }
        List<Meter> registered = List.of(
                gauge("length", "Entries in the queue's task stream", queue, QueueStats::length),
                gauge("pending", "Tasks delivered to a worker and not yet acknowledged", queue, QueueStats::pending),
                gauge("lag", "Tasks not yet delivered to any worker", queue,
                        s -> s.lag() == null ? Double.NaN : s.lag()),
                gauge("consumers", "Consumers in the workers' group", queue, QueueStats::consumers),
                gauge("oldest.pending.age", "Age of the oldest pending task, in seconds", queue,
                        s -> s.oldestPendingAgeMs() / 1000.0),
                gauge("delayed", "Tasks waiting for their retry time", queue, QueueStats::delayed),
                gauge("dead.letters", "Entries in the queue's dead-letter stream", queue, QueueStats::deadLetters),
                gauge("workers", "Live workers reading the queue (0: nobody serves it, its runs wait)", queue,
                        QueueStats::workers));
        boolean stoppedMeanwhile;
        synchronized (lock) {
            stoppedMeanwhile = stopped;
            if (!stoppedMeanwhile) {
                gauges.put(queue, registered);
            }
        }
        if (stoppedMeanwhile) {
            registered.forEach(metrics::remove);
        }
    }

    private Meter gauge(String name, String description, String queue, ToDoubleFunction<QueueStats> value) {
        return Gauge.builder("runstream.queue." + name, latest, m -> {
                    QueueStats stats = m.get(queue);
                    return stats == null ? Double.NaN : value.applyAsDouble(stats);
                })
                .tag("queue", queue).description(description).register(metrics);
    }
}
