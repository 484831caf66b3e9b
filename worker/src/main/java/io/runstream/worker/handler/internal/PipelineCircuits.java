package io.runstream.worker.handler.internal;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.virtual.threads.VirtualThreads;
import io.runstream.worker.PipelinesConfig;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.internal.HandlerRegistry.Registered;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;

/**
 * The handlers' init and circuit breakers, one {@link Circuit} per pipeline (the worker registry of seed 003):
 * handlers are initialised lazily on first use, or at start for pipelines set to warm up
 * ({@code runstream.pipelines."<name>".warm-up=true}); a pipeline whose init keeps failing is unavailable until a
 * trial init succeeds; handlers that were initialised are closed when the worker stops, after its runs ended.
 */
@Singleton
public class PipelineCircuits {

    private static final Logger LOG = Logger.getLogger(PipelineCircuits.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Uni<Void> READY = Uni.createFrom().voidItem();

    private final HandlerRegistry handlers;
    private final PipelinesConfig pipelines;
    private final ExecutorService virtualThreads;
    private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public PipelineCircuits(HandlerRegistry handlers, PipelinesConfig pipelines, WorkerConfig config,
                            @VirtualThreads ExecutorService virtualThreads) {
        this.handlers = handlers;
        this.pipelines = pipelines;
        this.virtualThreads = virtualThreads;
        for (Registered handler : handlers.all()) {
            circuits.put(handler.name(), new Circuit(handler.name(), config.circuitFailures(),
                    config.circuitCoolDown(), Clock.systemUTC()));
        }
    }

    /**
     * Completes once {@code handler} is initialised; fails with the init's failure, or with
     * {@link Circuit.OpenException} at once while its circuit is open.
     */
    public Uni<Void> ready(Registered handler) {
        Circuit circuit = circuits.get(handler.name());
        if (circuit.initialised()) {
            return READY; // every run after the first: no lock, no failure handling to attach
        }
        boolean wasOpen = circuit.open().isPresent();
        return circuit.ready(() -> handler.lifecycle().init().apply(virtualThreads))
                .onFailure().invoke(failure -> {
                    if (!(failure instanceof Circuit.OpenException)) {
                        LOG.warnf("Init of pipeline %s failed: %s", handler.name(), failure.toString());
                        if (circuit.open().isPresent()) {
                            LOG.errorf("Pipeline %s is unavailable on this worker: %s", handler.name(),
                                    circuit.open().get());
                            changed();
                        }
                    }
                })
                .invoke(() -> {
                    if (wasOpen && circuit.open().isEmpty()) {
                        LOG.infof("Pipeline %s is available again: its trial init succeeded", handler.name());
                        changed();
                    }
                });
    }

    /** Calls {@code listener} whenever a circuit opens or closes (to advertise it at once). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    /** The open circuits, by pipeline name: why each is unavailable and until when. */
    public Map<String, Circuit.Open> open() {
        Map<String, Circuit.Open> open = new TreeMap<>();
        circuits.forEach((name, circuit) -> circuit.open().ifPresent(o -> open.put(name, o)));
        return open;
    }

    /** Initialises the handlers set to warm up, without holding up the start. */
    void warmUp(@Observes StartupEvent event) {
        for (Registered handler : handlers.all()) {
            if (pipelines.warmUp(handler.name())) {
                ready(handler).subscribe().with(x -> LOG.infof("Pipeline %s warmed up", handler.name()),
                        failure -> LOG.warnf("Pipeline %s did not warm up (its first run tries again): %s",
                                handler.name(), failure.toString()));
            }
        }
    }

    /** Closes every handler that was initialised, once the runs ended (after the consumer's drain, priority 20). */
    void close(@Observes @Priority(40) ShutdownEvent event) {
        for (Registered handler : handlers.all()) {
            if (circuits.get(handler.name()).initialised()) {
                try {
                    handler.lifecycle().close().apply(virtualThreads).await().atMost(CLOSE_TIMEOUT);
                    LOG.infof("Closed the handler of pipeline %s", handler.name());
                } catch (RuntimeException e) {
                    LOG.warnf("Closing the handler of pipeline %s failed: %s", handler.name(), e.toString());
                }
            }
        }
    }
}
