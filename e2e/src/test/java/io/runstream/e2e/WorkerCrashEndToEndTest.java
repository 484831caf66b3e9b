package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Workers that die or are stopped mid-run: their runs complete elsewhere, each with one recorded outcome. */
@Tag(AppProcesses.NATIVE_TAG)
class WorkerCrashEndToEndTest {

    /** A dead worker's tasks are reclaimed 2 s after its last heartbeat. */
    static final Map<String, String> FAST_RECLAIM = Map.of(
            "RUNSTREAM_WORKER_CONCURRENCY", "20",
            "MP_MESSAGING_INCOMING_TASKS_VISIBILITY_TIMEOUT_MS", "2000",
            "MP_MESSAGING_INCOMING_TASKS_RECLAIM_INTERVAL_MS", "250",
            "MP_MESSAGING_INCOMING_TASKS_HEARTBEAT_INTERVAL_MS", "500",
            "RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private AppProcesses apps;
    private RunstreamClient client;

    @BeforeEach
    void start() throws Exception {
        apps = new AppProcesses("worker-crash").start(FAST_RECLAIM);
        client = new RunstreamClient(apps);
    }

    @AfterEach
    void stop() throws Exception {
        apps.stop();
        apps.close();
    }

    @Test
    void runsOfAKilledWorkerCompleteOnAnotherEachWithOneResult() throws Exception {
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> client.submit("sleep", "{\"ms\":3000}")).toList();
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> client.status(id).equals("running")));

        // killed while all 20 run (they take 3 s); the survivor starts after the kill, so on a loaded machine its
        // start-up cannot outlast the runs and let the dead worker finish them first
        Instant killed = Instant.now();
        apps.killWorker(0);
        int survivor = apps.startWorker(FAST_RECLAIM);
        Instant up = Instant.now();
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> client.status(id).equals("completed")));
        Duration recovery = Duration.between(killed, Instant.now());
        Duration afterUp = Duration.between(up, Instant.now());

        assertThat(ids).allSatisfy(id -> assertThat(client.run(id).get("attempt").asInt()).isEqualTo(2));
        assertThat(apps.resultEventsPerRun(ids)).as("result events per run").containsOnly(1L);
        System.out.printf("kill -9 of a worker with 20 runs of 3 s: all completed on worker %d %d ms after the kill,"
                + " %d ms after it was up%n", survivor, recovery.toMillis(), afterUp.toMillis());
        // from the survivor being up: what is left of the 2 s visibility timeout + reclaim interval + the 3 s the
        // runs take again + slack
        assertThat(afterUp).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void sigtermLetsRunsFinishWithinTheGraceAndLeavesTheRestToOthers() throws Exception {
        replaceFirstWorker(with(FAST_RECLAIM, "RUNSTREAM_WORKER_SHUTDOWN_GRACE", "1500ms"));
        String quick = client.submit("sleep", "{\"ms\":800}");
        String slow = client.submit("sleep", "{\"ms\":6000}");
        await().atMost(WAIT).until(() -> client.status(quick).equals("running") && client.status(slow).equals("running"));

        int exit = apps.terminateWorker(0);
        assertThat(exit).isIn(0, 143);
        JsonNode finished = client.run(quick);
        assertThat(finished.get("status").asText()).isEqualTo("completed");
        assertThat(finished.get("attempt").asInt()).isEqualTo(1);
        assertThat(client.status(slow)).isEqualTo("running"); // left, unacked, for another worker

        apps.startWorker(FAST_RECLAIM);
        await().atMost(WAIT).until(() -> client.status(slow).equals("completed"));
        assertThat(client.run(slow).get("attempt").asInt()).isEqualTo(2);
        assertThat(apps.resultEventsPerRun(List.of(quick, slow))).containsOnly(1L);
    }

    @Test
    void aStoppingWorkerKeepsItsRunsClaimedThroughItsGrace() throws Exception {
        replaceFirstWorker(with(FAST_RECLAIM, "RUNSTREAM_WORKER_SHUTDOWN_GRACE", "12s"));
        String run = submitRunning("{\"ms\":8000}");
        apps.startWorker(FAST_RECLAIM);
        assertThat(client.status(run)).as("still running when its worker is stopped").isEqualTo("running");

        // the run outlasts the visibility timeout (2 s) several times over while its worker stops: nobody else may
        // take it meanwhile
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> terminate(0));
        assertThat(exit.get(30, TimeUnit.SECONDS)).isIn(0, 143);
        JsonNode finished = client.run(run);
        assertThat(finished.get("status").asText()).isEqualTo("completed");
        assertThat(finished.get("attempt").asInt()).as("attempts").isEqualTo(1);
        assertThat(Files.readString(apps.log("worker"))).doesNotContain("Reclaimed");
    }

    @Test
    void whatAStoppingWorkerWillNotFinishIsHandedBackAtOnce() throws Exception {
        // a visibility timeout far longer than the test waits: only a hand-back lets the other worker start the run
        Map<String, String> slowReclaim = with(with(FAST_RECLAIM, "MP_MESSAGING_INCOMING_TASKS_VISIBILITY_TIMEOUT_MS",
                "60000"), "MP_MESSAGING_INCOMING_TASKS_HEARTBEAT_INTERVAL_MS", "1000");
        replaceFirstWorker(with(slowReclaim, "RUNSTREAM_WORKER_SHUTDOWN_GRACE", "1s"));
        String run = submitRunning("{\"ms\":60000}");
        apps.startWorker(slowReclaim);
        assertThat(client.status(run)).as("still running when its worker is stopped").isEqualTo("running");

        assertThat(apps.terminateWorker(0)).isIn(0, 143);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.run(run).get("attempt").asInt() == 2
                && client.status(run).equals("running"));
        // taken over and running on the other worker: done with it
        assertThat(client.post("/api/runs/" + run + "/cancel", "").statusCode()).isEqualTo(202);
        await().atMost(WAIT).until(() -> client.status(run).equals("cancelled"));
    }

    /** The first worker stopped, and started again with {@code env}. */
    private void replaceFirstWorker(Map<String, String> env) throws InterruptedException {
        apps.terminateWorker(0);
        apps.restartWorker(0, env);
    }

    /** A {@code sleep} run with {@code input}, once it runs. */
    private String submitRunning(String input) {
        String run = client.submit("sleep", input);
        await().atMost(WAIT).until(() -> client.status(run).equals("running"));
        return run;
    }

    private static Map<String, String> with(Map<String, String> env, String name, String value) {
        Map<String, String> more = new HashMap<>(env);
        more.put(name, value);
        return more;
    }

    private int terminate(int worker) {
        try {
            return apps.terminateWorker(worker);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
