package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.runstream.local.RunstreamTestResource;
import io.runstream.task.TaskMessage;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

/**
 * A queue's dead letters as a tenant sees them (its own runs' only): list newest first with paging, requeue one as
 * a new run (the entry goes), purge its own; bad input is a problem and changes nothing.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class DeadLettersTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    ApiFixture fixture;

    @BeforeEach
    void clean() {
        fixture.knownPipeline("echo");
        fixture.redis().key().del(fixture.keys().deadLetter("default"));
    }

    /** A failed run of {@code tenant} whose task was dead-lettered, as a worker does it; its entry id. */
    private String deadLetter(String tenant, String reason) {
        String id = RunApiTest.submit("{\"pipeline\":\"echo\",\"input\":{\"reason\":\"" + reason + "\"}}")
                .statusCode(202).extract().path("id");
        fixture.setStatus(id, "failed");
        fixture.execute("UPDATE runs SET tenant = '" + tenant + "' WHERE id = '" + id + "'");
        return fixture.redis().stream(String.class).xadd(fixture.keys().deadLetter("default"),
                Map.of("payload", new TaskMessage(UUID.fromString(id), "echo").encode(), "reason", reason,
                        "source-stream", fixture.keys().tasks("default"), "source-id", "1-0"));
    }

    @Test
    void listsOnlyTheCallersDeadLettersNewestFirstAndPages() {
        String first = deadLetter("default", "first");
        deadLetter("someone-else", "theirs");
        String second = deadLetter("default", "second");

        given().get("/api/queues/default/dead-letters").then().statusCode(200).contentType(ContentType.JSON)
                .body("items.id", contains(second, first)).body("items.reason", contains("second", "first"))
                .body("items[0].pipeline", equalTo("echo")).body("items[0].sourceId", equalTo("1-0"))
                .body("next", nullValue());
        String next = given().get("/api/queues/default/dead-letters?limit=1").then().statusCode(200)
                .body("items.id", contains(second)).extract().path("next");
        given().get("/api/queues/default/dead-letters?limit=2&cursor=" + next).then().statusCode(200)
                .body("items.id", contains(first)); // the other tenant's entry is read past, not shown
        given().get("/api/queues/nobody-reads-this/dead-letters").then().statusCode(200).body("items", hasSize(0));
    }

    @Test
    void requeueSubmitsTheRunAgainAndRemovesTheEntry() {
        String entry = deadLetter("default", "requeue me");
        String run = given().get("/api/queues/default/dead-letters").then().extract().path("items[0].runId");

        String copy = given().contentType(ContentType.JSON).post("/api/queues/default/dead-letters/" + entry + "/requeue").then().statusCode(202)
                .body("status", equalTo("queued")).body("pipeline", equalTo("echo"))
                .body("input.reason", equalTo("requeue me")).extract().path("id");
        assertThat(copy).isNotEqualTo(run);
        given().get("/api/queues/default/dead-letters").then().body("items", hasSize(0));
        given().contentType(ContentType.JSON).post("/api/queues/default/dead-letters/" + entry + "/requeue").then().statusCode(404)
                .contentType(PROBLEM);
    }

    @Test
    void anotherTenantsEntryCannotBeRequeuedAndPurgeRemovesOnlyTheCallers() {
        String theirs = deadLetter("someone-else", "theirs");
        deadLetter("default", "mine 1");
        deadLetter("default", "mine 2");
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).post("/api/queues/default/dead-letters/" + theirs + "/requeue")
                .then().statusCode(404).contentType(PROBLEM));

        given().delete("/api/queues/default/dead-letters").then().statusCode(200).body("purged", equalTo(2));
        assertThat(fixture.redis().stream(String.class).xlen(fixture.keys().deadLetter("default"))).isEqualTo(1);
    }

    @Test
    void badQueueCursorOrLimitIsA400AndAMalformedEntryIdA404() {
        given().get("/api/queues/no%20such/dead-letters").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("queue must be"));
        given().get("/api/queues/default/dead-letters?cursor=yesterday").then().statusCode(400).contentType(PROBLEM);
        given().get("/api/queues/default/dead-letters?limit=0").then().statusCode(400).contentType(PROBLEM);
        given().contentType(ContentType.JSON).post("/api/queues/default/dead-letters/nope/requeue").then().statusCode(404).contentType(PROBLEM);
    }
}
