package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
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

    /**
     * Priorities with the packaged apps: under a steady flood of fresh priority-1 runs, a priority-4 run waits while
     * it is young and goes ahead of the flood once it has aged (RUNSTREAM_WORKER_PRIORITY_AGING=1s: some 4 s).
     */
    @Test
    void aLowPriorityRunWaitsBehindHigherOnesButIsNotStarved() throws Exception {
        apps = new AppProcesses("priorities").start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "1",
                "RUNSTREAM_WORKER_PRIORITY_AGING", "1s"));
        RunstreamClient client = new RunstreamClient(apps);
        String flood = "{\"pipeline\":\"sleep\",\"priority\":1,\"input\":{\"ms\":20}}";
        String batch = "{\"runs\":[" + String.join(",", Collections.nCopies(20, flood)) + "]}";
        assertThat(client.post("/api/runs/batch", batch).statusCode()).isEqualTo(202);
        String low = RunstreamClient.read(client.post("/api/runs",
                "{\"pipeline\":\"sleep\",\"priority\":4,\"input\":{\"ms\":1}}").body()).get("id").asText();
        // keep the flood coming: whenever fewer than 10 priority-1 runs wait, 20 more (400 ms of work)
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!client.status(low).equals("completed")) {
            assertThat(System.nanoTime()).as("the low run completes under the flood").isLessThan(deadline);
            await().atMost(WAIT).until(() -> client.status(low).equals("completed")
                    || client.list("sleep", "queued").size() < 11);
            assertThat(client.post("/api/runs/batch", batch).statusCode()).isEqualTo(202);
        }
        JsonNode run = client.run(low);
        Instant created = Instant.parse(run.get("createdAt").asText());
        Instant started = Instant.parse(run.get("startedAt").asText());
        assertThat(Duration.between(created, started)).as("the low run waited behind the flood while it was young")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(20));
        assertThat(client.list("sleep", "queued")).as("priority-1 runs it went ahead of").isNotEmpty()
                .allMatch(queued -> queued.get("priority").asInt() == 1);
    }

    private static JsonNode queue(RunstreamClient client, String name) {
        return StreamSupport.stream(client.get("/api/queues").spliterator(), false)
                .filter(q -> q.get("name").asText().equals(name)).findFirst().orElseThrow();
    }
}
