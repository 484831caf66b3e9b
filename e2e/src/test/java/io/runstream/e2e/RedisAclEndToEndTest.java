package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import io.runstream.local.LocalInfrastructure;
import io.runstream.local.SseRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The apps against a Redis that lets no one in without a password, each as the ACL user {@code deploy/redis/users.conf}
 * documents and with nothing broader: every feature works — runs, batches, priorities, delays, retries, failures, pipeline
 * limits, SSE (its notifications included), cancel, reclaim after a crash, schedules, the queue and pipeline views — no
 * app logs a refusal,
 * and each user is refused what it does not need. The password reaches the apps only through the client's own
 * setting ({@code QUARKUS_REDIS_PASSWORD}), not the URI, so a connection that bypassed the configured client (as the
 * SSE subscription and the cancel listener once did) could not authenticate.
 */
@Tag(AppProcesses.NATIVE_TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the refusals asked for on purpose come after Redis' log is read
class RedisAclEndToEndTest {

    private static final Path ROOT = Path.of(System.getProperty("runstream.home", "..")).toAbsolutePath().normalize();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final String API_PASSWORD = secret();
    private static final String WORKER_PASSWORD = secret();
    private static final String ADMIN_PASSWORD = secret();

    private static LocalInfrastructure.OwnRedis redis;
    private static AppProcesses apps;
    private static RunstreamClient client;
    private static ExecutorService threads;
    private static Map<String, String> workerEnv;

    @BeforeAll
    static void start() throws Exception {
        threads = Executors.newVirtualThreadPerTaskExecutor();
        String users = Files.readString(ROOT.resolve("deploy/redis/users.conf"))
                .replace("${RUNSTREAM_API_REDIS_PASSWORD}", API_PASSWORD)
                .replace("${RUNSTREAM_WORKER_REDIS_PASSWORD}", WORKER_PASSWORD);
        assertThat(users).doesNotContain("${");
        Path conf = ROOT.resolve("e2e/target/redis-acl/users.conf");
        Files.createDirectories(conf.getParent());
        // the test's own user, to look at Redis; the apps never use it
        Files.writeString(conf, users + "\nuser acl-test-admin on >" + ADMIN_PASSWORD + " ~* &* +@all\n");
        int port = LocalInfrastructure.freePort();
        redis = LocalInfrastructure.startRedis(port, "include " + conf);
        String address = "127.0.0.1:" + port;
        apps = new AppProcesses("redis-acl", LocalInfrastructure.shared()
                .withRedis("redis://acl-test-admin:" + ADMIN_PASSWORD + "@" + address));
        client = new RunstreamClient(apps);
        Map<String, String> common = Map.of(
                "RUNSTREAM_KEY_PREFIX", "runstream", // the prefix the documented users are limited to
                "RUNSTREAM_WORKER_RETRY_BASE_DELAY", "200ms",
                "RUNSTREAM_PIPELINES__SLEEP__MAX_CONCURRENCY", "2",
                "RUNSTREAM_PIPELINES__SLEEP__RATE_LIMIT", "100/1s");
        workerEnv = with(common, "redis://" + address + "?user=runstream-worker", WORKER_PASSWORD);
        // a killed worker's task is reclaimed within seconds, and its consumer removed soon after
        workerEnv.put("MP_MESSAGING_INCOMING_TASKS_VISIBILITY_TIMEOUT_MS", "2000");
        workerEnv.put("MP_MESSAGING_INCOMING_TASKS_HEARTBEAT_INTERVAL_MS", "500");
        workerEnv.put("RUNSTREAM_WORKER_DEAD_CONSUMER_IDLE", "1s");
        workerEnv.put("RUNSTREAM_WORKER_CONSUMER_CLEANUP_INTERVAL", "1s");
        apps.startWorker(workerEnv);
        apps.startApi(with(common, "redis://" + address + "?user=runstream-api", API_PASSWORD));
    }

    private static Map<String, String> with(Map<String, String> common, String hosts, String password) {
        Map<String, String> env = new HashMap<>(common);
        env.put("QUARKUS_REDIS_HOSTS", hosts);
        env.put("QUARKUS_REDIS_PASSWORD", password);
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
        if (redis != null) {
            redis.close();
        }
        threads.shutdownNow();
    }

    @Test
    @Order(1)
    void everyFeatureWorksWithTheDocumentedUsersOnly() throws Exception {
        // runs: one, a batch, an urgent one, a delayed one, one that fails twice and then succeeds, a limited one
        String echo = client.submit("echo", "{\"n\":1}");
        HttpResponse<String> batch = client.post("/api/runs/batch",
                "{\"runs\":[{\"pipeline\":\"echo\",\"input\":{}},{\"pipeline\":\"echo\",\"input\":{}}]}");
        assertThat(batch.statusCode()).as(batch.body()).isEqualTo(202);
        String urgent = id(client.post("/api/runs", "{\"pipeline\":\"echo\",\"priority\":1,\"input\":{}}"));
        String delayed = id(client.post("/api/runs", "{\"pipeline\":\"echo\",\"delay\":\"PT1S\",\"input\":{}}"));
        String retried = client.submit("fail", "{\"times\":2}");
        String limited = client.submit("sleep", "{\"ms\":10}");
        List<String> completed = new ArrayList<>(List.of(echo, urgent, delayed, retried, limited));
        RunstreamClient.read(batch.body()).get("runs").forEach(r -> completed.add(r.get("id").asText()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(completed).allSatisfy(id ->
                assertThat(client.status(id)).as(id).isEqualTo("completed")));
        assertThat(client.run(retried).get("attempt").asInt()).isEqualTo(3);

        // SSE: a run's output reaches a client as it is written, which only the notifications make happen
        String generating = client.submit("generate", "{\"chunks\":20,\"delayMs\":100}");
        SseRecorder follower = SseRecorder.open(apps.http, apps.api("/api/runs/" + generating + "/events"), null,
                threads);
        assertThat(follower.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        List<SseRecorder.Event> events = follower.events();
        assertThat(events).extracting(SseRecorder.Event::type).contains("end");
        assertThat(events.stream().filter(e -> e.id() != null && !e.id().isEmpty())
                .mapToLong(e -> e.receivedAtMillis() - e.writtenAtMillis()).max().orElseThrow())
                .as("the longest an event took from Redis to the client, ms").isLessThan(1_000);

        // cancel: a long run stops within seconds
        String sleeping = client.submit("sleep", "{\"ms\":60000}");
        await().atMost(WAIT).until(() -> client.status(sleeping).equals("running"));
        assertThat(client.post("/api/runs/" + sleeping + "/cancel", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> client.status(sleeping).equals("cancelled"));

        // a run that fails every attempt ends failed
        String failing = client.submit("fail", "{}");
        await().atMost(WAIT).until(() -> client.status(failing).equals("failed"));

        // reclaim: a killed worker's run is taken over by the next one, and the dead consumer is removed
        String interrupted = client.submit("sleep", "{\"ms\":1500}");
        await().atMost(WAIT).until(() -> client.status(interrupted).equals("running"));
        apps.killWorker(0);
        apps.restartWorker(0, workerEnv);
        await().atMost(WAIT).until(() -> client.status(interrupted).equals("completed"));
        await().atMost(WAIT).until(() -> apps.infra.redisCommand("XINFO", "CONSUMERS", "runstream:{q:default}:tasks",
                "workers").equals("*1"));

        // schedules: the api's ticker makes runs
        HttpResponse<String> schedule = client.post("/api/schedules",
                "{\"name\":\"every-second\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\",\"input\":{}}");
        assertThat(schedule.statusCode()).as(schedule.body()).isEqualTo(201);
        await().atMost(WAIT).until(() -> client.get("/api/runs?schedule=every-second&status=completed")
                .get("items").size() >= 2);

        // the views
        JsonNode queues = client.get("/api/queues");
        assertThat(queues.toString()).contains("\"name\":\"default\"");
        assertThat(client.get("/api/pipelines").toString()).contains("generate");

        // nothing was refused along the way
        for (String app : List.of("api", "worker")) {
            assertThat(Files.readString(apps.log(app))).as(app + " log")
                    .doesNotContain("NOPERM").doesNotContain("NOAUTH").doesNotContain("WRONGPASS")
                    .doesNotContain("Cannot subscribe").doesNotContain("Uncaught exception")
                    .as(app + " log: no Redis password").doesNotContain(API_PASSWORD).doesNotContain(WORKER_PASSWORD);
        }
        assertThat(apps.infra.redisCommand("ACL", "LOG")).as("Redis' log of refusals").isEqualTo("*0");
    }

    @Test
    @Order(2)
    void theUsersAreRefusedWhatTheyDoNotNeed() {
        String address = "127.0.0.1:" + redis.port();
        assertThat(LocalInfrastructure.redisCommandAt("redis://" + address, "GET", "runstream:x"))
                .as("no one without a user").startsWith("-NOAUTH");
        for (String user : List.of("runstream-api:" + API_PASSWORD, "runstream-worker:" + WORKER_PASSWORD)) {
            String uri = "redis://" + user + "@" + address;
            assertThat(LocalInfrastructure.redisCommandAt(uri, "GET", "runstream:anything")).startsWith("$");
            assertThat(LocalInfrastructure.redisCommandAt(uri, "GET", "someone-else:key")).startsWith("-NOPERM");
            assertThat(LocalInfrastructure.redisCommandAt(uri, "PUBLISH", "someone-else", "x")).startsWith("-NOPERM");
            for (List<String> command : List.of(List.of("FLUSHALL"), List.of("KEYS", "*"), List.of("CONFIG", "GET", "*"),
                    List.of("DEL", "runstream:anything"), List.of("SCAN", "0"), List.of("ACL", "LIST"),
                    List.of("XGROUP", "DESTROY", "runstream:{q:default}:tasks", "workers"))) {
                assertThat(LocalInfrastructure.redisCommandAt(uri, command.toArray(String[]::new)))
                        .as(user.substring(0, user.indexOf(':')) + " " + command).startsWith("-NOPERM");
            }
        }
        assertThat(LocalInfrastructure.redisCommandAt("redis://runstream-api:wrong@" + address, "PING"))
                .startsWith("-WRONGPASS");
    }

    private static String id(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return RunstreamClient.read(response.body()).get("id").asText();
    }

    private static String secret() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
