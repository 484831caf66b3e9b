package io.runstream.api.queue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.api.ApiConfig;
import io.runstream.api.problem.Outages;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.queue.QueueInspector;
import io.runstream.queue.QueueStats;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /api/queues}: per queue its length, pending entries, lag, consumers, age of the oldest pending entry,
 * delayed retries and dead letters. The same figures are Prometheus gauges ({@code runstream_queue_*}, tag
 * {@code queue}), refreshed every {@code runstream.api.queue-metrics-interval}.
 */
@Path("/api/queues")
@Produces(MediaType.APPLICATION_JSON)
@Singleton
public class QueueResource {

    private final QueueInspector inspector;
    private final PipelineDirectory directory;
    private final ApiConfig config;
    private final MeterRegistry metrics;
    private final Vertx vertx;
    private final Map<String, QueueStats> latest = new ConcurrentHashMap<>();
    private long timer = -1;

    public QueueResource(QueueInspector inspector, PipelineDirectory directory, ApiConfig config,
                         MeterRegistry metrics, Vertx vertx) {
        this.inspector = inspector;
        this.directory = directory;
        this.config = config;
        this.metrics = metrics;
        this.vertx = vertx;
    }

    @GET
    public Uni<List<QueueStats>> list() {
        return inspectAll().onFailure().transform(e -> Outages.classify("Redis", e));
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(config.queueMetricsInterval().toMillis(), id -> inspectAll().subscribe().with(
                stats -> stats.forEach(this::publish), failure -> { }));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private Uni<List<QueueStats>> inspectAll() {
        return directory.list()
                .map(pipelines -> {
                    TreeSet<String> queues = new TreeSet<>(List.of("default"));
                    pipelines.stream().map(PipelineInfo::queue).forEach(queues::add);
                    return queues;
                })
                .onItem().transformToMulti(queues -> Multi.createFrom().iterable(queues))
                .onItem().transformToUniAndConcatenate(inspector::inspect)
                .collect().asList();
    }

    private void publish(QueueStats stats) {
        if (latest.put(stats.name(), stats) == null) {
            gauge("length", "Entries in the queue's task stream", stats.name(), QueueStats::length);
            gauge("pending", "Tasks delivered to a worker and not yet acknowledged", stats.name(), QueueStats::pending);
            gauge("lag", "Tasks not yet delivered to any worker", stats.name(),
                    s -> s.lag() == null ? Double.NaN : s.lag());
            gauge("consumers", "Consumers in the workers' group", stats.name(), QueueStats::consumers);
            gauge("oldest.pending.age", "Age of the oldest pending task, in seconds", stats.name(),
                    s -> s.oldestPendingAgeMs() / 1000.0);
            gauge("delayed", "Tasks waiting for their retry time", stats.name(), QueueStats::delayed);
            gauge("dead.letters", "Entries in the queue's dead-letter stream", stats.name(), QueueStats::deadLetters);
        }
    }

    private void gauge(String name, String description, String queue, ToDoubleFunction<QueueStats> value) {
        Gauge.builder("runstream.queue." + name, latest, m -> {
                    QueueStats stats = m.get(queue);
                    return stats == null ? Double.NaN : value.applyAsDouble(stats);
                })
                .tag("queue", queue).description(description).register(metrics);
    }
}
