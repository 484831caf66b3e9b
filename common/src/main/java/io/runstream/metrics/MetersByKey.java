package io.runstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Meters of one name told apart by a small key (a pipeline, an outcome), registered once per key and then found
 * in a map: registering a meter with Micrometer on every run builds its id and tags and looks them up each time.
 *
 * @param <K> the key (a string, or {@link TagValues}: not a record, whose hash a native image computes by reflection)
 * @param <M> the meter
 */
public final class MetersByKey<K, M> {

    private final Map<K, M> meters = new ConcurrentHashMap<>();
    private final Function<K, M> register;

    /** Counters named {@code name} with this description, one a pipeline (tag {@code pipeline}). */
    public static MetersByKey<String, Counter> countersByPipeline(MeterRegistry registry, String name,
                                                                  String description) {
        return new MetersByKey<>(pipeline -> Counter.builder(name).tag("pipeline", pipeline).description(description)
                .register(registry));
    }

    /** @param register registers the meter of a key with the registry (idempotent, as a registry's is) */
    public MetersByKey(Function<K, M> register) {
        this.register = register;
    }

    /**
     * The meter of {@code key}, registered on first use. Registering runs outside the map's locks: callers racing on
     * a new key may each register, and a registry answers the same meter for the same name and tags.
     */
    public M of(K key) {
        M meter = meters.get(key);
        if (meter != null) {
            return meter;
        }
        M registered = register.apply(key);
        M first = meters.putIfAbsent(key, registered);
        return first != null ? first : registered;
    }
}
