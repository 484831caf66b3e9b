package io.runstream.api;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** 503 with Retry-After, never a hang or a 500, when Redis cannot be reached. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = "redis", value = "unreachable"))
class RedisUnavailableTest {

    @Test
    void submitIs503WithRetryAfter() {
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(503).contentType(RunApiTest.PROBLEM)
                .header("Retry-After", "5")
                .body("status", equalTo(503))
                .body("detail", containsString("Redis is unavailable"));
    }

    @Test
    void pipelinesIs503() {
        given().get("/api/pipelines").then().statusCode(503).header("Retry-After", "5");
    }

    @Test
    void readinessIsDown() {
        given().port(managementTestPort()).get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
    }
}
