package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-pipeline limits across three packaged workers, one of them killed while it runs: {@code sleep} at most 2 at
 * once, {@code echo} at most 5 starts per second; runs over a limit wait and all complete.
 */
@Tag(AppProcesses.NATIVE_TAG)
class LimitsEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private AppProcesses apps;

    @AfterEach
    void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void concurrencyAndRateLimitsHoldAcrossThreeWorkersWithOneKilled() throws Exception {
        Map<String, String> env = new HashMap<>(WorkerCrashEndToEndTest.FAST_RECLAIM);
        env.putAll(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "4", "RUNSTREAM_PIPELINES__SLEEP__MAX_CONCURRENCY", "2",
                "RUNSTREAM_PIPELINES__ECHO__RATE_LIMIT", "5/1s", "RUNSTREAM_WORKER_LIMIT_LEASE", "2s"));
        apps = new AppProcesses("limits").start(env);
        apps.startWorker(env);
        apps.startWorker(env);
        RunstreamClient client = new RunstreamClient(apps);

        List<String> sleeps = IntStream.range(0, 12).mapToObj(i -> client.submit("sleep", "{\"ms\":600}")).toList();
        await().atMost(WAIT).until(() -> !client.list("sleep", "running").isEmpty());
        apps.killWorker(0);
        await().atMost(WAIT).untilAsserted(() -> assertThat(queue(client).get("waitingOnLimit").asLong()).isPositive());
        await().atMost(WAIT).until(() -> sleeps.stream().allMatch(id -> client.status(id).equals("completed")));
        List<Instant[]> intervals = new ArrayList<>();
        for (String id : sleeps) {
            JsonNode run = client.run(id);
            intervals.add(new Instant[] {Instant.parse(run.get("startedAt").asText()),
                    Instant.parse(run.get("completedAt").asText())});
        }
        assertThat(maxOverlap(intervals)).as("sleep runs at once: %s", intervals.stream()
                .map(i -> i[0] + ".." + i[1]).sorted().toList()).isLessThanOrEqualTo(2);

        List<String> echoes = IntStream.range(0, 15).mapToObj(i -> client.submit("echo", Integer.toString(i))).toList();
        await().atMost(WAIT).until(() -> echoes.stream().allMatch(id -> client.status(id).equals("completed")));
        List<Instant> starts = echoes.stream().map(id -> Instant.parse(client.run(id).get("startedAt").asText()))
                .sorted().toList();
        // a bucket of 5, refilled at 5 per second: 5 at once, then 10 over 2 s
        assertThat(Duration.between(starts.getFirst(), starts.getLast())).isGreaterThanOrEqualTo(Duration.ofMillis(1_700));
        for (Instant start : starts) {
            assertThat(starts.stream().filter(s -> !s.isBefore(start) && s.isBefore(start.plusSeconds(1))).count())
                    .as("starts in the second from %s", start).isLessThanOrEqualTo(10);
        }
    }

    private static int maxOverlap(List<Instant[]> intervals) {
        int max = 0;
        for (Instant[] a : intervals) {
            int at = (int) intervals.stream().filter(b -> !b[0].isAfter(a[0]) && b[1].isAfter(a[0])).count();
            max = Math.max(max, at);
        }
        return max;
    }

    private static JsonNode queue(RunstreamClient client) {
        for (JsonNode q : client.get("/api/queues")) {
            if (q.get("name").asText().equals("default")) {
                return q;
            }
        }
        throw new AssertionError("no default queue");
    }
}
