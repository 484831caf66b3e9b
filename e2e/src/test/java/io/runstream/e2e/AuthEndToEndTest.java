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

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * API keys and tenants with the packaged apps, auth on as shipped: the bootstrap command's key works, a stranger is
 * refused, a scope is enforced, one tenant never reaches another's run through any endpoint, a key revoked on one
 * replica is refused by another within seconds, and a read token streams its run's events to the end and nothing
 * else.
 */
@Tag("native")
class AuthEndToEndTest {

    private static final Duration REVOCATION_BOUND = Duration.ofSeconds(5);

    private static AppProcesses apps;
    private static int replicaPort;
    private static ExecutorService threads;

    @BeforeAll
    static void start() throws Exception {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        apps = new AppProcesses("auth");
        apps.start(Map.of("RUNSTREAM_AUTH_READ_TOKEN_TTL", "4s",
                "RUNSTREAM_LIMITS_TENANTS__THROTTLED__REQUESTS_PER_SECOND", "2",
                "RUNSTREAM_LIMITS_TENANTS__THROTTLED__BURST", "4"));
        replicaPort = apps.startApiReplica(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
        threads.shutdownNow();
    }

    /** A key made by {@code runstream-migrate create-key}, the bootstrap command, run as a process. */
    private static String createKey(String tenant, String scopes) throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("runstream.home", "..")).resolve("migrate/target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("runstream-migrate-.*\\.jar")).findFirst()
                    .orElseThrow();
        }
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "create-key", "--tenant", tenant, "--name", tenant + "-e2e", "--scopes", scopes);
        builder.environment().put("QUARKUS_DATASOURCE_REACTIVE_URL", apps.infra.reactiveUrl(apps.database));
        builder.environment().put("QUARKUS_DATASOURCE_USERNAME", apps.infra.username());
        builder.environment().put("QUARKUS_DATASOURCE_PASSWORD", apps.infra.password());
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out).matches("rsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        return out;
    }

    private static HttpResponse<String> send(String key, String method, String path, String body) throws Exception {
        return send(key, apps.apiPort, method, path, body);
    }

    private static HttpResponse<String> send(String key, int port, String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return apps.plainHttp.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String submit(String key, String pipeline, String input) throws Exception {
        HttpResponse<String> response = send(key, "POST", "/api/runs",
                "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return RunstreamClient.JSON.readTree(response.body()).get("id").asText();
    }

    @Test
    void withoutAKeyEverythingIs401AndNothingIsRecorded() throws Exception {
        HttpResponse<String> submit = send(null, "POST", "/api/runs", "{\"pipeline\":\"echo\"}");
        assertThat(submit.statusCode()).isEqualTo(401);
        assertThat(submit.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer"));
        assertThat(submit.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        for (String path : List.of("/api/runs", "/api/queues", "/api/pipelines", "/api/schedules", "/api/keys",
                "/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/events")) {
            assertThat(send(null, "GET", path, null).statusCode()).as(path).isEqualTo(401);
        }
        String admin = createKey("counting", "admin");
        JsonNode page = RunstreamClient.JSON.readTree(send(admin, "GET", "/api/runs", null).body());
        assertThat(page.get("items")).isEmpty();
    }

    /** A tenant over its request rate is told 429 and when to retry; then it may; another tenant never noticed. */
    @Test
    void aTenantOverItsRateIs429WithRetryAfter() throws Exception {
        String throttled = createKey("throttled", "runs:read,runs:write");
        String neighbour = createKey("neighbour", "runs:read");
        HttpResponse<String> refused = null;
        int admitted = 0;
        for (int i = 0; i < 50 && refused == null; i++) { // 4 at once, then 2 a second
            HttpResponse<String> r = i % 2 == 0 ? send(throttled, "GET", "/api/runs", null)
                    : send(throttled, "POST", "/api/runs", "{\"pipeline\":\"echo\",\"input\":{}}");
            if (r.statusCode() == 429) {
                refused = r;
            } else {
                assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
                admitted++;
                assertThat(send(neighbour, "GET", "/api/runs", null).statusCode()).isEqualTo(200);
            }
        }
        assertThat(refused).as("a request over the rate").isNotNull();
        assertThat(admitted).isGreaterThanOrEqualTo(4);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.body()).contains("\"status\":429", "tenant throttled");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 2L);
        assertThat(send(neighbour, "GET", "/api/runs", null).statusCode()).isEqualTo(200);
        Awaitility.await().pollDelay(Duration.ofSeconds(retryAfter)).atMost(Duration.ofSeconds(retryAfter + 3))
                .until(() -> send(throttled, "GET", "/api/runs", null).statusCode() == 200);
    }

    @Test
    void aKeyCanDoOnlyWhatItsScopesSay() throws Exception {
        String reader = createKey("scoped", "runs:read");
        String writer = createKey("scoped", "runs:write,runs:cancel");
        assertThat(send(reader, "POST", "/api/runs", "{\"pipeline\":\"echo\"}").statusCode()).isEqualTo(403);
        String run = submit(writer, "sleep", "{\"ms\":60000}");
        assertThat(send(writer, "GET", "/api/runs/" + run, null).statusCode()).isEqualTo(403);
        assertThat(send(reader, "POST", "/api/runs/" + run + "/cancel", null).statusCode()).isEqualTo(403);
        assertThat(send(reader, "GET", "/api/runs/" + run, null).statusCode()).isEqualTo(200);
        assertThat(send(writer, "POST", "/api/runs/" + run + "/cancel", null).statusCode()).isEqualTo(202);
    }

    @Test
    void anotherTenantsRunIsNotFoundOnReadListEventsAndCancel() throws Exception {
        String alice = createKey("alice", "admin");
        String bob = createKey("bob", "admin");
        String run = submit(alice, "sleep", "{\"ms\":60000}");
        assertThat(send(bob, "GET", "/api/runs/" + run, null).statusCode()).isEqualTo(404);
        assertThat(send(bob, "GET", "/api/runs/" + run + "/events", null).statusCode()).isEqualTo(404);
        assertThat(send(bob, "POST", "/api/runs/" + run + "/cancel", null).statusCode()).isEqualTo(404);
        assertThat(send(bob, "GET", "/api/runs?pipeline=sleep", null).body()).doesNotContain(run);
        assertThat(send(bob, "GET", "/api/pipelines/sleep/jobs", null).body()).doesNotContain(run);
        JsonNode mine = RunstreamClient.JSON.readTree(send(alice, "GET", "/api/runs/" + run, null).body());
        assertThat(mine.get("status").asText()).isIn("queued", "running");
        assertThat(send(alice, "GET", "/api/runs?pipeline=sleep", null).body()).contains(run);
        assertThat(send(alice, "POST", "/api/runs/" + run + "/cancel", null).statusCode()).isEqualTo(202);
    }

    @Test
    void aKeyRevokedOnOneReplicaIsRefusedByAnotherWithinSeconds() throws Exception {
        String admin = createKey("rotating", "admin");
        HttpResponse<String> made = send(admin, "POST", "/api/keys",
                "{\"name\":\"to-revoke\",\"scopes\":[\"runs:read\"]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        JsonNode body = RunstreamClient.JSON.readTree(made.body());
        String key = body.get("key").asText();
        assertThat(send(key, replicaPort, "GET", "/api/runs", null).statusCode()).isEqualTo(200); // cached there
        HttpResponse<String> revoked = send(admin, "DELETE", "/api/keys/" + body.get("about").get("id").asText(), null);
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        long at = System.nanoTime();
        Awaitility.await().atMost(REVOCATION_BOUND).pollInterval(Duration.ofMillis(100)).until(() ->
                send(key, replicaPort, "GET", "/api/runs", null).statusCode() == 401);
        System.out.printf("revoked key refused by the second replica after %d ms%n",
                (System.nanoTime() - at) / 1_000_000);
        assertThat(send(key, "GET", "/api/runs", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aReadTokenStreamsItsRunToTheEndAndNothingElseAndExpires() throws Exception {
        String alice = createKey("readers", "runs:write,runs:read");
        String run = submit(alice, "generate", "{\"chunks\":10,\"delayMs\":100}");
        String other = submit(alice, "echo", "{}");
        HttpResponse<String> issued = send(alice, "POST", "/api/runs/" + run + "/tokens", null);
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        String events = RunstreamClient.JSON.readTree(issued.body()).get("events").asText();
        String token = RunstreamClient.JSON.readTree(issued.body()).get("token").asText();
        // what a browser's EventSource does: no header, the token in the URL
        SseRecorder follower = SseRecorder.open(apps.plainHttp, apps.api(events), null, threads);
        assertThat(follower.closed().get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(follower.events()).extracting(SseRecorder.Event::type).contains("end");
        assertThat(send(null, "GET", "/api/runs/" + other + "/events?token=" + token, null).statusCode())
                .isEqualTo(401);
        assertThat(send(null, "GET", "/api/runs/" + run + "?token=" + token, null).statusCode()).isEqualTo(401);
        assertThat(send(token, "GET", "/api/runs/" + run, null).statusCode()).isEqualTo(401);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                send(null, "GET", events, null).statusCode() == 401);
    }

    @Test
    void theKeyOfTheTestsAdminSeesOnlyItsTenant() throws Exception {
        String other = createKey("elsewhere", "admin");
        String run = submit(other, "echo", "{}");
        HttpClient keyed = new KeyedHttpClient(apps.plainHttp, apps.adminKey);
        HttpResponse<String> read = keyed.send(HttpRequest.newBuilder(apps.api("/api/runs/" + run)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(404);
    }
}
