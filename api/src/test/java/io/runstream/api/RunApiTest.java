package io.runstream.api;

import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/** Every status code of the runs and pipelines endpoints, against real Redis and PostgreSQL. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RunApiTest {

    static final String PROBLEM = "application/problem+json";

    @Inject
    ApiFixture fixture;

    @BeforeEach
    void pipelines() {
        fixture.knownPipeline("echo", "worker-1");
        fixture.knownPipeline("sleep");
    }

    @Test
    void submitRecordsTheRunAndQueuesItsTask() {
        String id = submit("{\"pipeline\":\"echo\",\"input\":{\"a\":[1,2,{\"b\":null}]}}")
                .statusCode(202)
                .contentType(ContentType.JSON)
                .body("pipeline", equalTo("echo"))
                .body("queue", equalTo("default"))
                .body("status", equalTo("queued"))
                .body("input.a[2].b", nullValue())
                .body("input.a[1]", equalTo(2))
                .body("attempt", equalTo(0))
                .body("createdAt", notNullValue())
                .body("startedAt", nullValue())
                .extract().path("id");
        String location = given().contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}")
                .post("/api/runs").then().statusCode(202).extract().header("Location");
        assertThat(location).matches(".*/api/runs/[0-9a-f-]{36}$");

        given().get("/api/runs/" + id).then().statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("queued"))
                .body("input.a", hasSize(3))
                .body("result", nullValue())
                .body("error", nullValue());

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> fixture.dispatched(id));
        List<StreamMessage<String, String, String>> tasks = fixture.redis().stream(String.class)
                .xrange(fixture.keys().tasks("default"), StreamRange.of("-", "+"));
        assertThat(tasks).anySatisfy(t -> assertThat(t.payload().get("payload"))
                .isEqualTo("{\"runId\":\"" + id + "\",\"pipeline\":\"echo\"}"));
    }

    @Test
    void submitWithoutInputOrWithAScalarInputIsAccepted() {
        submit("{\"pipeline\":\"sleep\"}").statusCode(202).body("input", nullValue());
        submit("{\"pipeline\":\"sleep\",\"input\":42}").statusCode(202).body("input", equalTo(42));
        submit("{\"pipeline\":\"sleep\",\"input\":\"text\",\"queue\":\"default\"}").statusCode(202)
                .body("input", equalTo("text"));
    }

    @Test
    void malformedJsonIs400AndChangesNothing() {
        fixture.assertNothingChanges(() -> submit("{\"pipeline\": \"echo\",").statusCode(400).contentType(PROBLEM)
                .body("status", equalTo(400))
                .body("title", equalTo("Bad Request"))
                .body("detail", containsString("malformed JSON")));
        fixture.assertNothingChanges(() -> submit("").statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("malformed JSON")));
    }

    @Test
    void jsonBeyondTheParserLimitsIs400NamingTheLimit() {
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\",\"input\":" + deep + "}").statusCode(400)
                .contentType(PROBLEM).body("detail", containsString("nesting depth")));
        String longNumber = "1".repeat(1_500);
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\",\"input\":" + longNumber + "}").statusCode(400)
                .contentType(PROBLEM).body("detail", containsString("Number value length")));
    }

    @Test
    void missingPipelineIs400() {
        fixture.assertNothingChanges(() -> submit("{\"input\":{}}").statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("'pipeline' is missing")));
        fixture.assertNothingChanges(() -> submit("[1,2]").statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("JSON object")));
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":7}").statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("'pipeline' must be a string")));
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\",\"inputs\":{}}").statusCode(400)
                .contentType(PROBLEM).body("detail", containsString("unknown member 'inputs'")));
    }

    @Test
    void unknownPipelineIs400ListingTheKnownOnes() {
        fixture.pipelineDirectoryAge(Duration.ofMinutes(5));
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"nope\"}").statusCode(400).contentType(PROBLEM)
                .body("detail", startsWith("unknown pipeline 'nope'; known pipelines: "))
                .body("detail", containsString("echo, "))
                .body("detail", containsString("sleep"))
                .body("knownPipelines", hasItems("echo", "sleep")));
    }

    @Test
    void anUnknownPipelineWhileTheDirectoryIsBeingRebuiltIs503NotAFinalNo() {
        // Redis lost its data: the directory is empty until the workers' next heartbeats
        fixture.redis().key().del(fixture.keys().epoch());
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"verify\"}").statusCode(503).contentType(PROBLEM)
                .header("Retry-After", "5").body("detail", containsString("'verify' is not known yet")));
        // rebuilt moments ago: workers may not have advertised it yet
        fixture.pipelineDirectoryAge(Duration.ofSeconds(2));
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"verify\"}").statusCode(503).header("Retry-After", "5"));
        // older than two heartbeat intervals: every live worker has advertised since; unknown is final
        fixture.pipelineDirectoryAge(Duration.ofMinutes(1));
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"verify\"}").statusCode(400)
                .body("detail", startsWith("unknown pipeline 'verify'")));
    }

    @Test
    void wrongQueueForThePipelineIs400() {
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\",\"queue\":\"fast\"}").statusCode(400)
                .contentType(PROBLEM).body("detail", containsString(
                        "pipeline 'echo' is not served on queue 'fast'; it is served on: default")));
    }

    /**
     * A delayed run is recorded queued with when it is due, and its task waits in its lane's delayed set (where the
     * workers move due tasks to the stream), not on the stream; it can be cancelled meanwhile.
     */
    @Test
    void aDelayedRunWaitsInTheDelayedSetUntilItsTimeAndCanBeCancelled() {
        long tasks = fixture.queuedTasks();
        Instant before = Instant.now();
        String id = submit("{\"pipeline\":\"echo\",\"delay\":\"PT1H\",\"priority\":3}").statusCode(202)
                .body("status", equalTo("queued")).body("scheduledFor", notNullValue()).extract().path("id");
        Instant due = Instant.parse(given().get("/api/runs/" + id).then().statusCode(200)
                .extract().path("scheduledFor"));
        assertThat(due).isBetween(before.plusSeconds(3600), Instant.now().plusSeconds(3600));
        var delayed = fixture.redis().sortedSet(String.class).zrangeWithScores(fixture.keys().delayed("default", 3), 0, -1);
        assertThat(delayed).anySatisfy(entry -> {
            assertThat(entry.value()).contains(id);
            assertThat((long) entry.score()).isEqualTo(due.toEpochMilli());
        });
        assertThat(fixture.queuedTasks()).as("nothing on the stream").isEqualTo(tasks);

        String at = OffsetDateTime.now(ZoneOffset.ofHours(2)).plusDays(1).toString();
        submit("{\"pipeline\":\"echo\",\"runAt\":\"" + at + "\"}").statusCode(202)
                .body("scheduledFor", equalTo(OffsetDateTime.parse(at).toInstant()
                        .truncatedTo(ChronoUnit.MICROS).toString()));
        // one due already: straight to the stream
        submit("{\"pipeline\":\"echo\",\"runAt\":\"2020-01-01T00:00:00Z\"}").statusCode(202);
        assertThat(fixture.queuedTasks()).isEqualTo(tasks + 1);

        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));
    }

    @Test
    void aBadRunAtOrDelayIs400() {
        for (String when : List.of("\"runAt\":\"tomorrow\"", "\"runAt\":\"2030-01-01T00:00:00\"", "\"runAt\":5",
                "\"delay\":\"30s\"", "\"delay\":\"-PT1S\"", "\"delay\":\"P400D\"", "\"delay\":30",
                "\"runAt\":\"2030-01-01T00:00:00Z\",\"delay\":\"PT1S\"", "\"runAt\":\"2999-01-01T00:00:00Z\"")) {
            fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\"," + when + "}").statusCode(400)
                    .contentType(PROBLEM).body("detail", org.hamcrest.Matchers.anyOf(containsString("'runAt'"),
                            containsString("'delay'"))));
        }
    }

    /** Seed 003's trigger API: a job is a run of the pipeline with the parameters as input. */
    @Test
    void aTriggerSubmitsARunWithTheParametersAsInputAndAnswersTheJob() {
        fixture.knownPipeline("triggered");
        var job = given().contentType(ContentType.JSON).body("{\"parameters\":{\"dryRun\":true}}")
                .post("/api/pipelines/triggered/trigger").then().statusCode(202).contentType(ContentType.JSON)
                .body("pipelineId", equalTo("triggered")).body("status", equalTo("queued"))
                .body("timestamp", notNullValue()).extract();
        String id = job.path("jobId");
        assertThat(job.header("Location")).endsWith("/api/runs/" + id);
        given().get("/api/runs/" + id).then().statusCode(200).body("pipeline", equalTo("triggered"))
                .body("input.dryRun", equalTo(true));
        for (int i = 0; i < 2; i++) {
            given().contentType(ContentType.JSON).body("{}").post("/api/pipelines/triggered/trigger").then()
                    .statusCode(202);
        }
        given().queryParam("limit", 2).get("/api/pipelines/triggered/jobs").then().statusCode(200)
                .body("pipelineId", equalTo("triggered")).body("jobs", hasSize(2))
                .body("jobs[0].pipeline", equalTo("triggered"));
        given().queryParam("limit", 2).queryParam("offset", 2).get("/api/pipelines/triggered/jobs").then()
                .statusCode(200).body("jobs", hasSize(1)).body("jobs[0].id", equalTo(id));
    }

    @Test
    void aTriggerOfAnUnknownPipelineOrWithBadParametersIs400AndChangesNothing() {
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).body("{\"parameters\":{}}")
                .post("/api/pipelines/no-such/trigger").then().statusCode(400).contentType(PROBLEM)
                .body("detail", startsWith("unknown pipeline 'no-such'")).body("knownPipelines", hasItem("echo")));
        for (String body : List.of("{\"parameters\":[1]}", "{\"params\":{}}", "[]", "{\"parameters\":")) {
            fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).body(body)
                    .post("/api/pipelines/echo/trigger").then().statusCode(400).contentType(PROBLEM));
        }
        given().get("/api/pipelines/no-such/jobs").then().statusCode(400).contentType(PROBLEM);
        given().queryParam("offset", "-1").get("/api/pipelines/echo/jobs").then().statusCode(400)
                .body("detail", containsString("offset must be a whole number from 0 to 100000"));
        given().queryParam("limit", "0").get("/api/pipelines/echo/jobs").then().statusCode(400);
    }

    /** A priority puts the task on its queue's stream of that priority; the run shows it (default 2). */
    @Test
    void aRunsPriorityChoosesItsStreamAndIsShown() {
        long high = fixture.redis().stream(String.class).xlen(fixture.keys().tasks("default", 1));
        String id = submit("{\"pipeline\":\"echo\",\"priority\":1}").statusCode(202)
                .body("priority", equalTo(1)).extract().path("id");
        given().get("/api/runs/" + id).then().statusCode(200).body("priority", equalTo(1));
        assertThat(fixture.redis().stream(String.class).xlen(fixture.keys().tasks("default", 1))).isEqualTo(high + 1);
        submit("{\"pipeline\":\"echo\"}").statusCode(202).body("priority", equalTo(2));
    }

    @Test
    void aPriorityOutOfRangeOrNotAWholeNumberIs400() {
        for (String priority : List.of("0", "5", "-1", "1.5", "\"1\"", "true", "99999999999")) {
            fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"echo\",\"priority\":" + priority + "}")
                    .statusCode(400).contentType(PROBLEM).body("detail", equalTo(
                            "'priority' must be a whole number from 1 (the highest) to 4 (the lowest); default 2")));
        }
    }

    /** A run may go to any queue where a worker that has its pipeline reads; its task goes to that queue. */
    @Test
    void aRunNamingAQueueWhereItsPipelineIsServedGoesThere() {
        fixture.servedPipeline("triage", "triage", "worker-t", "triage", "slow");
        long tasks = fixture.queuedTasks("slow");
        String id = submit("{\"pipeline\":\"triage\",\"queue\":\"slow\"}").statusCode(202)
                .body("queue", equalTo("slow")).extract().path("id");
        given().get("/api/runs/" + id).then().statusCode(200).body("queue", equalTo("slow"));
        assertThat(fixture.queuedTasks("slow")).isEqualTo(tasks + 1);
        submit("{\"pipeline\":\"triage\"}").statusCode(202).body("queue", equalTo("triage"));
    }

    /** The trap of a queue nobody reads: such a run is refused, naming where the pipeline is served. */
    @Test
    void aRunForAQueueWhereNoWorkerServesItsPipelineIs400NamingTheQueuesThatDo() {
        fixture.servedPipeline("verify", "verification", "worker-v", "verification");
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"verify\",\"queue\":\"default\"}")
                .statusCode(400).contentType(PROBLEM).body("detail", equalTo(
                        "pipeline 'verify' is not served on queue 'default'; it is served on: verification")));
        // its own queue is read by no worker that has it: a run that names no queue is refused too
        fixture.servedPipeline("audit", "audits", "worker-a", "default");
        fixture.assertNothingChanges(() -> submit("{\"pipeline\":\"audit\"}").statusCode(400).body("detail",
                equalTo("pipeline 'audit' runs on queue 'audits', which no worker with it reads; it is served on: "
                        + "default (name one as queue)")));
        submit("{\"pipeline\":\"audit\",\"queue\":\"default\"}").statusCode(202);
    }

    @Test
    void bodyOverTheLimitIs413() {
        String big = "{\"pipeline\":\"echo\",\"input\":\"" + "x".repeat(1024 * 1024) + "\"}";
        fixture.assertNothingChanges(() -> submit(big).statusCode(413).contentType(PROBLEM)
                .body("status", equalTo(413))
                .body("detail", containsString("1048576 bytes")));
    }

    @Test
    void bodyThatIsNotJsonIs415() {
        fixture.assertNothingChanges(() -> given().contentType(ContentType.TEXT).body("pipeline=echo").post("/api/runs")
                .then().statusCode(415).contentType(PROBLEM)
                .body("status", equalTo(415))
                .body("detail", containsString("application/json")));
        fixture.assertNothingChanges(() -> given().contentType(ContentType.URLENC).formParam("pipeline", "echo")
                .post("/api/runs").then().statusCode(415).contentType(PROBLEM));
    }

    @Test
    void unknownRunIs404() {
        given().get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24").then().statusCode(404).contentType(PROBLEM)
                .body("status", equalTo(404))
                .body("detail", equalTo("run 01a205d1-c2a0-7403-b95c-93eac94c0c24 does not exist"));
        given().get("/api/runs/not-a-uuid").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void listPagesNewestFirstWithACursor() {
        fixture.knownPipeline("lister");
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            submitted.add(submit("{\"pipeline\":\"lister\",\"input\":" + i + "}").statusCode(202)
                    .extract().path("id"));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var page = given().queryParam("pipeline", "lister").queryParam("limit", 2)
                    .queryParam("cursor", cursor == null ? "" : cursor)
                    .get("/api/runs").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            cursor = page.getString("next");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(submitted.reversed());
    }

    @Test
    void listFiltersByStatusAndPipeline() {
        fixture.knownPipeline("filtered");
        String id = submit("{\"pipeline\":\"filtered\"}").statusCode(202).extract().path("id");
        given().queryParam("status", "queued").queryParam("pipeline", "filtered").get("/api/runs").then()
                .statusCode(200).body("items.id", equalTo(List.of(id))).body("next", nullValue());
        given().queryParam("status", "completed").queryParam("pipeline", "filtered").get("/api/runs").then()
                .statusCode(200).body("items", hasSize(0)).body("next", nullValue());
    }

    @Test
    void badListFiltersAre400() {
        given().queryParam("status", "done").get("/api/runs").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("status must be one of queued, running, completed, failed, cancelled"));
        given().queryParam("limit", "0").get("/api/runs").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("limit must be a whole number from 1 to 500"));
        given().queryParam("limit", "many").get("/api/runs").then().statusCode(400).contentType(PROBLEM);
        given().queryParam("cursor", "%%%").get("/api/runs").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("cursor is not valid"));
        given().queryParam("pipeline", "bad name!").get("/api/runs").then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void pipelinesListsKnownPipelinesWithLiveWorkers() {
        fixture.redis().sortedSet(String.class).zadd(fixture.keys().pipelineWorkers("sleep"), 1_000, "long-dead");
        given().get("/api/pipelines").then().statusCode(200).contentType(ContentType.JSON)
                .body("find { it.name == 'echo' }.queue", equalTo("default"))
                .body("find { it.name == 'echo' }.queues", equalTo(List.of()))
                .body("find { it.name == 'echo' }.workers", equalTo(1))
                .body("find { it.name == 'sleep' }.workers", equalTo(0));
    }

    @Test
    void unknownPathIs404Problem() {
        given().get("/api/nothing-here").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void theSameIdempotencyKeyAndBodyGetTheSameRunOnce() {
        String body = "{\"pipeline\":\"echo\",\"input\":{\"order\":42}}";
        long tasks = fixture.queuedTasks();
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", "order-42").body(body)
                .post("/api/runs").then().statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).header("Idempotency-Key", "order-42").body(body)
                .post("/api/runs").then().statusCode(202)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/runs/" + first))
                .body("id", equalTo(first));
        assertThat(fixture.queuedTasks()).isEqualTo(tasks + 1);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherBodyIs409() {
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", "job-7")
                .body("{\"pipeline\":\"echo\",\"input\":1}").post("/api/runs").then().statusCode(202)
                .extract().path("id");
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).header("Idempotency-Key", "job-7")
                .body("{\"pipeline\":\"echo\",\"input\":2}").post("/api/runs").then().statusCode(409)
                .contentType(PROBLEM)
                .body("detail", equalTo("Idempotency-Key 'job-7' was used for a different request (run " + first + ")")));
    }

    @Test
    void concurrentRequestsWithOneIdempotencyKeyCreateOneRun() throws Exception {
        String body = "{\"pipeline\":\"echo\",\"input\":\"race\"}";
        try (var threads = Executors.newFixedThreadPool(8)) {
            var ids = new ArrayList<Future<String>>();
            for (int i = 0; i < 8; i++) {
                ids.add(threads.submit(() -> given().contentType(ContentType.JSON).header("Idempotency-Key", "race-1")
                        .body(body).post("/api/runs").then().statusCode(202).extract().<String>path("id")));
            }
            Set<String> distinct = new HashSet<>();
            for (var id : ids) {
                distinct.add(id.get());
            }
            assertThat(distinct).hasSize(1);
        }
    }

    @Test
    void aMalformedIdempotencyKeyIs400() {
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).header("Idempotency-Key", "x".repeat(300))
                .body("{\"pipeline\":\"echo\"}").post("/api/runs").then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("Idempotency-Key")));
    }

    @Test
    void cancelOfAQueuedRunCancelsItAtOnceAndAnnouncesIt() {
        String id = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");

        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202).contentType(ContentType.JSON)
                .body("id", equalTo(id))
                .body("status", equalTo("cancelled"))
                .body("completedAt", notNullValue());
        var events = fixture.redis().stream(String.class).xrange(fixture.keys().events(UUID.fromString(id)),
                StreamRange.of("-", "+"));
        assertThat(events).singleElement().satisfies(e -> assertThat(e.payload())
                .containsEntry("type", "status")
                .containsEntry("data", "{\"status\":\"cancelled\",\"attempt\":0}"));
    }

    @Test
    void cancelOfARunningRunSignalsItsWorker() {
        String id = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        fixture.setStatus(id, "running");

        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202).body("status", equalTo("running"));
        assertThat(fixture.redis().key().exists(fixture.keys().cancelFlag(UUID.fromString(id)))).isTrue();
    }

    @Test
    void cancelOfAnEndedRunIs409() {
        String id = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202);

        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(409).contentType(PROBLEM)
                .body("status", equalTo(409))
                .body("detail", equalTo("run " + id + " already ended cancelled"));
    }

    @Test
    void retryOfAFailedOrCancelledRunSubmitsItAgainAsANewRun() {
        String failed = submit("{\"pipeline\":\"echo\",\"input\":{\"n\":[1,2]},\"priority\":3}").statusCode(202)
                .extract().path("id");
        fixture.setStatus(failed, "failed");
        long tasks = fixture.queuedTasks("default") + fixture.redis().stream(String.class)
                .xlen(fixture.keys().tasks("default", 3));

        String copy = given().contentType(ContentType.JSON).post("/api/runs/" + failed + "/retry").then().statusCode(202)
                .header("Location", startsWith("/api/runs/"))
                .body("status", equalTo("queued")).body("pipeline", equalTo("echo")).body("priority", equalTo(3))
                .body("input.n", contains(1, 2)).body("attempt", equalTo(0)).extract().path("id");
        assertThat(copy).isNotEqualTo(failed);
        assertThat(fixture.queuedTasks("default") + fixture.redis().stream(String.class)
                .xlen(fixture.keys().tasks("default", 3))).isEqualTo(tasks + 1);
        given().get("/api/runs/" + failed).then().statusCode(200).body("status", equalTo("failed"));

        String cancelled = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).post("/api/runs/" + cancelled + "/cancel").then().statusCode(202);
        given().contentType(ContentType.JSON).post("/api/runs/" + cancelled + "/retry").then().statusCode(202);
    }

    @Test
    void retryOfARunThatHasNotEndedOrCompletedIs409AndChangesNothing() {
        String queued = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).post("/api/runs/" + queued + "/retry")
                .then().statusCode(409).contentType(PROBLEM).body("detail", containsString("is queued")));
        fixture.setStatus(queued, "completed");
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).post("/api/runs/" + queued + "/retry")
                .then().statusCode(409).contentType(PROBLEM).body("detail", containsString("is completed")));
        given().contentType(ContentType.JSON).post("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/retry").then()
                .statusCode(404).contentType(PROBLEM);
    }

    @Test
    void cancelOfAnUnknownRunIs404() {
        given().contentType(ContentType.JSON).post("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/cancel").then().statusCode(404)
                .contentType(PROBLEM).body("detail", containsString("does not exist"));
    }

    @Test
    void eventsOfAnUnknownRunAre404() {
        given().get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/events").then().statusCode(404)
                .contentType(PROBLEM)
                .body("detail", equalTo("run 01a205d1-c2a0-7403-b95c-93eac94c0c24 does not exist"));
        given().get("/api/runs/nope/events").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void eventsWithAMalformedLastEventIdAre400() {
        String id = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        given().header("Last-Event-ID", "yesterday").get("/api/runs/" + id + "/events").then().statusCode(400)
                .contentType(PROBLEM).body("detail", containsString("Last-Event-ID must be an event id"));
    }

    @Test
    void eventsOfAnEndedRunReplayAndClose() {
        String id = submit("{\"pipeline\":\"echo\"}").statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202);

        String body = given().get("/api/runs/" + id + "/events").then().statusCode(200)
                .contentType(containsString("text/event-stream")).extract().asString();
        assertThat(body).containsSubsequence("event: status\n", "\"cancelled\"", "event: end\n",
                "\"status\":\"cancelled\"");
    }

    static ValidatableResponse submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/runs").then();
    }
}
