package io.runstream.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The tracer of Runstream's own spans. With tracing off ({@link TracingSwitch}) it is a no-op one: Quarkus' own
 * tracer then still makes real spans that it exports nowhere, and their contexts would travel in every task and
 * terminal event for nothing — with this one nothing is made, nothing is written.
 */
@Singleton
public class RunTracing {

    private final Tracer tracer;

    public RunTracing(Tracer quarkus, @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true")
                      boolean disabled) {
        this.tracer = disabled ? OpenTelemetry.noop().getTracer("runstream") : quarkus;
    }

    public Tracer tracer() {
        return tracer;
    }
}
