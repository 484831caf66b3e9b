package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import io.runstream.local.LocalInfrastructure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

        pg[0] = startPostgres(data, port);
        await().atMost(WAIT).until(() -> apps.apiReadiness() == 200);
        IntStream.range(0, 5).forEach(i -> accepted.add(client.submit("sleep", "{\"ms\":300}")));

        await().atMost(WAIT).until(() -> accepted.stream().allMatch(id -> client.status(id).equals("completed")));
    }

    @Test
    void aRedisRestartWithoutItsDataLosesNoQueuedRun() throws Exception {
        int port = LocalInfrastructure.freePort();
        RedisServer[] redis = {startRedis(port)};
        cleanup.add(() -> redis[0].stop());
        LocalInfrastructure shared = LocalInfrastructure.shared();
        LocalInfrastructure infra = LocalInfrastructure.of("redis://127.0.0.1:" + port, "127.0.0.1",
                Integer.parseInt(shared.jdbcUrl("x").replaceAll(".*:(\\d+)/x$", "$1")), shared.username(),
                shared.password());
        apps = new AppProcesses("redis-restart", infra).start(Map.of(
                "RUNSTREAM_WORKER_CONCURRENCY", "1", "RUNSTREAM_API_SWEEP_INTERVAL", "1s"));
        RunstreamClient client = new RunstreamClient(apps);
        // one runs, five wait in the stream
        List<String> accepted = IntStream.range(0, 6).mapToObj(i -> client.submit("sleep", "{\"ms\":1500}")).toList();
        await().atMost(WAIT).until(() -> client.status(accepted.getFirst()).equals("running"));
        assertThat(LocalInfrastructure.redisCommandAt(infra.redisUri(), "EXISTS", apps.keyPrefix + ":{meta}:epoch"))
                .isEqualTo(":1");

        redis[0].stop();
        redis[0] = startRedis(port); // empty: the stream, its group and the runs' events are gone

        await().atMost(WAIT).until(() -> accepted.stream().allMatch(id -> client.status(id).equals("completed")));
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws java.io.IOException {
        return LocalInfrastructure.startPostgres(port, data);
    }

    private static RedisServer startRedis(int port) throws java.io.IOException {
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                .setting("appendonly no").build();
        server.start();
        return server;
    }
}
