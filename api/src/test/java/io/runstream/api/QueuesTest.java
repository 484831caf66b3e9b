package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/** {@code GET /api/queues} and the queue gauges tell a queue's backlog, work in progress and trouble. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class QueuesTest {

    @Inject
    ApiFixture fixture;

    @Test
    void showsLengthPendingLagConsumersDelayedAndDeadLetters() {
        fixture.knownPipeline("echo");
        for (int i = 0; i < 3; i++) {
            RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(202);
        }
        var redis = fixture.redis();
        String tasks = fixture.keys().tasks("default");
        redis.execute("XGROUP", "CREATE", tasks, "workers", "0");
        redis.execute("XREADGROUP", "GROUP", "workers", "w1", "COUNT", "1", "STREAMS", tasks, ">");
        redis.sortedSet(String.class).zadd(fixture.keys().delayed("default"), 1, "{}");
        redis.stream(String.class).xadd(fixture.keys().deadLetter("default"), Map.of("reason", "poison"));

        given().get("/api/queues").then().statusCode(200).contentType(ContentType.JSON)
                .body("find { it.name == 'default' }.length", equalTo(3))
                .body("find { it.name == 'default' }.pending", equalTo(1))
                .body("find { it.name == 'default' }.lag", equalTo(2))
                .body("find { it.name == 'default' }.consumers", equalTo(1))
                .body("find { it.name == 'default' }.oldestPendingAgeMs", greaterThanOrEqualTo(0))
                .body("find { it.name == 'default' }.delayed", equalTo(1))
                .body("find { it.name == 'default' }.deadLetters", equalTo(1))
                .body("find { it.name == 'default' }.workers", equalTo(0));

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                given().port(managementTestPort()).get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("runstream_queue_pending{queue=\"default\"} 1.0")
                .contains("runstream_queue_lag{queue=\"default\"} 2.0")
                .contains("runstream_queue_dead_letters{queue=\"default\"} 1.0"));
    }

    /**
     * Every queue a worker reads is listed with its live workers; one whose workers all stopped shows 0, in the
     * list and as a gauge, so runs that wait there are seen.
     */
    @Test
    void aQueueShowsItsLiveWorkersAndOneNobodyServesShowsNone() {
        fixture.servedPipeline("verify", "verification", "worker-v", "verification");
        given().get("/api/queues").then().statusCode(200)
                .body("find { it.name == 'verification' }.workers", equalTo(1));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                given().port(managementTestPort()).get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("runstream_queue_workers{queue=\"verification\"} 1.0"));

        fixture.redis().key().del(fixture.keys().queueWorkers("verification")); // its worker stopped
        given().get("/api/queues").then().statusCode(200)
                .body("find { it.name == 'verification' }.workers", equalTo(0));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
                given().port(managementTestPort()).get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("runstream_queue_workers{queue=\"verification\"} 0.0"));
    }

    /** Runs submitted before any worker ever started: the stream exists, its consumer group does not yet. */
    @Test
    void aQueueNoWorkerHasReadYetShowsItsBacklogAsLag() {
        fixture.knownPipeline("echo");
        var redis = fixture.redis();
        String tasks = fixture.keys().tasks("default");
        redis.key().del(tasks);
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(202);
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(202);

        given().get("/api/queues").then().statusCode(200)
                .body("find { it.name == 'default' }.length", equalTo(2))
                .body("find { it.name == 'default' }.pending", equalTo(0))
                .body("find { it.name == 'default' }.lag", equalTo(2))
                .body("find { it.name == 'default' }.consumers", equalTo(0));
    }
}
