package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What users send and get is not in the apps' logs at their shipped level (INFO): no run's input or result, no API
 * key (made at start, made through /api/keys, presented and refused), no PostgreSQL password — through runs that
 * complete, stream, retry, fail for good and are cancelled, with and without a key.
 */
class LogHygieneEndToEndTest {

    private static final String MARK = "hygiene-" + Long.toHexString(System.nanoTime());

    private static AppProcesses apps;
    private static RunstreamClient client;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("log-hygiene").start(Map.of("RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms"));
        client = new RunstreamClient(apps);
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void noInputResultOrKeyIsLogged() throws Exception {
        String echo = client.submit("echo", "{\"secret\":\"" + MARK + "-echo\"}");
        String generated = client.submit("generate", "{\"chunks\":5,\"delayMs\":1,\"prefix\":\"" + MARK + "-gen\"}");
        String failing = client.submit("fail", "{\"times\":1,\"secret\":\"" + MARK + "-fail\"}");
        String sleeping = client.submit("sleep", "{\"ms\":60000,\"secret\":\"" + MARK + "-sleep\"}");
        HttpResponse<String> batch = client.post("/api/runs/batch",
                "{\"runs\":[{\"pipeline\":\"echo\",\"input\":{\"secret\":\"" + MARK + "-batch\"}}]}");
        assertThat(batch.statusCode()).isEqualTo(202);
        HttpResponse<String> made = client.post("/api/keys", "{\"name\":\"hygiene\",\"scopes\":[\"runs:read\"]}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String newKey = RunstreamClient.read(made.body()).get("key").asText();
        HttpResponse<String> bad = client.post("/api/runs", "{\"pipeline\":\"echo\",\"input\":{\"secret\":\"" + MARK
                + "-refused\"},\"unknown\":1}");
        assertThat(bad.statusCode()).isEqualTo(400);
        String forged = newKey.substring(0, newKey.length() - 4) + "AAAA";
        assertThat(apps.plainHttp.send(HttpRequest.newBuilder(apps.api("/api/runs"))
                .header("Authorization", "Bearer " + forged).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.status(sleeping).equals("running"));
        assertThat(client.post("/api/runs/" + sleeping + "/cancel", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(echo, generated, failing).stream()
                .allMatch(id -> client.status(id).equals("completed")) && client.status(sleeping).equals("cancelled"));
        assertThat(client.run(echo).toString()).contains(MARK); // the marks did reach the apps

        for (String app : List.of("api", "worker")) {
            String log = Files.readString(apps.log(app));
            assertThat(log).as(app + " log").doesNotContain(MARK).doesNotContain(apps.adminKey)
                    .doesNotContain(newKey).doesNotContain(forged);
            // rsk_<prefix>_<secret>: the secret is what follows the second '_' (it may contain '_' itself: after
            // the last one there can be a single character, which any log contains)
            String secretOfKey = apps.adminKey.substring(apps.adminKey.indexOf('_', "rsk_".length()) + 1);
            assertThat(secretOfKey).hasSize(43);
            assertThat(log).as(app + " log").doesNotContain(secretOfKey);
            if (!apps.infra.password().isEmpty()) {
                assertThat(log).as(app + " log").doesNotContain(apps.infra.password());
            }
        }
    }
}
