package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import io.runstream.local.LocalInfrastructure;
import io.runstream.local.SseRecorder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Outages of Redis and PostgreSQL, on servers of the test's own (it stops and starts them): the api answers 503
 * with Retry-After meanwhile, both apps recover by themselves, and no accepted run is lost.
 */
class OutageEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private AppProcesses apps;
    private LocalInfrastructure.OwnRedis redis;
    private int redisPort;

    @AfterEach
    void stop() throws Exception {
        if (apps != null) {
            apps.stop();
            apps.close();
        }
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    @Test
    void aPostgresOutageGets503sThenEverythingRecoversAndNothingIsLost() throws Exception {
        LocalInfrastructure shared = LocalInfrastructure.shared();
        int port = LocalInfrastructure.freePort();
        Path data = Files.createTempDirectory("runstream-pg-outage");
        EmbeddedPostgres[] pg = {startPostgres(data, port)};
        cleanup.add(() -> pg[0].close());
        LocalInfrastructure infra = LocalInfrastructure.of(shared.redisUri(), "127.0.0.1", port, "postgres", "");
        apps = new AppProcesses("pg-outage", infra).start(Map.of("RUNSTREAM_WORKER_STORE_RETRY_BACKOFF", "200ms"));
        RunstreamClient client = new RunstreamClient(apps);
        List<String> accepted = new ArrayList<>(IntStream.range(0, 5)
                .mapToObj(i -> client.submit("sleep", "{\"ms\":300}")).toList());

        pg[0].close();
        HttpResponse<String> refused = client.post("/api/runs", "{\"pipeline\":\"echo\"}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
        await().atMost(WAIT).until(() -> apps.apiReadiness() == 503);
        // ten seconds of clients that keep trying, and a worker retrying the runs it holds: every answer a 503
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.post("/api/runs", "{\"pipeline\":\"echo\"}").statusCode() == 503
                        && client.getStatus("/api/runs") == 503 && client.getStatus("/api/runs/" + accepted.get(0)) == 503);

        pg[0] = startPostgres(data, port);
        await().atMost(WAIT).until(() -> apps.apiReadiness() == 200);
        IntStream.range(0, 5).forEach(i -> accepted.add(client.submit("sleep", "{\"ms\":300}")));

        await().atMost(WAIT).until(() -> accepted.stream().allMatch(id -> client.status(id).equals("completed")));
        // an outage is a few WARN lines that say so, not a stack trace per request or per retry
        for (String app : List.of("api", "worker")) {
            List<String> lines = Files.readAllLines(apps.log(app));
            assertThat(lines).as(app + " log").noneMatch(line -> line.contains(" ERROR "));
            assertThat(lines.stream().filter(line -> line.contains(" WARN ")).count()).as(app + " WARN lines")
                    .isLessThanOrEqualTo(20);
        }
    }

    /**
     * Delayed runs survive a restart of every process — api, worker, and Redis without its data — with PostgreSQL
     * the source of truth: the sweeper puts each back in its delayed set and it starts on time, never early.
     */
    @Test
    void delayedRunsStartOnTimeAfterEveryProcessRestarts() throws Exception {
        RunstreamClient client = appsOnOwnRedis("delayed-restart", 4);
        Instant due = Instant.now().plusSeconds(20);
        List<String> delayed = IntStream.range(0, 5).mapToObj(i -> {
            HttpResponse<String> r = client.post("/api/runs", "{\"pipeline\":\"echo\",\"input\":" + i
                    + ",\"runAt\":\"" + due.plusSeconds(i) + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            return RunstreamClient.read(r.body()).get("id").asText();
        }).toList();

        apps.stop();
        restartOwnRedis(); // its delayed sets are gone with its data
        apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "4", "RUNSTREAM_API_SWEEP_INTERVAL", "1s"));
        assertThat(Instant.now()).as("everything is back before the first run is due").isBefore(due);

        await().atMost(WAIT).until(() -> delayed.stream().allMatch(id -> client.status(id).equals("completed")));
        for (String id : delayed) {
            var run = client.run(id);
            var scheduled = Instant.parse(run.get("scheduledFor").asText());
            var started = Instant.parse(run.get("startedAt").asText());
            assertThat(started).as("run %s started", id).isAfterOrEqualTo(scheduled)
                    .isBefore(scheduled.plusSeconds(1));
        }
    }

    @Test
    void aRedisRestartWithoutItsDataLosesNoQueuedRun() throws Exception {
        RunstreamClient client = appsOnOwnRedis("redis-restart", 1);
        // one runs, five wait in the stream
        List<String> accepted = IntStream.range(0, 6).mapToObj(i -> client.submit("sleep", "{\"ms\":1500}")).toList();
        await().atMost(WAIT).until(() -> client.status(accepted.getFirst()).equals("running"));
        assertThat(LocalInfrastructure.redisCommandAt(apps.infra.redisUri(), "EXISTS", apps.keyPrefix + ":{meta}:epoch"))
                .isEqualTo(":1");

        restartOwnRedis(); // empty: the stream, its group and the runs' events are gone

        await().atMost(WAIT).until(() -> accepted.stream().allMatch(id -> client.status(id).equals("completed")));
    }

    @Test
    void followersOfARunThatRestartsAfterRedisLostItsDataAreToldToResetAndGetTheNewAttemptWhole() throws Exception {
        RunstreamClient client = appsOnOwnRedis("redis-restart-followers", 2);
        String id = client.submit("generate", "{\"chunks\":100,\"delayMs\":30}");
        SseRecorder follower = SseRecorder.open(apps.http, apps.api("/api/runs/" + id + "/events"), null,
                Executors.newVirtualThreadPerTaskExecutor());
        await().atMost(WAIT).until(() -> follower.events().stream().filter(e -> e.type().equals("output")).count() >= 20);

        restartOwnRedis(); // empty: the run's events are gone and it is re-dispatched as a new attempt

        assertThat(follower.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(client.run(id).get("status").asText()).isEqualTo("completed");
        assertThat(client.run(id).get("attempt").asInt()).isEqualTo(2);
        List<SseRecorder.Event> events = follower.events();
        int reset = IntStream.range(0, events.size()).filter(i -> events.get(i).type().equals("reset")).max().orElse(-1);
        assertThat(reset).as("a reset event: %s", events.stream().map(SseRecorder.Event::type).toList()).isPositive();
        assertThat(RunstreamClient.read(events.get(reset).data()).get("attempt").asInt()).isEqualTo(2);
        // what follows the reset is the new attempt, whole and in order, then its end
        assertThat(events.subList(reset + 1, events.size()).stream().filter(e -> e.type().equals("output"))
                .map(e -> RunstreamClient.read(e.data()).get("chunk").asText()).toList())
                .containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "token-" + i + " ").toList());
        assertThat(events.getLast().type()).isEqualTo("end");
    }

    /**
     * The apps on a Redis of the test's own (which it restarts) and the shared PostgreSQL, the worker at
     * {@code concurrency}, the sweeper every second.
     */
    private RunstreamClient appsOnOwnRedis(String name, int concurrency) throws IOException {
        apps = new AppProcesses(name, ownRedis()).start(Map.of("RUNSTREAM_WORKER_CONCURRENCY",
                Integer.toString(concurrency), "RUNSTREAM_API_SWEEP_INTERVAL", "1s"));
        return new RunstreamClient(apps);
    }

    private LocalInfrastructure ownRedis() throws IOException {
        redisPort = LocalInfrastructure.freePort();
        redis = LocalInfrastructure.startRedis(redisPort);
        cleanup.add(() -> redis.close());
        LocalInfrastructure shared = LocalInfrastructure.shared();
        return LocalInfrastructure.of("redis://127.0.0.1:" + redisPort, "127.0.0.1",
                Integer.parseInt(shared.jdbcUrl("x").replaceAll(".*:(\\d+)/x$", "$1")), shared.username(),
                shared.password());
    }

    /** Restarts the test's own Redis without its data, as a Redis without persistence comes back. */
    private void restartOwnRedis() {
        redis.close();
        redis = LocalInfrastructure.startRedis(redisPort);
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
        return LocalInfrastructure.startPostgres(port, data);
    }
}
