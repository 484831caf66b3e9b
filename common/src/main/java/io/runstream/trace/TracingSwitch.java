package io.runstream.trace;

import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.Map;
import java.util.Set;

/**
 * Tracing is off unless an OTLP endpoint is configured: this source answers {@code quarkus.otel.sdk.disabled} with
 * {@code false} when {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} or {@code QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}
 * (or their system properties) is set, else {@code true}. Its ordinal is the lowest, so an explicit
 * {@code quarkus.otel.sdk.disabled} anywhere wins.
 */
public final class TracingSwitch implements ConfigSource {

    static final String DISABLED = "quarkus.otel.sdk.disabled";
    private static final String[] ENDPOINTS = {"quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint"};

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(DISABLED);
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of(DISABLED, getValue(DISABLED));
    }

    @Override
    public String getValue(String name) {
        if (!DISABLED.equals(name)) {
            return null;
        }
        for (String endpoint : ENDPOINTS) {
            String env = System.getenv(endpoint.toUpperCase(java.util.Locale.ROOT).replace('.', '_'));
            String property = System.getProperty(endpoint);
            if (env != null && !env.isBlank() || property != null && !property.isBlank()) {
                return "false";
            }
        }
        return "true";
    }

    @Override
    public String getName() {
        return "runstream-tracing-switch";
    }

    @Override
    public int getOrdinal() {
        return 1;
    }
}
