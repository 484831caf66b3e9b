package io.runstream.api;

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
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged api as a process (the fast-jar in the normal build, the native executable under {@code -Dnative}):
 * what native compilation could break — start-up, health, JSON both ways, problem+json, the Redis and PostgreSQL
 * clients.
 */
@QuarkusIntegrationTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ApiIT {

    @RunstreamTestResource.Settings
    Map<String, String> settings;

    /** Auth is on in the packaged api: every request of this test carries an admin key made as a deployment would. */
    @org.junit.jupiter.api.BeforeEach
    void key() {
        String key = io.runstream.migrate.CreateKey.create(io.runstream.migrate.Migrate.Target.ofReactiveUrl(
                        settings.get("quarkus.datasource.reactive.url"), settings.get("quarkus.datasource.username"),
                        settings.get("quarkus.datasource.password")),
                new io.runstream.migrate.CreateKey.Request("default", "api-it", List.of(
                        io.runstream.auth.Scope.ADMIN), null));
        io.restassured.RestAssured.requestSpecification = new io.restassured.builder.RequestSpecBuilder()
                .addHeader("Authorization", "Bearer " + key).build();
    }

    @org.junit.jupiter.api.AfterEach
    void noKey() {
        io.restassured.RestAssured.requestSpecification = null;
    }

    @Test
    void withoutAKeyTheApiIs401() {
        io.restassured.RestAssured.requestSpecification = null;
        given().get("/api/runs").then().statusCode(401).contentType("application/problem+json");
        given().contentType("application/json").body("{\"pipeline\":\"echo\"}").post("/api/runs")
                .then().statusCode(401);
    }

    /**
     * A run through the packaged api with the test in the worker's place (the worker is another app; {@code e2e/}
     * runs both): the api records the run and puts its task on the queue's stream; once the run is recorded
     * completed, the api reads it back and ends its event stream from PostgreSQL.
     */
    @Test
    void aSubmittedRunIsQueuedAndItsCompletionIsServed() throws Exception {
        RedisKeys keys = new RedisKeys(settings.get("runstream.key-prefix"));
        String redis = settings.get("quarkus.redis.hosts");
        // a worker advertises echo
        LocalInfrastructure.redisCommandAt(redis, "HSET", keys.pipelines(), "echo", "default");
        LocalInfrastructure.redisCommandAt(redis, "ZADD", keys.pipelineWorkers("echo"),
                Long.toString(System.currentTimeMillis()), "api-it-worker");

        String id = given().contentType("application/json").body("{\"pipeline\":\"echo\",\"input\":{\"a\":1}}")
                .post("/api/runs").then().statusCode(202).body("status", equalTo("queued"))
                .extract().path("id");
        assertThat(LocalInfrastructure.redisCommandAt(redis, "XLEN", keys.tasks("default"))).isEqualTo(":1");

        try (Connection db = DriverManager.getConnection("jdbc:" + settings.get("quarkus.datasource.reactive.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
             PreparedStatement complete = db.prepareStatement("""
                     UPDATE runs SET status = 'completed', attempt = 1, result = '{"a":1}',
                            started_at = now(), completed_at = now(), updated_at = now()
                      WHERE id = ?::uuid AND status = 'queued'""")) {
            complete.setString(1, id);
            assertThat(complete.executeUpdate()).isEqualTo(1);
        }

        given().get("/api/runs/" + id).then().statusCode(200)
                .body("status", equalTo("completed")).body("result.a", equalTo(1)).body("attempt", equalTo(1));
        String events = given().get("/api/runs/" + id + "/events").then().statusCode(200)
                .contentType(containsString("text/event-stream")).extract().asString();
        assertThat(events).contains("event: end");
    }

    @Test
    void isReadyWithRedisAndPostgres() {
        given().port(managementTestPort()).get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void healthAndMetricsAreOnTheManagementPortOnly() {
        given().port(managementTestPort()).get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
        for (String path : List.of("/q/health", "/q/health/ready", "/q/metrics", "/q/info")) {
            given().get(path).then().statusCode(404).contentType("application/problem+json");
        }
    }

    @Test
    void aSubmitOfAnUnknownPipelineIsAProblemNamingIt() {
        // 503 while the pipeline directory is younger than two heartbeat intervals (the api just started), 400 after
        given().contentType("application/json").body("{\"pipeline\":\"nope\",\"input\":{}}")
                .post("/api/runs")
                .then().statusCode(anyOf(equalTo(400), equalTo(503))).contentType("application/problem+json")
                .body("detail", containsString("pipeline 'nope'"));
    }

    @Test
    void malformedJsonIsAProblem() {
        given().contentType("application/json").body("{\"pipeline\":").post("/api/runs")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void anUnknownRunIs404() {
        given().get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void listsRunsAndQueuesFromPostgresAndRedis() {
        given().get("/api/runs").then().statusCode(200);
        given().get("/api/queues").then().statusCode(200).body("[0].name", equalTo("default"));
    }
}
