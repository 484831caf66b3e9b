package io.runstream.e2e;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.runstream.local.AppProcesses;
import io.runstream.local.SseRecorder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Traces with the packaged apps exporting OTLP (over HTTP, protobuf) to a receiver in this test: one run that fails its
 * first attempt and completes its second is one trace — the submit (api), its publish, then for each attempt the
 * time its task waited in the queue, the attempt and its handler (worker), and the delivery of the run's end to an
 * SSE client (api) — each span linked to its parent.
 */
class TracingEndToEndTest {

    private static AppProcesses apps;
    private static HttpServer receiver;
    private static ExecutorService threads;
    private static final List<Received> spans = new CopyOnWriteArrayList<>();

    /** One span as exported: which app sent it, its ids (hex) and its attributes (as strings). */
    record Received(String service, String traceId, String spanId, String parentId, String name,
                    Map<String, String> attributes) {
    }

    @BeforeAll
    static void start() throws Exception {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/v1/traces", exchange -> {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody());
            for (ResourceSpans resource : request.getResourceSpansList()) {
                String service = resource.getResource().getAttributesList().stream()
                        .filter(a -> a.getKey().equals("service.name")).map(a -> a.getValue().getStringValue())
                        .findFirst().orElse("?");
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    scope.getSpansList().forEach(span -> spans.add(new Received(service,
                            HexFormat.of().formatHex(span.getTraceId().toByteArray()),
                            HexFormat.of().formatHex(span.getSpanId().toByteArray()),
                            HexFormat.of().formatHex(span.getParentSpanId().toByteArray()), span.getName(),
                            attributes(span.getAttributesList()))));
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        receiver.start();
        apps = new AppProcesses("tracing");
        apps.start(Map.of("RUNSTREAM_TRACING_OTLP_ENDPOINT", "http://127.0.0.1:" + receiver.getAddress().getPort(),
                "RUNSTREAM_TRACING_EXPORT_INTERVAL", "100ms",
                "RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms", "RUNSTREAM_WORKER_RETRY_MAX_ATTEMPTS", "2"));
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
        receiver.stop(0);
        threads.shutdownNow();
    }

    @Test
    void aRetriedRunIsOneTraceFromSubmitThroughBothAttemptsToItsSseDelivery() throws Exception {
        String run = new RunstreamClient(apps).submit("fail", "{\"times\":1}");
        SseRecorder follower = SseRecorder.open(apps.http, apps.api("/api/runs/" + run + "/events"), null, threads);
        assertThat(follower.closed().get(30, TimeUnit.SECONDS)).isEqualTo(200);

        // each app exports on its own schedule: the api's last span can arrive before the worker's, so wait for all
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(spans)
                .extracting(Received::name).contains("submit", "publish default", "sse deliver")
                .filteredOn(name -> List.of("run fail", "queue wait", "handler fail").contains(name))
                .hasSizeGreaterThanOrEqualTo(6));
        Received submit = spans.stream().filter(s -> s.name().equals("submit")).findFirst().orElseThrow();
        assertThat(submit.service()).isEqualTo("runstream-api");
        List<Received> trace = spans.stream().filter(s -> s.traceId().equals(submit.traceId())).toList();

        Received publish = one(trace, "publish default");
        assertThat(publish.service()).isEqualTo("runstream-api");
        assertThat(publish.parentId()).isEqualTo(submit.spanId());
        List<Received> attempts = trace.stream().filter(s -> s.name().equals("run fail")).toList();
        assertThat(attempts).extracting(s -> s.attributes().get("runstream.attempt")).containsExactlyInAnyOrder("1", "2");
        assertThat(attempts).allSatisfy(a -> {
            assertThat(a.service()).isEqualTo("runstream-worker");
            assertThat(a.parentId()).isEqualTo(publish.spanId());
            assertThat(a.attributes()).containsEntry("runstream.run.id", run);
        });
        assertThat(attempts).extracting(s -> s.attributes().get("runstream.outcome"))
                .containsExactlyInAnyOrder("failed", "completed");
        List<Received> waits = trace.stream().filter(s -> s.name().equals("queue wait")).toList();
        assertThat(waits).hasSize(2).allSatisfy(w -> assertThat(w.parentId()).isEqualTo(publish.spanId()));
        List<Received> handlers = trace.stream().filter(s -> s.name().equals("handler fail")).toList();
        assertThat(handlers).hasSize(2);
        assertThat(handlers).extracting(Received::parentId)
                .containsExactlyInAnyOrderElementsOf(attempts.stream().map(Received::spanId).toList());
        Received second = attempts.stream().filter(a -> a.attributes().get("runstream.attempt").equals("2"))
                .findFirst().orElseThrow();
        Received delivery = one(trace, "sse deliver");
        assertThat(delivery.service()).isEqualTo("runstream-api");
        assertThat(delivery.parentId()).isEqualTo(second.spanId());
    }

    private static Received one(List<Received> trace, String name) {
        List<Received> named = trace.stream().filter(s -> s.name().equals(name)).toList();
        assertThat(named).as(name + " in " + trace).hasSize(1);
        return named.getFirst();
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> attributes = new HashMap<>();
        for (KeyValue kv : list) {
            AnyValue v = kv.getValue();
            attributes.put(kv.getKey(), v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue());
        }
        return attributes;
    }
}
