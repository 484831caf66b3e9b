package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A handler's init and its circuit breaker with the packaged apps, on the {@code lookup} demo, whose init loads a
 * table file: while the file is missing the circuit opens, runs fail at once naming the cause and
 * {@code GET /api/pipelines} shows the pipeline unavailable; once the file is there a trial closes it. With
 * warm-up, the init runs at the worker's start.
 */
@Tag(AppProcesses.NATIVE_TAG)
class CircuitBreakerEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private AppProcesses apps;

    @AfterEach
    void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void theCircuitOpensFailsFastAndCloses() throws Exception {
        Path table = Files.createTempDirectory("runstream-lookup").resolve("table.json");
        apps = new AppProcesses("circuit").start(Map.of("RUNSTREAM_DEMO_PIPELINES_LOOKUP_FILE", table.toString(),
                "RUNSTREAM_WORKER_CIRCUIT_COOL_DOWN", "2s", "RUNSTREAM_WORKER_RETRY_BASE_DELAY", "50ms"));
        RunstreamClient client = new RunstreamClient(apps);

        String first = client.submit("lookup", "{\"key\":\"model\"}");
        await().atMost(WAIT).until(() -> client.status(first).equals("failed"));
        assertThat(client.run(first).get("error").asText()).startsWith("cannot read the lookup table " + table);

        String fast = client.submit("lookup", "{\"key\":\"model\"}");
        await().atMost(WAIT).until(() -> client.status(fast).equals("failed"));
        JsonNode failed = client.run(fast);
        assertThat(failed.get("attempt").asInt()).isEqualTo(1);
        assertThat(failed.get("error").asText()).contains("pipeline 'lookup' is unavailable on this worker",
                "failed 3 times in a row", "cannot read the lookup table");
        await().atMost(WAIT).untilAsserted(() -> assertThat(lookup(client).get("unavailable")).hasSize(1));
        assertThat(lookup(client).get("unavailable").get(0).get("reason").asText())
                .contains("cannot read the lookup table");
        assertThat(lookup(client).get("workers").asInt()).isEqualTo(1);

        Files.writeString(table, "{\"model\":\"small\"}");
        await().atMost(WAIT).until(() -> {
            String trial = client.submit("lookup", "{\"key\":\"model\"}");
            await().atMost(WAIT).until(() -> client.status(trial).matches("completed|failed"));
            return client.status(trial).equals("completed")
                    && client.run(trial).get("result").get("value").asText().equals("small");
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(lookup(client).get("unavailable")).isEmpty());

        // warm-up: a worker started with it initialises the handler at start
        int warm = apps.startWorker(Map.of("RUNSTREAM_DEMO_PIPELINES_LOOKUP_FILE", table.toString(),
                "RUNSTREAM_PIPELINES__LOOKUP__WARM_UP", "true"));
        await().atMost(WAIT).until(() -> Files.readString(apps.log("worker")).contains("Pipeline lookup warmed up"));
        apps.terminateWorker(warm);
        assertThat(Files.readString(apps.log("worker"))).as("handlers are closed when the worker stops")
                .contains("Closed the handler of pipeline lookup");
    }

    private static JsonNode lookup(RunstreamClient client) {
        return StreamSupport.stream(client.get("/api/pipelines").spliterator(), false)
                .filter(p -> p.get("name").asText().equals("lookup")).findFirst().orElseThrow();
    }
}
