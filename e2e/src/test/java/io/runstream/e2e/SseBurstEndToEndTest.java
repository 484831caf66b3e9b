package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import io.runstream.local.SseRecorder;
import io.runstream.local.SseRecorder.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bursts of SSE clients that connect to one run at the same moment, each on a connection of its own (HTTP/1.1, so
 * the api spreads them over its event loops), round after round on a freshly started packaged api: every client
 * must end with every event exactly once and in order, and the api must answer {@code /q/health/live} throughout.
 * These are the shapes that deadlocked the api (clients of an ended run: the terminal event's {@code end()} ran the
 * close handler while the run's lock was held) and stranded clients (a live run: the close handler changed the
 * client list that delivery was iterating).
 */
class SseBurstEndToEndTest {

    private static final int ROUNDS = Integer.getInteger("runstream.e2e.burst-rounds", 20);
    private static final Duration ROUND_DEADLINE = Duration.ofSeconds(30);

    private AppProcesses apps;
    private RunstreamClient api;
    private ExecutorService threads;
    /** Every client on a TCP connection of its own: HTTP/2 would put them all on one connection, one event loop. */
    private HttpClient http1;
    private HealthProbe health;

    @BeforeEach
    void start(TestInfo test) throws Exception {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        apps = new AppProcesses("sse-burst-" + test.getTestMethod().orElseThrow().getName()).start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "4"));
        http1 = new io.runstream.local.KeyedHttpClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(threads).connectTimeout(Duration.ofSeconds(5)).build(), apps.adminKey);
        api = new RunstreamClient(apps);
        health = new HealthProbe();
        threads.execute(health);
    }

    @AfterEach
    void stop() throws Exception {
        if (health != null) {
            health.stopped = true;
        }
        threads.shutdownNow();
        http1.shutdownNow();
        if (apps != null) {
            apps.close();
        }
    }

    @Test
    void burstsOfClientsOfAnEndedRunEachGetTheWholeRunAndTheApiStaysLive() {
        int clients = 30;
        for (int round = 0; round < ROUNDS; round++) {
            String id = api.submit("echo", "{\"round\":" + round + "}");
            await().atMost(ROUND_DEADLINE).until(() -> api.status(id).equals("completed"));

            List<SseRecorder> burst = burst(id, clients);
            awaitAllClosed(burst, "round " + round + " (ended run " + id + ")");
            for (SseRecorder client : burst) {
                assertThat(client.status()).isEqualTo(200);
                assertThat(client.events()).extracting(Event::type)
                        .as("round %d, run %s", round, id).containsExactly("status", "result", "status", "end");
                assertThat(client.events().getLast().data()).contains("\"completed\"");
            }
        }
        assertThat(health.failures).as("/q/health/live answered within 5 s throughout").isEmpty();
        assertThat(health.answered).isPositive();
    }

    @Test
    void burstsOfClientsOfALiveRunEachGetEveryEventOnceAndInOrder() {
        int clients = 50;
        int chunks = 100;
        for (int round = 0; round < Math.max(1, ROUNDS / 2); round++) {
            String id = api.submit("generate", "{\"chunks\":" + chunks + ",\"delayMs\":5}");
            List<SseRecorder> burst = burst(id, clients);
            awaitAllClosed(burst, "round " + round + " (live run " + id + ")");
            for (SseRecorder client : burst) {
                assertThat(client.status()).isEqualTo(200);
                List<Event> events = client.events();
                assertThat(events.stream().filter(e -> e.type().equals("output"))
                        .map(e -> RunstreamClient.read(e.data()).get("chunk").asText()).toList())
                        .as("round %d, run %s: every chunk once, in order", round, id)
                        .containsExactlyElementsOf(IntStream.range(0, chunks).mapToObj(i -> "token-" + i + " ").toList());
                assertThat(events.getLast().type()).isEqualTo("end");
                assertThat(events.getLast().data()).contains("\"completed\"");
            }
        }
        assertThat(health.failures).as("/q/health/live answered within 5 s throughout").isEmpty();
        assertThat(health.answered).isPositive();
    }

    /** Opens {@code n} clients of run {@code id} from the start, all released at once. */
    private List<SseRecorder> burst(String id, int n) {
        List<SseRecorder> clients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            clients.add(SseRecorder.open(http1, apps.api("/api/runs/" + id + "/events"), null, threads));
        }
        return clients;
    }

    private void awaitAllClosed(List<SseRecorder> clients, String what) {
        await().atMost(ROUND_DEADLINE).alias(what + ": every client's stream ended, or the api stopped answering")
                .until(() -> !health.failures.isEmpty() || clients.stream().allMatch(c -> c.closed().isDone()));
        assertThat(health.failures).as(what + ": /q/health/live answered within 5 s").isEmpty();
        assertThat(clients).allSatisfy(c -> assertThat(c.closed()).isCompleted().isNotCompletedExceptionally());
    }

    /** Asks {@code /q/health/live} over and over while the bursts run; records what did not answer in 5 s. */
    private final class HealthProbe implements Runnable {
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        volatile int answered;
        volatile boolean stopped;

        @Override
        public void run() {
            HttpRequest live = HttpRequest.newBuilder(apps.apiManagement("/q/health/live")).timeout(Duration.ofSeconds(5)).build();
            while (!stopped) {
                try {
                    int status = http1.send(live, HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 200) {
                        failures.add("status " + status);
                    }
                    answered++;
                    await().pollDelay(Duration.ofMillis(100)).until(() -> true);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    if (!stopped) {
                        failures.add(e.toString());
                    }
                }
            }
        }
    }
}
