package io.runstream.worker;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.runstream.local.RunstreamTestResource;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The packaged worker as a process (the fast-jar in the normal build, the native executable under
 * {@code -Dnative}): it starts, reaches Redis and PostgreSQL, and its task channel runs.
 */
@QuarkusIntegrationTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class WorkerIT {

    @Test
    void isReadyWithItsTaskChannelRunning() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("tasks"));
    }

    @Test
    void exposesItsMetrics() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_"));
    }
}
