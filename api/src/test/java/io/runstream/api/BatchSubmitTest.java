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
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

/** {@code POST /api/runs/batch}: many runs recorded and queued at once, or none when any item is wrong. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class BatchSubmitTest {

    @Inject
    ApiFixture fixture;

    @BeforeEach
    void pipelines() {
        fixture.knownPipeline("echo", "worker-1");
        fixture.knownPipeline("sleep", "worker-1");
        fixture.pipelineDirectoryAge(Duration.ofMinutes(1)); // settled: an unknown pipeline is a 400, not a 503
    }

    @Test
    void aBatchRecordsEveryRunAndQueuesTheirTasksInOrder() {
        long tasksBefore = fixture.queuedTasks();
        List<String> ids = batch("""
                {"runs": [{"pipeline": "echo", "input": {"n": 0}},
                          {"pipeline": "sleep", "input": {"ms": 1}, "queue": "default"},
                          {"pipeline": "echo"}]}""")
                .statusCode(202).contentType(ContentType.JSON)
                .body("runs", hasSize(3))
                .body("runs[0].pipeline", equalTo("echo")).body("runs[0].input.n", equalTo(0))
                .body("runs[1].pipeline", equalTo("sleep")).body("runs[1].queue", equalTo("default"))
                .body("runs[2].status", equalTo("queued"))
                .extract().path("runs.id");

        for (String id : ids) {
            given().get("/api/runs/" + id).then().statusCode(200).body("status", equalTo("queued"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> ids.stream().allMatch(fixture::dispatched));
        List<StreamMessage<String, String, String>> tasks = fixture.redis().stream(String.class)
                .xrange(fixture.keys().tasks("default"), StreamRange.of("-", "+"));
        assertThat(tasks).hasSize((int) tasksBefore + 3);
        assertThat(tasks.subList(tasks.size() - 3, tasks.size())).extracting(t -> t.payload().get("payload"))
                .containsExactly(task(ids.get(0), "echo"), task(ids.get(1), "sleep"), task(ids.get(2), "echo"));
    }

    @Test
    void aThousandRunsGoInOneRequest() {
        String runs = IntStream.range(0, 1000).mapToObj(i -> "{\"pipeline\":\"echo\",\"input\":" + i + "}")
                .collect(Collectors.joining(",", "{\"runs\":[", "]}"));
        long rows = fixture.runRows();
        batch(runs).statusCode(202).body("runs", hasSize(1000)).body("runs[999].input", equalTo(999));
        assertThat(fixture.runRows()).isEqualTo(rows + 1000);
    }

    @Test
    void oneBadItemRefusesTheWholeBatchNamingItsIndex() {
        fixture.assertNothingChanges(() -> batch("""
                {"runs": [{"pipeline": "echo"}, {"pipeline": "echo"}, {"pipeline": "echo", "color": 1}]}""")
                .statusCode(400).contentType(RunApiTest.PROBLEM)
                .body("index", equalTo(2)).body("detail", containsString("runs[2]: unknown member 'color'")));
        fixture.assertNothingChanges(() -> batch("""
                {"runs": [{"pipeline": "echo", "priority": 1}, {"pipeline": "echo", "priority": 9}]}""")
                .statusCode(400).body("index", equalTo(1)).body("detail", containsString("runs[1]: 'priority'")));
        fixture.assertNothingChanges(() -> batch("""
                {"runs": [{"pipeline": "echo"}, {"pipeline": "nope"}]}""")
                .statusCode(400).body("index", equalTo(1))
                .body("detail", containsString("runs[1]: unknown pipeline 'nope'"))
                .body("knownPipelines", hasItem("echo")));
        fixture.assertNothingChanges(() -> batch("""
                {"runs": [{"pipeline": "echo", "queue": "elsewhere"}]}""")
                .statusCode(400).body("index", equalTo(0))
                .body("detail", containsString("runs[0]: pipeline 'echo' is not served on queue 'elsewhere'; it is served on: default")));
        fixture.assertNothingChanges(() -> batch("{\"runs\": [{\"pipeline\": \"echo\"}, 7]}")
                .statusCode(400).body("index", equalTo(1)).body("detail", containsString("runs[1]: ")));
    }

    @Test
    void aBatchThatIsNotOneIsRefused() {
        String tooMany = IntStream.range(0, 1001).mapToObj(i -> "{\"pipeline\":\"echo\"}")
                .collect(Collectors.joining(",", "{\"runs\":[", "]}"));
        fixture.assertNothingChanges(() -> batch(tooMany).statusCode(400)
                .body("detail", equalTo("'runs' must hold 1 to 1000 runs, held 1001")));
        fixture.assertNothingChanges(() -> batch("{\"runs\": []}").statusCode(400)
                .body("detail", equalTo("'runs' must hold 1 to 1000 runs, held 0")));
        fixture.assertNothingChanges(() -> batch("[{\"pipeline\": \"echo\"}]").statusCode(400)
                .body("detail", containsString("a JSON object with a 'runs' array")));
        fixture.assertNothingChanges(() -> batch("{\"runs\": {\"pipeline\": \"echo\"}}").statusCode(400)
                .body("detail", containsString("'runs' must be an array")));
        fixture.assertNothingChanges(() -> batch("{\"runs\": [], \"extra\": 1}").statusCode(400)
                .body("detail", containsString("unknown member 'extra'")));
        fixture.assertNothingChanges(() -> batch("{\"runs\": [").statusCode(400)
                .body("detail", containsString("malformed JSON")));
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).header("Idempotency-Key", "k-1")
                .body("{\"runs\": [{\"pipeline\": \"echo\"}]}").post("/api/runs/batch").then().statusCode(400)
                .body("detail", containsString("Idempotency-Key is not taken by a batch submit")));
    }

    static ValidatableResponse batch(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/runs/batch").then();
    }

    private static String task(String id, String pipeline) {
        return "{\"runId\":\"" + id + "\",\"pipeline\":\"" + pipeline + "\"}";
    }
}
