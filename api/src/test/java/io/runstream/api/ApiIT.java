package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.runstream.local.RunstreamTestResource;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged api as a process (the fast-jar in the normal build, the native executable under {@code -Dnative}):
 * what native compilation could break — start-up, health, JSON both ways, problem+json, the Redis and PostgreSQL
 * clients.
 */
@QuarkusIntegrationTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ApiIT {

    @Test
    void isReadyWithRedisAndPostgres() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
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
