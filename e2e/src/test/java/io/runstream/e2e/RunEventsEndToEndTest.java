package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runstream.local.SseRecorder;
import io.runstream.local.SseRecorder.Event;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs' output as Server-Sent Events, through the packaged api and worker: order, completeness and exactly-once
 * delivery for one and for many clients, resume, gaps, late subscribers, api restarts, and cancellation.
 */
@Tag(AppProcesses.NATIVE_TAG)
class RunEventsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Clients of the fan-out test; the bar is 500. */
    private static final int FANOUT_CLIENTS = Integer.getInteger("runstream.e2e.fanout-clients", 500);
    private static final Map<String, String> ENV = Map.of("RUNSTREAM_WORKER_CONCURRENCY", "2");

    private static AppProcesses apps;
    private static ExecutorService threads;

    @BeforeAll
    static void start() throws IOException {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        apps = new AppProcesses("run-events").start(ENV);
    }

    @AfterAll
    static void stop() throws Exception {
        threads.shutdownNow();
        if (apps != null) {
            apps.stop();
            apps.close();
        }
    }

    @Test
    void oneClientGetsEveryOutputInOrderThenResultAndEnd() throws Exception {
        String id = submit("generate", "{\"chunks\":200,\"delayMs\":5}");
        SseRecorder client = follow(id, null);

        assertThat(client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertCompleteGenerate(client.events(), 200);
    }

    @Test
    void manyClientsOfOneRunEachGetEveryEventExactlyOnce() throws Exception {
        // two long sleeps keep the worker busy, so every client is connected before the run produces anything and
        // the latencies below are those of live delivery, not of catching up
        List<String> blockers = occupyTheWorker();
        String id = submit("generate", "{\"chunks\":200,\"delayMs\":10}");
        List<SseRecorder> clients = IntStream.range(0, FANOUT_CLIENTS).mapToObj(i -> follow(id, null)).toList();
        for (SseRecorder client : clients) {
            client.connected().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        long idleRss = apps.apiRssMib();
        for (String blocker : blockers) {
            assertThat(post("/api/runs/" + blocker + "/cancel", "").statusCode()).isEqualTo(202);
        }
        long peakRss = 0;
        while (!clients.stream().allMatch(c -> c.closed().isDone())) {
            peakRss = Math.max(peakRss, apps.apiRssMib());
            await().pollDelay(Duration.ofMillis(100)).atMost(WAIT).until(() -> true);
        }
        List<Long> latencies = new ArrayList<>();
        for (SseRecorder client : clients) {
            assertThat(client.closed().get()).isEqualTo(200);
            assertCompleteGenerate(client.events(), 200);
            client.events().stream().filter(e -> e.type().equals("output"))
                    .forEach(e -> latencies.add(e.receivedAtMillis() - e.writtenAtMillis()));
        }
        latencies.sort(Long::compare);
        System.out.printf("fanout clients=%d events_per_client=%d delivered=%d latency_p50_ms=%d latency_p99_ms=%d "
                        + "latency_max_ms=%d api_rss_connected_mib=%d api_rss_peak_mib=%d%n", FANOUT_CLIENTS,
                clients.getFirst().events().size(), latencies.size(), percentile(latencies, 50),
                percentile(latencies, 99), latencies.getLast(), idleRss, peakRss);
    }

    @Test
    void resumeFromTheMiddleGetsExactlyTheRest() throws Exception {
        String id = submit("generate", "{\"chunks\":60,\"delayMs\":1}");
        List<Event> all = readToTheEnd(id);
        String middle = all.get(30).id();

        SseRecorder resumed = follow(id, middle);
        resumed.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(resumed.events()).extracting(Event::id).containsExactlyElementsOf(ids(all.subList(31, all.size())));

        SseRecorder byQuery = SseRecorder.open(apps.http, apps.api("/api/runs/" + id + "/events?lastEventId=" + middle),
                null, threads);
        byQuery.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(byQuery.events()).extracting(Event::id).containsExactlyElementsOf(ids(all.subList(31, all.size())));
    }

    @Test
    void resumeAfterTheApiIsKilledAndRestartedGetsExactlyTheRest() throws Exception {
        String id = submit("generate", "{\"chunks\":200,\"delayMs\":30}");
        SseRecorder before = follow(id, null);
        await().atMost(WAIT).until(() -> before.events().stream().filter(e -> e.type().equals("output")).count() >= 30);

        apps.killApi();
        await().atMost(WAIT).until(() -> before.closed().isDone());
        List<Event> first = before.events();
        apps.startApi(ENV);
        SseRecorder after = follow(id, first.getLast().id());
        assertThat(after.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);

        List<Event> joined = new ArrayList<>(first);
        joined.addAll(after.events());
        assertCompleteGenerate(joined, 200);
    }

    @Test
    void lastEventIdOlderThanWhatIsRetainedGetsAGapThenTheRest() throws Exception {
        String id = submit("generate", "{\"chunks\":100,\"delayMs\":0}");
        List<Event> all = readToTheEnd(id);
        // what MAXLEN does to a long stream: the oldest entries go
        apps.infra.redisCommand("XTRIM", apps.keyPrefix + ":{run:" + id + "}:events", "MAXLEN", "10");

        SseRecorder resumed = follow(id, all.get(5).id());
        resumed.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        List<Event> events = resumed.events();
        assertThat(events.getFirst().type()).isEqualTo("gap");
        JsonNode snapshot = JSON.readTree(events.getFirst().data()).get("snapshot");
        assertThat(snapshot.get("id").asText()).isEqualTo(id);
        assertThat(snapshot.get("status").asText()).isEqualTo("completed");
        List<Event> retained = events.subList(1, events.size());
        // the last 10 stream entries, then end
        assertThat(retained).extracting(Event::id)
                .containsExactlyElementsOf(ids(all.subList(all.size() - 11, all.size())));
        assertThat(retained.getLast().type()).isEqualTo("end");
    }

    @Test
    void aRetriedRunTellsItsClientsWithResetWhenItsNextAttemptStartsOver() throws Exception {
        String id = submit("fail", "{\"times\":1,\"message\":\"flaky\"}");
        SseRecorder client = follow(id, null);

        assertThat(client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(client.events()).extracting(Event::type)
                .containsExactly("status", "error", "status", "reset", "status", "result", "status", "end");
        assertThat(JSON.readTree(client.events().get(3).data()).get("attempt").asInt()).isEqualTo(2);
        assertThat(JSON.readTree(client.events().get(4).data()).get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void lateSubscriberToAFinishedRunGetsTheReplayAndEnd() throws Exception {
        String id = submit("generate", "{\"chunks\":20,\"delayMs\":0}");
        await().atMost(WAIT).until(() -> status(id).equals("completed"));

        SseRecorder late = follow(id, null);
        assertThat(late.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertCompleteGenerate(late.events(), 20);
    }

    @Test
    void expiredStreamGetsTheFinalRunAsEnd() throws Exception {
        String id = submit("echo", "{\"x\":1}");
        await().atMost(WAIT).until(() -> status(id).equals("completed"));
        await().atMost(WAIT).until(() -> apps.infra.redisCommand("TTL", apps.keyPrefix + ":{run:" + id + "}:events")
                .startsWith(":8")); // the terminal events are written: the stream has its time to live
        apps.infra.redisCommand("DEL", apps.keyPrefix + ":{run:" + id + "}:events");

        SseRecorder late = follow(id, null);
        late.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(late.events()).extracting(Event::type).containsExactly("end");
        JsonNode end = JSON.readTree(late.events().getFirst().data());
        assertThat(end.get("status").asText()).isEqualTo("completed");
        assertThat(end.get("result")).isEqualTo(JSON.readTree("{\"x\":1}"));
    }

    @Test
    void unknownRunIs404Problem() throws Exception {
        HttpResponse<String> response = apps.http.send(HttpRequest.newBuilder(
                apps.api("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/events")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).get("detail").asText())
                .isEqualTo("run 01a205d1-c2a0-7403-b95c-93eac94c0c24 does not exist");
    }

    @Test
    void cancelStopsARunningRunAndNeverStartsAQueuedOne() throws Exception {
        List<String> blockers = occupyTheWorker();
        String first = blockers.get(0);
        String second = blockers.get(1);
        String queued = submit("echo", "{}");
        SseRecorder queuedEvents = follow(queued, null);

        HttpResponse<String> cancelQueued = post("/api/runs/" + queued + "/cancel", "");
        assertThat(cancelQueued.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(cancelQueued.body()).get("status").asText()).isEqualTo("cancelled");
        queuedEvents.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(queuedEvents.events()).extracting(Event::type).containsExactly("status", "end");
        assertThat(queuedEvents.events().getFirst().data()).contains("\"cancelled\"");

        SseRecorder firstEvents = follow(first, null);
        Instant asked = Instant.now();
        HttpResponse<String> cancelRunning = post("/api/runs/" + first + "/cancel", "");
        assertThat(cancelRunning.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> status(first).equals("cancelled"));
        JsonNode cancelled = get("/api/runs/" + first);
        Duration took = Duration.between(asked, Instant.parse(cancelled.get("completedAt").asText()));
        System.out.printf("cancel running sleep: cancelled %d ms after the request%n", took.toMillis());
        firstEvents.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(firstEvents.events()).extracting(Event::type).containsExactly("status", "status", "end");
        assertThat(firstEvents.events().get(1).data()).contains("\"cancelled\"");

        assertThat(post("/api/runs/" + first + "/cancel", "").statusCode()).isEqualTo(409);
        assertThat(post("/api/runs/" + second + "/cancel", "").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> status(second).equals("cancelled"));

        // the queued run's task is delivered now that the worker is free, and it is not executed
        String after = submit("echo", "{}");
        await().atMost(WAIT).until(() -> status(after).equals("completed"));
        JsonNode neverRan = get("/api/runs/" + queued);
        assertThat(neverRan.get("status").asText()).isEqualTo("cancelled");
        assertThat(neverRan.get("attempt").asInt()).isZero();
        assertThat(neverRan.get("startedAt").isNull()).isTrue();
    }

    /** Starts two long sleeps: the worker runs two at once, so what is submitted next stays queued. */
    private List<String> occupyTheWorker() throws IOException, InterruptedException {
        List<String> sleeps = List.of(submit("sleep", "{\"ms\":60000}"), submit("sleep", "{\"ms\":60000}"));
        await().atMost(WAIT).until(() -> sleeps.stream().allMatch(id -> status(id).equals("running")));
        return sleeps;
    }

    private String status(String id) {
        try {
            return get("/api/runs/" + id).get("status").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void assertCompleteGenerate(List<Event> events, int chunks) throws IOException {
        assertThat(ids(events.stream().filter(e -> e.id() != null && !e.type().equals("end")).toList()))
                .as("ids strictly increasing, none twice")
                .isSortedAccordingTo(RunEventsEndToEndTest::compareIds).doesNotHaveDuplicates();
        List<String> chunksReceived = new ArrayList<>();
        for (Event e : events) {
            if (e.type().equals("output")) {
                chunksReceived.add(JSON.readTree(e.data()).get("chunk").asText());
            }
        }
        assertThat(chunksReceived).containsExactlyElementsOf(
                IntStream.range(0, chunks).mapToObj(i -> "token-" + i + " ").toList());
        List<String> types = events.stream().map(Event::type).toList();
        assertThat(types.getFirst()).isEqualTo("status");
        assertThat(types.subList(types.size() - 3, types.size())).containsExactly("result", "status", "end");
        assertThat(JSON.readTree(events.getLast().data()).get("status").asText()).isEqualTo("completed");
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(Event::id).toList();
    }

    private static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int c = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return c != 0 ? c : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** Follows run {@code id} from the start until the server closes the stream. */
    private List<Event> readToTheEnd(String id) throws Exception {
        SseRecorder client = follow(id, null);
        client.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return client.events();
    }

    private SseRecorder follow(String id, String lastEventId) {
        return SseRecorder.open(apps.http, apps.api("/api/runs/" + id + "/events"), lastEventId, threads);
    }

    private String submit(String pipeline, String input) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/api/runs", "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("id").asText();
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(apps.api(path));
        if (!body.isEmpty()) {
            request.header("content-type", "application/json");
        }
        return apps.http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(apps.http.send(HttpRequest.newBuilder(apps.api(path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
