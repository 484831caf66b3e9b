package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntry;
import redis.clients.jedis.StreamEntryID;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 2000 runs across 3 workers while one worker after another is killed with SIGKILL and restarted: every run ends
 * completed, none is recorded twice, none is lost.
 */
class ChaosEndToEndTest {

    private static final int RUNS = Integer.getInteger("runstream.e2e.chaos-runs", 2000);
    private static final Duration KILL_EVERY = Duration.ofSeconds(2);

    private AppProcesses apps;

    @AfterEach
    void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void everyRunCompletesOnceWhileWorkersAreKilledAndRestarted() throws Exception {
        Map<String, String> env = WorkerCrashEndToEndTest.FAST_RECLAIM;
        apps = new AppProcesses("chaos").start(env);
        apps.startWorker(env);
        apps.startWorker(env);
        RunstreamClient client = new RunstreamClient(apps);

        AtomicInteger kills = new AtomicInteger();
        ScheduledExecutorService chaos = Executors.newSingleThreadScheduledExecutor();
        chaos.scheduleWithFixedDelay(() -> {
            int victim = kills.get() % 3;
            try {
                apps.killWorker(victim);
                kills.incrementAndGet();
                apps.restartWorker(victim, env);
            } catch (Exception | AssertionError e) {
                System.err.println("chaos: restart of worker " + victim + " failed: " + e);
            }
        }, KILL_EVERY.toMillis(), KILL_EVERY.toMillis(), TimeUnit.MILLISECONDS);

        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService submitters = Executors.newFixedThreadPool(8)) {
            List<Future<String>> submitted = IntStream.range(0, RUNS)
                    .mapToObj(i -> submitters.submit(() -> client.submit("sleep", "{\"ms\":1000}"))).toList();
            for (Future<String> id : submitted) {
                ids.add(id.get());
            }
        }
        long started = System.currentTimeMillis();
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> client.list("sleep", "completed").size() == RUNS);
        } finally {
            chaos.shutdownNow();
            chaos.awaitTermination(30, TimeUnit.SECONDS);
        }
        long took = System.currentTimeMillis() - started;

        List<JsonNode> completed = client.list("sleep", "completed");
        assertThat(completed).extracting(r -> r.get("id").asText()).containsExactlyInAnyOrderElementsOf(ids);
        for (String status : List.of("queued", "running", "failed", "cancelled")) {
            assertThat(client.list("sleep", status)).as(status + " runs").isEmpty();
        }
        Stats stats = stats(ids);
        assertThat(stats.duplicates).as("runs with more than one result event").isZero();
        assertThat(kills.get()).as("kills").isGreaterThanOrEqualTo(1);
        System.out.printf("chaos runs=%d workers=3 kills=%d reclaimed_runs=%d max_recovery_ms=%d duplicates=%d "
                        + "lost=%d completion_after_submit_ms=%d%n", RUNS, kills.get(), stats.reclaimed,
                stats.maxRecoveryMillis, stats.duplicates, RUNS - completed.size(), took);
    }

    private record Stats(long duplicates, long reclaimed, long maxRecoveryMillis) {
    }

    /**
     * From the runs' event streams: runs with other than one {@code result}; runs that needed more than one
     * attempt; and the longest gap between an attempt's last event and the next attempt's start.
     */
    private Stats stats(List<String> ids) {
        try (Jedis jedis = new Jedis(URI.create(apps.infra.redisUri()))) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<List<StreamEntry>>> streams = ids.stream().map(id -> pipeline.xrange(
                    apps.keyPrefix + ":{run:" + id + "}:events", (StreamEntryID) null, (StreamEntryID) null,
                    Integer.MAX_VALUE)).toList();
            pipeline.sync();
            long duplicates = 0;
            long reclaimed = 0;
            long maxRecovery = 0;
            for (Response<List<StreamEntry>> stream : streams) {
                List<StreamEntry> events = stream.get();
                long results = events.stream().filter(e -> "result".equals(e.getFields().get("type"))).count();
                if (results != 1) {
                    duplicates++;
                }
                String previousAttempt = null;
                long previousTime = 0;
                boolean again = false;
                for (StreamEntry event : events) {
                    String attempt = event.getFields().get("attempt");
                    long time = event.getID().getTime();
                    if (previousAttempt != null && !attempt.equals(previousAttempt)) {
                        again = true;
                        maxRecovery = Math.max(maxRecovery, time - previousTime);
                    }
                    previousAttempt = attempt;
                    previousTime = time;
                }
                if (again) {
                    reclaimed++;
                }
            }
            return new Stats(duplicates, reclaimed, maxRecovery);
        }
    }
}
