package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import io.runstream.local.KeyedHttpClient;
import io.runstream.local.SseRecorder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The activity feed ({@code GET /api/events}) with the packaged apps: every lifecycle event of a tenant's runs —
 * created, started, retried, completed, failed, cancelled queued and running — in the order they happened, another
 * tenant's never; filters by type and status; a client resuming with its Last-Event-ID through another replica
 * gets exactly what followed; bad filters are a 400 problem.
 */
@Tag("native")
class FeedEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static AppProcesses apps;
    private static int replicaPort;
    private static ExecutorService threads;

    @BeforeAll
    static void start() throws Exception {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        apps = new AppProcesses("feed");
        apps.start(Map.of("RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms", "RUNSTREAM_WORKER_RETRY_MAX_ATTEMPTS", "2"));
        replicaPort = apps.startApiReplica(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
        threads.shutdownNow();
    }

    @Test
    void aTenantsFeedTellsEveryLifecycleEventOfItsRunsAndResumesThroughAnotherReplica() throws Exception {
        HttpClient alice = new KeyedHttpClient(apps.plainHttp, apps.infra.createKey(apps.database, "feed-alice",
                "feed-e2e", "admin"));
        HttpClient bob = new KeyedHttpClient(apps.plainHttp, apps.infra.createKey(apps.database, "feed-bob",
                "feed-e2e", "admin"));
        SseRecorder all = follow(alice, apps.api("/api/events"), null);
        SseRecorder ends = follow(alice, apps.api("/api/events?type=completed,failed&pipeline=fail"), null);
        SseRecorder running = follow(alice, apps.api("/api/events?status=running"), null);
        SseRecorder bobs = follow(bob, apps.api("/api/events"), null);

        String echo = submit(alice, "echo", "{}");
        String retried = submit(alice, "fail", "{\"times\":1}");
        String failed = submit(alice, "fail", "{\"message\":\"no luck\"}");
        String sleeping = submit(alice, "sleep", "{\"ms\":60000}");
        String later = submit(alice, "echo", "{}", "{\"pipeline\":\"echo\",\"input\":{},\"delay\":\"PT1H\"}");
        String bobsRun = submit(bob, "echo", "{}");

        Awaitility.await().atMost(WAIT).until(() -> types(all, sleeping).contains("started"));
        assertThat(post(alice, "/api/runs/" + sleeping + "/cancel").statusCode()).isEqualTo(202);
        assertThat(post(alice, "/api/runs/" + later + "/cancel").statusCode()).isEqualTo(202);

        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            assertThat(types(all, echo)).containsExactlyInAnyOrder("created", "started", "completed");
            assertThat(types(all, retried)).containsExactlyInAnyOrder("created", "started", "retried", "started",
                    "completed");
            assertThat(types(all, failed)).containsExactlyInAnyOrder("created", "started", "retried", "started",
                    "failed");
            assertThat(types(all, sleeping)).containsExactlyInAnyOrder("created", "started", "cancelled");
            assertThat(types(all, later)).containsExactly("created", "cancelled");
        });
        // a worker's events of a run come in the order they happened (created is the api's, written once the task
        // is queued: a quick worker's start may come first)
        assertThat(types(all, retried).stream().filter(t -> !t.equals("created")).toList())
                .containsExactly("started", "retried", "started", "completed");
        JsonNode retry = data(all, retried, "retried");
        assertThat(retry.get("attempt").asInt()).isEqualTo(1);
        assertThat(retry.get("error").asText()).isEqualTo("failed on purpose");
        assertThat(retry.get("status").asText()).isEqualTo("queued");
        assertThat(retry.get("pipeline").asText()).isEqualTo("fail");
        assertThat(retry.get("queue").asText()).isNotBlank();
        assertThat(data(all, failed, "failed").get("error").asText()).isEqualTo("no luck");
        assertThat(data(all, failed, "failed").get("attempt").asInt()).isEqualTo(2);
        List<String> ids = all.events().stream().map(SseRecorder.Event::id).toList();
        assertThat(ids).doesNotHaveDuplicates().isSorted();

        // the other tenant sees its own run and nothing of alice's
        Awaitility.await().atMost(WAIT).until(() -> types(bobs, bobsRun).contains("completed"));
        assertThat(bobs.events()).allSatisfy(e -> assertThat(data(e).get("run").asText()).isEqualTo(bobsRun));
        assertThat(types(all, bobsRun)).isEmpty();

        // filters
        assertThat(ends.events()).extracting(SseRecorder.Event::type).containsExactlyInAnyOrder("completed", "failed");
        assertThat(running.events()).extracting(SseRecorder.Event::type).containsOnly("started")
                .hasSize(all.events().stream().filter(e -> e.type().equals("started")).toList().size());

        // resuming after the third event, on the other replica: exactly what followed, in order
        List<SseRecorder.Event> seen = all.events();
        SseRecorder resumed = follow(alice, URI.create("http://127.0.0.1:" + replicaPort + "/api/events"),
                seen.get(2).id());
        Awaitility.await().atMost(WAIT).until(() -> resumed.events().size() >= seen.size() - 3);
        assertThat(resumed.events()).extracting(SseRecorder.Event::id)
                .startsWith(seen.subList(3, seen.size()).stream().map(SseRecorder.Event::id).toArray(String[]::new));
        assertThat(resumed.events()).allSatisfy(e -> assertThat(data(e).get("run").asText()).isNotEqualTo(bobsRun));
    }

    @Test
    void badFiltersAndStrangersAreRefusedWithAProblem() throws Exception {
        HttpResponse<String> badType = apps.http.send(HttpRequest.newBuilder(apps.api("/api/events?type=finished"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(badType.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(badType.body()).contains("type must be among created, started");
        HttpResponse<String> none = apps.http.send(HttpRequest.newBuilder(
                apps.api("/api/events?type=completed&status=failed")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(400);
        HttpResponse<String> badId = apps.http.send(HttpRequest.newBuilder(apps.api("/api/events"))
                .header("Last-Event-ID", "yesterday").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badId.statusCode()).isEqualTo(400);
        HttpResponse<String> stranger = apps.plainHttp.send(HttpRequest.newBuilder(apps.api("/api/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stranger.statusCode()).isEqualTo(401);
    }

    private static SseRecorder follow(HttpClient http, URI uri, String lastEventId) throws Exception {
        SseRecorder recorder = SseRecorder.open(http, uri, lastEventId, threads);
        recorder.connected().get(10, TimeUnit.SECONDS);
        assertThat(recorder.status()).isEqualTo(200);
        return recorder;
    }

    private static String submit(HttpClient http, String pipeline, String input) throws Exception {
        return submit(http, pipeline, input, "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}");
    }

    private static String submit(HttpClient http, String pipeline, String input, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(apps.api("/api/runs"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(pipeline + " " + input + ": " + response.body()).isEqualTo(202);
        return RunstreamClient.read(response.body()).get("id").asText();
    }

    private static HttpResponse<String> post(HttpClient http, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(apps.api(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> types(SseRecorder recorder, String run) {
        return recorder.events().stream().filter(e -> data(e).get("run").asText().equals(run))
                .map(SseRecorder.Event::type).toList();
    }

    private static JsonNode data(SseRecorder recorder, String run, String type) {
        return recorder.events().stream().filter(e -> e.type().equals(type) && data(e).get("run").asText().equals(run))
                .map(FeedEndToEndTest::data).findFirst().orElseThrow();
    }

    private static JsonNode data(SseRecorder.Event event) {
        return RunstreamClient.read(event.data());
    }
}
