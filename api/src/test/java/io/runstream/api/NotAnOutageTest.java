package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;

/**
 * A failure that is not an outage — here a schema a bug broke — is a 500 (its stack trace in the log), never a 503
 * that would tell the client to wait for an outage that is not happening.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class NotAnOutageTest {

    @Inject
    ApiFixture fixture;

    @BeforeEach
    void breakTheSchema() {
        fixture.knownPipeline("echo");
        fixture.pipelineDirectoryAge(Duration.ofMinutes(1));
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(202);
        fixture.execute("ALTER TABLE runs RENAME COLUMN input TO input_gone");
    }

    @AfterEach
    void repairTheSchema() {
        fixture.execute("ALTER TABLE runs RENAME COLUMN input_gone TO input");
    }

    @Test
    void aBugIs500NotAnOutage() {
        RunApiTest.submit("{\"pipeline\":\"echo\",\"input\":{}}").statusCode(500);
        given().get("/api/runs").then().statusCode(500);
    }
}
