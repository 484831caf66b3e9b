package io.runstream.worker;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.runstream.keys.RedisKeys;
import io.runstream.local.LocalInfrastructure;
import io.runstream.local.RunstreamTestResource;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged worker as a process (the fast-jar in the normal build, the native executable under
 * {@code -Dnative}): it starts, reaches Redis and PostgreSQL, and runs what native compilation could break — the
 * task codec, the handler registry, the Lua scripts of its event writes and ends, the batched SQL of starts and ends,
 * a failure's retry and dead end.
 */
@QuarkusIntegrationTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class WorkerIT {

    @RunstreamTestResource.Settings
    Map<String, String> settings;

    /**
     * The worker has no API port: health and metrics are on its management interface, the only port it opens (and
     * Quarkus leaves RestAssured without a base URI or path: its defaults are put back).
     */
    private static io.restassured.specification.RequestSpecification management() {
        io.restassured.RestAssured.reset();
        return given().port(managementTestPort());
    }

    @Test
    void isReadyWithItsTaskChannelRunning() {
        management().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("tasks"));
    }

    @Test
    void exposesItsMetrics() {
        management().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
    }

    /** The api's part played by the test: the run recorded queued in PostgreSQL, its task on the queue's stream. */
    @Test
    void runsATaskToItsEndAndWritesItsEvents() throws Exception {
        UUID id = submit("generate", "{\"chunks\":3,\"delayMs\":1}");
        await().atMost(Duration.ofSeconds(20)).until(() -> "completed".equals(column(id, "status")));
        assertThat(column(id, "result")).isEqualTo("\"token-0 token-1 token-2 \"");
        assertThat(column(id, "attempt")).isEqualTo("1");
        // status running, three tokens, the result and the end: every one in the run's event stream
        assertThat(redis("XLEN", keys().events(id))).isEqualTo(":6");
        // acknowledged once its end is recorded
        await().atMost(Duration.ofSeconds(5))
                .until(() -> redis("XPENDING", keys().tasks("default"), RedisKeys.WORKERS_GROUP, "-", "+", "10"),
                        equalTo("*0"));
        management().get("/q/metrics").then().statusCode(200)
                .body(containsString("runstream_runs_completed_total{pipeline=\"generate\"}"));
    }

    @Test
    void aFailingRunIsRetriedThenFailsForGood() throws Exception {
        UUID id = submit("fail", "{\"message\":\"boom\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(column(id, "status")));
        assertThat(column(id, "error")).isEqualTo("boom");
        assertThat(Integer.parseInt(column(id, "attempt"))).isGreaterThan(1);
    }

    private UUID submit(String pipeline, String input) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection db = db(); PreparedStatement insert = db.prepareStatement("""
                INSERT INTO runs (id, pipeline, queue, status, input, attempt, created_at, updated_at)
                VALUES (?, ?, 'default', 'queued', ?::jsonb, 0, now(), now())""")) {
            insert.setObject(1, id);
            insert.setString(2, pipeline);
            insert.setString(3, input);
            assertThat(insert.executeUpdate()).isEqualTo(1);
        }
        assertThat(redis("XADD", keys().tasks("default"), "*", "payload",
                "{\"runId\":\"" + id + "\",\"pipeline\":\"" + pipeline + "\"}")).startsWith("$");
        return id;
    }

    private String column(UUID id, String name) throws SQLException {
        try (Connection db = db();
             PreparedStatement select = db.prepareStatement("SELECT " + name + "::text FROM runs WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getString(1) : null;
            }
        }
    }

    private Connection db() throws SQLException {
        return DriverManager.getConnection("jdbc:" + settings.get("quarkus.datasource.reactive.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
    }

    private RedisKeys keys() {
        return new RedisKeys(settings.get("runstream.key-prefix"));
    }

    private String redis(String... command) {
        return LocalInfrastructure.redisCommandAt(settings.get("quarkus.redis.hosts"), command);
    }
}
