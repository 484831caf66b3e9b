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

/** 503 with Retry-After, never a hang or a 500, when PostgreSQL cannot be reached. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = "postgres", value = "unreachable"))
class PostgresUnavailableTest {

    @jakarta.inject.Inject
    ApiFixture fixture;

    @Test
    void submitIs503WithRetryAfterAndQueuesNothing() {
        fixture.knownPipeline("echo");
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(503).contentType(RunApiTest.PROBLEM)
                .header("Retry-After", "5")
                .body("detail", containsString("PostgreSQL is unavailable"));
        org.assertj.core.api.Assertions.assertThat(fixture.queuedTasks()).isZero();
    }

    @Test
    void readAndListAre503() {
        given().get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24").then().statusCode(503)
                .header("Retry-After", "5");
        given().get("/api/runs").then().statusCode(503).header("Retry-After", "5");
    }

    @Test
    void readinessIsDown() {
        given().port(managementTestPort()).get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
    }
}
