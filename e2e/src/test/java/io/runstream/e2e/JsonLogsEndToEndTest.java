package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged apps' logs as shipped (the prod profile): every line is one JSON object, and every line about a run —
 * the worker's own, the api's, and the handler's — carries the run's {@code runId}, {@code attempt},
 * {@code pipeline} and {@code queue} as fields, so that one search finds a run's lines.
 */
@Tag("native")
class JsonLogsEndToEndTest {

    private static AppProcesses apps;
    private static RunstreamClient client;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("json-logs");
        apps.start(Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true", "RUNSTREAM_WORKER_RETRY_MAX_ATTEMPTS", "2",
                "RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms"));
        client = new RunstreamClient(apps);
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void everyLineIsJsonAndEveryLineAboutARunNamesIt() throws Exception {
        String run = client.submit("fail", "{\"message\":\"logged\"}");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(client.status(run)));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> linesAbout("worker", run).size() >= 3);

        for (String app : List.of("api", "worker")) {
            for (String line : Files.readAllLines(apps.log(app))) {
                if (!line.isBlank()) {
                    assertThat(RunstreamClient.read(line).isObject()).as(app + ": " + line).isTrue();
                }
            }
        }
        List<JsonNode> lines = linesAbout("worker", run);
        // the handler's own line at each attempt, and the worker's on the final failure
        assertThat(lines).extracting(l -> l.get("message").asText())
                .contains("Attempt 1 fails on purpose", "Attempt 2 fails on purpose")
                .anySatisfy(m -> assertThat(m).startsWith("Run " + run + " (fail) failed for good at attempt 2"));
        assertThat(lines).allSatisfy(line -> {
            JsonNode mdc = line.get("mdc");
            assertThat(mdc.get("runId").asText()).isEqualTo(run);
            assertThat(mdc.get("pipeline").asText()).isEqualTo("fail");
            assertThat(mdc.get("queue").asText()).isEqualTo("default");
            assertThat(mdc.get("attempt").asInt()).isBetween(1, 2);
        });
    }

    /** The worker's log lines that name the run in their message or their fields. */
    private static List<JsonNode> linesAbout(String app, String run) throws Exception {
        return Files.readAllLines(apps.log(app)).stream().filter(l -> l.contains(run)).map(RunstreamClient::read)
                .toList();
    }
}
