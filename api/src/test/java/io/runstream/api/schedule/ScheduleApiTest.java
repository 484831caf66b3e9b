package io.runstream.api.schedule;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.runstream.api.ApiFixture;
import io.runstream.local.RunstreamTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** {@code /api/schedules}: the contract, and the ticker that makes one run per tick as the policies say. */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ScheduleApiTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    ApiFixture fixture;
    @Inject
    Pool pool;
    @Inject
    Ticker ticker;

    @BeforeEach
    void pipelines() {
        fixture.knownPipeline("echo");
        fixture.pipelineDirectoryAge(Duration.ofHours(1)); // settled: an unknown pipeline is a 400, not a 503
    }

    @Test
    void aScheduleIsCreatedReadChangedPausedResumedAndDeleted() {
        post("{\"name\":\"nightly\",\"pipeline\":\"echo\",\"cron\":\"0 3 * * *\",\"input\":{\"full\":true}}")
                .statusCode(201).header("Location", org.hamcrest.Matchers.endsWith("/api/schedules/nightly"))
                .body("name", equalTo("nightly")).body("pipeline", equalTo("echo")).body("queue", equalTo("default"))
                .body("priority", equalTo(2)).body("input.full", equalTo(true)).body("timeZone", equalTo("UTC"))
                .body("overlap", equalTo("skip")).body("catchUp", equalTo("last"))
                .body("catchUpWindow", equalTo("PT1H")).body("paused", equalTo(false))
                .body("nextTick", equalTo(Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(
                        LocalDateTime.now(ZoneOffset.UTC).getHour() >= 3 ? 27 : 3)).toString()))
                .body("fired", equalTo(0));
        post("{\"name\":\"nightly\",\"pipeline\":\"echo\",\"cron\":\"0 4 * * *\"}").statusCode(409)
                .contentType(PROBLEM).body("detail", containsString("PUT /api/schedules/nightly"));

        given().get("/api/schedules/nightly").then().statusCode(200).body("cron", equalTo("0 3 * * *"));
        given().get("/api/schedules").then().statusCode(200).body("schedules.name", org.hamcrest.Matchers.hasItem(
                "nightly"));

        put("nightly", "{\"pipeline\":\"echo\",\"cron\":\"30 2 * * *\",\"timeZone\":\"Europe/Berlin\","
                + "\"overlap\":\"queue-one\",\"catchUp\":\"all\",\"catchUpWindow\":\"PT6H\",\"priority\":1}")
                .statusCode(200).body("cron", equalTo("30 2 * * *")).body("timeZone", equalTo("Europe/Berlin"))
                .body("overlap", equalTo("queue-one")).body("catchUp", equalTo("all"))
                .body("catchUpWindow", equalTo("PT6H")).body("priority", equalTo(1)).body("input", equalTo(null));
        put("weekly", "{\"pipeline\":\"echo\",\"cron\":\"0 0 * * 1\"}").statusCode(201);

        given().contentType(ContentType.JSON).post("/api/schedules/nightly/pause").then().statusCode(200).body("paused", equalTo(true));
        given().contentType(ContentType.JSON).post("/api/schedules/nightly/resume").then().statusCode(200).body("paused", equalTo(false))
                .body("nextTick", notNullValue());

        given().delete("/api/schedules/nightly").then().statusCode(204);
        given().get("/api/schedules/nightly").then().statusCode(404).contentType(PROBLEM);
        given().delete("/api/schedules/nightly").then().statusCode(404);
        given().contentType(ContentType.JSON).post("/api/schedules/nightly/pause").then().statusCode(404);
    }

    @Test
    void badValuesAreRefusedWithAProblemAndWriteNothing() {
        long before = schedules();
        String[][] cases = {
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"61 * * * *\"}", "not a valid cron expression"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * *\"}", "5 fields"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"0 0 30 2 *\"}", "matches no time"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\"}", "'cron' is missing"},
                {"{\"name\":\"x\",\"cron\":\"* * * * *\"}", "'pipeline' is missing"},
                {"{\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}", "'name' is missing"},
                {"{\"name\":\"x y\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}", "'name' must be"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"timeZone\":\"Mars/Olympus\"}",
                        "IANA time zone"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"overlap\":\"sometimes\"}",
                        "'overlap' must be one of allow, queue-one, skip"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"catchUp\":\"some\"}",
                        "'catchUp' must be one of"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"catchUpWindow\":\"P30D\"}",
                        "'catchUpWindow' must be"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"priority\":9}", "'priority'"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"paused\":\"yes\"}", "'paused'"},
                {"{\"name\":\"x\",\"pipeline\":\"nope\",\"cron\":\"* * * * *\"}", "unknown pipeline 'nope'"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"queue\":\"gpu\"}",
                        "not served on queue 'gpu'"},
                {"{\"name\":\"x\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"every\":1}", "unknown member 'every'"},
                {"[1]", "JSON object"},
                {"{\"name\":", "malformed JSON"},
        };
        for (String[] c : cases) {
            post(c[0]).statusCode(400).contentType(PROBLEM).body("detail", containsString(c[1]));
        }
        put("y", "{\"name\":\"z\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}").statusCode(400)
                .body("detail", containsString("the path names 'y'"));
        assertThat(schedules()).as("schedules written").isEqualTo(before);
    }

    @Test
    void everyTickMakesOneRunThatRecordsIt() {
        post("{\"name\":\"every-second\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\",\"overlap\":\"allow\","
                + "\"input\":{\"n\":1}}").statusCode(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> ticks("every-second").size() >= 4);
        given().delete("/api/schedules/every-second").then().statusCode(204);

        List<Instant> ticks = ticks("every-second");
        assertContiguous(ticks, Duration.ofSeconds(1));
        String id = one("SELECT id::text FROM runs WHERE schedule_name = 'every-second' ORDER BY schedule_tick "
                + "LIMIT 1").getString(0);
        given().get("/api/runs/" + id).then().statusCode(200).body("schedule.name", equalTo("every-second"))
                .body("schedule.tick", equalTo(ticks.getFirst().toString())).body("input.n", equalTo(1))
                .body("status", equalTo("queued"));
        given().get("/api/runs?schedule=every-second&limit=500").then().statusCode(200)
                .body("items.size()", equalTo(ticks.size())).body("items.schedule.name", org.hamcrest.Matchers.everyItem(
                        equalTo("every-second")));
        given().get("/api/runs?schedule=no%20such").then().statusCode(400).contentType(PROBLEM);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(fixture.dispatched(id)).isTrue());
    }

    @Test
    void concurrentPassesMakeOneRunPerTickAndARewoundCursorMakesNoSecond() throws Exception {
        post("{\"name\":\"contended\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\",\"overlap\":\"allow\"}")
                .statusCode(201);
        Instant until = Instant.now().plusSeconds(4);
        List<CompletableFuture<Void>> passes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            passes.add(CompletableFuture.runAsync(() -> {
                while (Instant.now().isBefore(until)) {
                    ticker.pass().await().atMost(Duration.ofSeconds(10));
                }
            }));
        }
        CompletableFuture.allOf(passes.toArray(CompletableFuture[]::new)).get();
        given().contentType(ContentType.JSON).post("/api/schedules/contended/pause").then().statusCode(200);
        List<Instant> ticks = ticks("contended");
        assertThat(ticks).hasSizeGreaterThanOrEqualTo(3);
        assertContiguous(ticks, Duration.ofSeconds(1));

        // a cursor moved back (a bug, or a restored backup) finds its ticks' runs made: none is made twice
        execute("UPDATE schedules SET paused = false, next_tick = $1, next_local = $2 WHERE name = 'contended'",
                ticks.getFirst().atOffset(ZoneOffset.UTC), LocalDateTime.ofInstant(ticks.getFirst(), ZoneOffset.UTC));
        ticker.pass().await().atMost(Duration.ofSeconds(10));
        given().contentType(ContentType.JSON).post("/api/schedules/contended/pause").then().statusCode(200);
        List<Instant> after = ticks("contended");
        assertThat(after).doesNotHaveDuplicates();
        assertContiguous(after, Duration.ofSeconds(1));
        given().get("/api/schedules/contended").then().body("fired", equalTo(after.size())); // runs made, not ticks tried
    }

    @Test
    void skipPassesOverTicksWhileTheRunGoesAndQueueOneWaitsForIt() {
        post("{\"name\":\"skipper\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\"}").statusCode(201);
        post("{\"name\":\"queuer\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\",\"overlap\":\"queue-one\"}")
                .statusCode(201);
        // no worker runs them: the first run of each stays queued
        await().atMost(Duration.ofSeconds(10)).until(() -> skipped("skipper") >= 2 && skipped("queuer") >= 2);
        assertThat(ticks("skipper")).hasSize(1);
        assertThat(ticks("queuer")).hasSize(1);
        Instant pending = Instant.parse(given().get("/api/schedules/queuer").then().statusCode(200)
                .body("pendingTick", notNullValue()).extract().path("pendingTick"));
        assertThat(pending).isAfter(ticks("queuer").getFirst());

        String first = one("SELECT id::text FROM runs WHERE schedule_name = 'queuer'").getString(0);
        fixture.setStatus(first, "completed");
        await().atMost(Duration.ofSeconds(5)).until(() -> ticks("queuer").size() == 2);
        assertThat(ticks("queuer").getLast()).as("the queued tick's run").isEqualTo(pending);
        assertThat(ticks("skipper")).hasSize(1);
        given().contentType(ContentType.JSON).post("/api/schedules/skipper/pause").then().statusCode(200);
        given().contentType(ContentType.JSON).post("/api/schedules/queuer/pause").then().statusCode(200);
    }

    /**
     * After downtime (the cursor left 40 minutes behind), catch-up decides which missed ticks make runs: all of
     * them, the newest, none, or those within the window.
     */
    @Test
    void missedTicksMakeRunsAsTheCatchUpPolicySays() {
        // the newest missed tick must be late past the misfire threshold (5 s), for 'none'
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var now = LocalDateTime.now(ZoneOffset.UTC);
            return !(now.getMinute() % 10 == 0 && now.getSecond() < 15);
        });
        Instant now = Instant.now();
        Instant newest = now.truncatedTo(ChronoUnit.HOURS).plus(
                Duration.ofMinutes(LocalDateTime.ofInstant(now, ZoneOffset.UTC).getMinute() / 10 * 10L));
        Instant oldest = newest.minus(Duration.ofMinutes(40));
        Duration age = Duration.between(newest, now);
        String window = Duration.ofMinutes(25).plus(age).withNanos(0).toString(); // between the 3rd and 4th newest
        for (String[] s : new String[][] {{"all", "PT1H"}, {"last", "PT1H"}, {"none", "PT1H"}, {"all", window}}) {
            String name = "catch-" + s[0] + (s[1].equals("PT1H") ? "" : "-window");
            post("{\"name\":\"" + name + "\",\"pipeline\":\"echo\",\"cron\":\"*/10 * * * *\",\"overlap\":\"allow\","
                    + "\"catchUp\":\"" + s[0] + "\",\"catchUpWindow\":\"" + s[1] + "\"}").statusCode(201);
            execute("UPDATE schedules SET next_tick = $1, next_local = $2 WHERE name = $3",
                    oldest.atOffset(ZoneOffset.UTC), LocalDateTime.ofInstant(oldest, ZoneOffset.UTC), name);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> nextTick("catch-none").isAfter(now)
                && nextTick("catch-all").isAfter(now) && nextTick("catch-last").isAfter(now)
                && nextTick("catch-all-window").isAfter(now));

        List<Instant> all = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            all.add(oldest.plus(Duration.ofMinutes(10L * i)));
        }
        assertThat(ticks("catch-all")).containsExactlyElementsOf(all);
        assertThat(ticks("catch-last")).containsExactly(newest);
        assertThat(ticks("catch-none")).isEmpty();
        assertThat(ticks("catch-all-window")).containsExactlyElementsOf(all.subList(2, 5));
        given().get("/api/schedules/catch-last").then().body("missed", equalTo(4)).body("fired", equalTo(1))
                .body("lastTick", equalTo(newest.toString()));
        given().get("/api/schedules/catch-none").then().body("missed", equalTo(5)).body("fired", equalTo(0));
        given().get("/api/schedules/catch-all-window").then().body("missed", equalTo(2)).body("fired", equalTo(3));
    }

    private static ValidatableResponse post(String body) {
        return given().contentType("application/json").body(body).post("/api/schedules").then();
    }

    private static ValidatableResponse put(String name, String body) {
        return given().contentType("application/json").body(body).put("/api/schedules/" + name).then();
    }

    private static void assertContiguous(List<Instant> ticks, Duration step) {
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i - 1), ticks.get(i))).as("between ticks %d and %d", i - 1, i)
                    .isEqualTo(step);
        }
    }

    private List<Instant> ticks(String schedule) {
        List<Instant> ticks = new ArrayList<>();
        pool.preparedQuery("SELECT schedule_tick FROM runs WHERE schedule_name = $1 ORDER BY schedule_tick")
                .execute(Tuple.of(schedule)).await().indefinitely()
                .forEach(r -> ticks.add(r.getOffsetDateTime(0).toInstant()));
        return ticks;
    }

    private long skipped(String schedule) {
        return one("SELECT skipped FROM schedules WHERE name = '" + schedule + "'").getLong(0);
    }

    private Instant nextTick(String schedule) {
        return one("SELECT next_tick FROM schedules WHERE name = '" + schedule + "'").getOffsetDateTime(0)
                .toInstant();
    }

    private long schedules() {
        return one("SELECT count(*) FROM schedules").getLong(0);
    }

    private Row one(String sql) {
        return pool.query(sql).execute().await().indefinitely().iterator().next();
    }

    private void execute(String sql, Object... params) {
        pool.preparedQuery(sql).execute(Tuple.from(params)).await().indefinitely();
    }
}
