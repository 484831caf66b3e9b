package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Queues with the packaged apps: a worker reads only the queues it is told to, the api accepts a run only on a
 * queue where its pipeline is served, and a queue whose workers all stopped shows it while its runs wait.
 */
@Tag(AppProcesses.NATIVE_TAG)
class QueuesEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<String, String> DEFAULT_ONLY = Map.of("RUNSTREAM_WORKER_QUEUES", "default");
    private static final Map<String, String> VERIFICATION = Map.of("RUNSTREAM_WORKER_QUEUES", "verification");

    private AppProcesses apps;

    @AfterEach
    void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void aRunOnASecondQueueIsServedOnlyByAWorkerOfThatQueue() throws Exception {
        apps = new AppProcesses("queues").start(DEFAULT_ONLY);
        RunstreamClient client = new RunstreamClient(apps);

        // no worker reads verification yet: refused, naming where echo is served
        HttpResponse<String> refused = client.submitTo("verification", "echo", "1");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(RunstreamClient.read(refused.body()).get("detail").asText())
                .isEqualTo("pipeline 'echo' is not served on queue 'verification'; it is served on: default");

        int verifier = apps.startWorker(VERIFICATION);
        String first = await().atMost(WAIT).until(() -> client.submitTo("verification", "echo", "{\"n\":1}"),
                response -> response.statusCode() == 202).body();
        String id = RunstreamClient.read(first).get("id").asText();
        await().atMost(WAIT).until(() -> client.status(id).equals("completed"));
        assertThat(client.run(id).get("queue").asText()).isEqualTo("verification");
        assertThat(client.run(id).get("result")).isEqualTo(RunstreamClient.read("{\"n\":1}"));

        // the verification worker stops: a run there waits, and the queue shows nobody serves it, while the
        // default queue's worker goes on with its own
        apps.terminateWorker(verifier);
        HttpResponse<String> accepted = client.submitTo("verification", "echo", "2");
        assertThat(accepted.statusCode()).as("a known queue still accepts runs: " + accepted.body()).isEqualTo(202);
        String waiting = RunstreamClient.read(accepted.body()).get("id").asText();
        String elsewhere = client.submit("echo", "3");
        await().atMost(WAIT).until(() -> client.status(elsewhere).equals("completed"));
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode verification = queue(client, "verification");
            assertThat(verification.get("workers").asInt()).isZero();
            assertThat(verification.get("lag").asLong()).isEqualTo(1);
        });
        assertThat(queue(client, "default").get("workers").asInt()).isEqualTo(1);
        assertThat(client.status(waiting)).isEqualTo("queued");

        apps.restartWorker(verifier, VERIFICATION);
        await().atMost(WAIT).until(() -> client.status(waiting).equals("completed"));
    }

    private static JsonNode queue(RunstreamClient client, String name) {
        return StreamSupport.stream(client.get("/api/queues").spliterator(), false)
                .filter(q -> q.get("name").asText().equals(name)).findFirst().orElseThrow();
    }
}
