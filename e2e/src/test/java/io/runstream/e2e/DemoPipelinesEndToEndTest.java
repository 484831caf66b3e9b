package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The packaged api and worker as processes, driven over HTTP through every demo pipeline. */
class DemoPipelinesEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AppProcesses apps;

    @BeforeAll
    static void start() throws IOException {
        apps = new AppProcesses("demo-pipelines").start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "4"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (apps == null) {
            return;
        }
        try {
            int[] exits = apps.stop();
            for (String app : List.of("api", "worker")) {
                List<String> log = Files.readAllLines(apps.log(app));
                assertThat(log).as(app + " log").anyMatch(l -> l.contains("stopped in"));
                assertThat(log).as(app + " log: errors, e.g. from a closed connection at shutdown")
                        .noneMatch(l -> l.contains(" ERROR ") || l.contains("Exception") || l.contains("CLOSED"));
            }
            // a JVM ended by SIGTERM after its shutdown hooks ran exits with 128 + 15
            assertThat(IntStream.of(exits).boxed().toList()).as("exit codes of api and worker after SIGTERM")
                    .allMatch(code -> code == 0 || code == 143);
        } finally {
            apps.close();
        }
    }

    /**
     * The JVM apps run with the options their builds put beside them ({api,worker}/src/main/jvm/jvm.options): the
     * serial collector and a small initial heap, the worker C1 only and a young generation of its own size (else it
     * stays at a third of the small initial heap: everything alive at a collection is promoted, and the heap grows
     * with every run), the api C2 too — read from the running JVMs, not from the files.
     */
    @Test
    void theJvmAppsRunWithTheOptionsTheirBuildsShip() throws Exception {
        assertThat(flags(apps.apiPid())).as("the api's flags").contains("-XX:+UseSerialGC",
                "-XX:InitialHeapSize=16777216").doesNotContain("TieredStopAtLevel");
        assertThat(flags(apps.workerPid(0))).as("the worker's flags").contains("-XX:+UseSerialGC",
                "-XX:InitialHeapSize=33554432", "-XX:TieredStopAtLevel=1", "-XX:NewSize=16777216",
                "-XX:MaxNewSize=16777216");
    }

    private static String flags(long pid) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process jcmd = new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid), "VM.flags")
                .redirectErrorStream(true).start();
        String flags = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor()).as("jcmd: %s", flags).isZero();
        return flags;
    }

    @Test
    void echoCompletesWithItsInputAsResult() throws Exception {
        JsonNode run = finished(submit("{\"pipeline\":\"echo\",\"input\":{\"a\":1}}"));
        assertThat(run.get("status").asText()).isEqualTo("completed");
        assertThat(run.get("result")).isEqualTo(JSON.readTree("{\"a\":1}"));
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void sleepCompletesAfterItsTime() throws Exception {
        JsonNode run = finished(submit("{\"pipeline\":\"sleep\",\"input\":{\"ms\":300}}"));
        assertThat(run.get("status").asText()).isEqualTo("completed");
        assertThat(run.get("result")).isEqualTo(JSON.readTree("{\"slept\":300}"));
        Duration took = Duration.between(Instant.parse(run.get("startedAt").asText()),
                Instant.parse(run.get("completedAt").asText()));
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void generateReturnsTheWholeText() throws Exception {
        JsonNode run = finished(submit("{\"pipeline\":\"generate\",\"input\":{\"chunks\":12,\"delayMs\":2}}"));
        assertThat(run.get("status").asText()).isEqualTo("completed");
        String expected = String.join("", IntStream.range(0, 12).mapToObj(i -> "token-" + i + " ").toList());
        assertThat(run.get("result").asText()).isEqualTo(expected);
    }

    @Test
    void failEndsFailedWithItsMessage() throws Exception {
        JsonNode run = finished(submit("{\"pipeline\":\"fail\",\"input\":{\"message\":\"no luck\"}}"));
        assertThat(run.get("status").asText()).isEqualTo("failed");
        assertThat(run.get("error").asText()).isEqualTo("no luck");
        assertThat(run.get("result").isNull()).isTrue();
    }

    @Test
    void manyRunsAllComplete() throws Exception {
        List<String> ids = IntStream.range(0, 40)
                .mapToObj(i -> submit("{\"pipeline\":\"echo\",\"input\":" + i + "}")).toList();
        for (int i = 0; i < ids.size(); i++) {
            JsonNode run = finished(ids.get(i));
            assertThat(run.get("status").asText()).isEqualTo("completed");
            assertThat(run.get("result").asInt()).isEqualTo(i);
        }
        JsonNode page = get("/api/runs?pipeline=echo&status=completed&limit=500");
        assertThat(page.get("items").size()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void pipelinesListsTheDemosServedByOneWorker() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode pipelines = get("/api/pipelines");
            assertThat(pipelines).extracting(p -> p.get("name").asText() + "@" + p.get("queue").asText() + "x"
                    + p.get("workers").asInt())
                    .containsExactly("echo@defaultx1", "fail@defaultx1", "generate@defaultx1", "lookup@defaultx1", "sleep@defaultx1");
        });
    }

    @Test
    void unknownPipelineIsRefusedWithTheKnownOnes() throws Exception {
        // a pipeline directory older than two heartbeat intervals: unknown is final (younger, it would be a 503)
        apps.infra.redisCommand("SET", apps.keyPrefix + ":{meta}:epoch", (System.currentTimeMillis() - 60_000) + ":e2e");
        HttpResponse<String> response = post("{\"pipeline\":\"translate\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).get("detail").asText())
                .isEqualTo("unknown pipeline 'translate'; known pipelines: echo, fail, generate, lookup, sleep");
    }

    private String submit(String body) {
        try {
            HttpResponse<String> response = post(body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            String id = JSON.readTree(response.body()).get("id").asText();
            assertThat(response.headers().firstValue("location")).hasValueSatisfying(l -> assertThat(l)
                    .endsWith("/api/runs/" + id));
            return id;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode finished(String id) {
        AtomicReference<JsonNode> run = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            run.set(get("/api/runs/" + id));
            return List.of("completed", "failed", "cancelled").contains(run.get().get("status").asText());
        });
        return run.get();
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return apps.http.send(HttpRequest.newBuilder(apps.api("/api/runs"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = apps.http.send(HttpRequest.newBuilder(apps.api(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
