package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.WorkerStatus;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

/** {@code GET /api/workers}: the live workers as each last told itself; a silent or retired one is gone. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class WorkersTest {

    @Inject
    PipelineDirectory directory;

    @Test
    void showsEachLiveWorkersQueuesPipelinesConcurrencyAndRunsInFlight() {
        Instant started = Instant.parse("2026-12-06T03:00:00Z");
        directory.announce(new WorkerStatus("w-live", List.of("default", "bulk"), List.of("echo", "fail"), 10, 3,
                started, Instant.now())).await().atMost(Duration.ofSeconds(5));
        // a worker whose last heartbeat is older than the liveness window (15 s) no longer counts
        directory.announce(new WorkerStatus("w-silent", List.of("default"), List.of("echo"), 5, 0, started,
                Instant.now().minusSeconds(60))).await().atMost(Duration.ofSeconds(5));

        given().get("/api/workers").then().statusCode(200)
                .body("id", hasItem("w-live")).body("id", not(hasItem("w-silent")))
                .body("find { it.id == 'w-live' }.queues", contains("default", "bulk"))
                .body("find { it.id == 'w-live' }.pipelines", contains("echo", "fail"))
                .body("find { it.id == 'w-live' }.concurrency", equalTo(10))
                .body("find { it.id == 'w-live' }.inFlight", equalTo(3))
                .body("find { it.id == 'w-live' }.startedAt", equalTo("2026-12-06T03:00:00Z"));

        directory.retire("w-live").await().atMost(Duration.ofSeconds(5));
        given().get("/api/workers").then().statusCode(200).body("id", not(hasItem("w-live")));
    }
}
