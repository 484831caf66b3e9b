package io.runstream.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.quarkus.runtime.ShutdownEvent;
import io.runstream.config.RunstreamConfig;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.concurrent.TimeUnit;

/**
 * The tracer of Runstream's spans. Tracing is off unless {@code runstream.tracing.otlp-endpoint} is set: the tracer
 * is then a no-op one, whose spans are invalid, so that no trace context is made nor written anywhere. With an
 * endpoint, spans go in batches to {@code <endpoint>/v1/traces} (OTLP over HTTP, protobuf) every
 * {@code runstream.tracing.export-interval}; the service name is the app's ({@code quarkus.application.name}).
 */
@Singleton
public class RunTracing {

    private final Tracer tracer;
    private final SdkTracerProvider provider;

    public RunTracing(RunstreamConfig config, @ConfigProperty(name = "quarkus.application.name") String service) {
        RunstreamConfig.Tracing tracing = config.tracing();
        if (tracing.otlpEndpoint().isEmpty()) {
            this.provider = null;
            this.tracer = OpenTelemetry.noop().getTracer("runstream");
            return;
        }
        String endpoint = tracing.otlpEndpoint().get().replaceAll("/+$", "");
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(endpoint.endsWith("/v1/traces") ? endpoint : endpoint + "/v1/traces").build();
        this.provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), service))))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter)
                        .setScheduleDelay(tracing.exportInterval()).build())
                .build();
        this.tracer = provider.get("io.runstream");
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Whether spans are exported: where making a span costs work on a hot path, it is skipped when not. */
    public boolean enabled() {
        return provider != null;
    }

    /** Exports what is left. */
    void stop(@Observes ShutdownEvent event) {
        if (provider != null) {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
