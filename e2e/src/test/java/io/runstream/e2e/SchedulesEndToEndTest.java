package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schedules with the packaged apps: two api replicas make exactly one run per tick, also when one of them dies;
 * ticks missed while no api ran make runs as each catch-up policy says; and the changes of daylight saving time,
 * reached by shifting the ticker's clock, tick as docs/scheduling.md says.
 *
 * <p>It mostly waits on clocks (ticks, an api kept down on purpose), so it runs beside the other classes, which run
 * one after another (junit-platform.properties): the only class that does, so that at most two run at once. What
 * it checks depends on clocks, not on how fast a busy machine is: each wait leaves tens of seconds of slack.
 */
@Execution(ExecutionMode.CONCURRENT)
class SchedulesEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String CLOCK_SHIFT = "RUNSTREAM_API_SCHEDULES_CLOCK_SHIFT";

    private AppProcesses apps;

    @AfterEach
    void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    /**
     * Also with the native api (cron-utils and the ticker compiled ahead of time); the slower two on the JVM only.
     * Catch-up {@code all}, so that a tick made late on a busy machine is still made: what is checked is that each
     * is made once, by one replica, and none is lost when one dies.
     */
    @Test
    @Tag(AppProcesses.NATIVE_TAG)
    void twoApiReplicasMakeExactlyOneRunPerTickAndLoseNoneWhenOneDies() throws Exception {
        apps = new AppProcesses("schedules-replicas").start(Map.of());
        apps.startApiReplica(Map.of());
        RunstreamClient client = new RunstreamClient(apps);
        create(client, "{\"name\":\"every-second\",\"pipeline\":\"echo\",\"cron\":\"* * * * * *\","
                + "\"overlap\":\"allow\",\"catchUp\":\"all\",\"input\":{\"tick\":true}}");
        await().atMost(WAIT).until(() -> ticks(client, "every-second").size() >= 6);
        apps.killApiReplicas();
        int before = ticks(client, "every-second").size();
        await().atMost(WAIT).until(() -> ticks(client, "every-second").size() >= before + 4);
        assertThat(client.post("/api/schedules/every-second/pause", "").statusCode()).isEqualTo(200);

        List<Instant> ticks = ticks(client, "every-second");
        assertThat(ticks).doesNotHaveDuplicates();
        assertSteps(ticks, Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> runs(client, "every-second").stream()
                .allMatch(run -> run.get("status").asText().equals("completed")));
    }

    /**
     * The api stops for 40–60 s: the ticks of a schedule every 20 s that pass meanwhile make runs once it is back —
     * all of them, the newest, or none (it is more than the misfire threshold late when the api is back).
     */
    @Test
    void ticksMissedWhileNoApiRanMakeRunsAsEachCatchUpPolicySays() throws Exception {
        apps = new AppProcesses("schedules-catch-up").start(Map.of());
        RunstreamClient client = new RunstreamClient(apps);
        for (String policy : List.of("all", "last", "none")) {
            create(client, "{\"name\":\"catch-" + policy + "\",\"pipeline\":\"echo\",\"cron\":\"*/20 * * * * *\","
                    + "\"overlap\":\"allow\",\"catchUp\":\"" + policy + "\",\"catchUpWindow\":\"PT10M\"}");
        }
        await().atMost(WAIT).until(() -> !ticks(client, "catch-none").isEmpty()
                && !ticks(client, "catch-last").isEmpty() && !ticks(client, "catch-all").isEmpty());
        apps.terminateApi();
        Instant stopped = Instant.now();
        // back 40 to 60 s later, 8 to 10 s after a tick: the newest missed tick is late past the threshold (5 s)
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Instant now = Instant.now();
            long second = now.atOffset(ZoneOffset.UTC).getSecond() % 20;
            return now.isAfter(stopped.plusSeconds(40)) && second >= 8 && second < 10;
        });
        Instant restarted = Instant.now();
        apps.startApi(Map.of());
        await().atMost(WAIT).until(() -> ticks(client, "catch-none").getLast().isAfter(restarted)
                && ticks(client, "catch-last").getLast().isAfter(restarted)
                && ticks(client, "catch-all").getLast().isAfter(restarted));

        Instant lastBefore = ticks(client, "catch-all").stream().filter(t -> t.isBefore(stopped)).max(Instant::compareTo)
                .orElseThrow();
        List<Instant> missed = new ArrayList<>();
        for (Instant t = lastBefore.plusSeconds(20); !t.isAfter(restarted); t = t.plusSeconds(20)) {
            if (t.isAfter(stopped)) {
                missed.add(t);
            }
        }
        assertThat(missed).as("ticks while the api was down").hasSizeGreaterThanOrEqualTo(2);
        assertThat(ticks(client, "catch-all")).containsAll(missed);
        assertSteps(ticks(client, "catch-all"), Duration.ofSeconds(20));
        assertThat(ticks(client, "catch-last")).filteredOn(missed::contains).containsExactly(missed.getLast());
        assertThat(ticks(client, "catch-none")).filteredOn(missed::contains).isEmpty();
        JsonNode none = client.get("/api/schedules/catch-none");
        assertThat(none.get("missed").asLong()).isGreaterThanOrEqualTo(missed.size());
    }

    /**
     * Europe/Berlin's two changes of 2026, reached by starting the api with its ticker's clock shifted to just
     * before each: an every-5-seconds schedule keeps its interval through both; a schedule of hour 2 (every 10 s
     * of it) ticks once at the spring jump (its hour does not occur) and, in autumn, only in the first pass of the
     * repeated hour.
     */
    @Test
    void daylightSavingTimeChangesTickAsDocumented() throws Exception {
        Instant springStart = Instant.parse("2026-03-29T00:59:40Z"); // 01:59:40 CET; at 01:00 UTC, 03:00 CEST
        apps = new AppProcesses("schedules-dst").start(Map.of(CLOCK_SHIFT, shiftTo(springStart)));
        RunstreamClient client = new RunstreamClient(apps);
        create(client, berlin("spring-interval", "*/5 * * * * *"));
        create(client, berlin("spring-hour-two", "*/10 * 2 * * *"));
        await().atMost(WAIT).until(() -> ticks(client, "spring-interval").contains(Instant.parse(
                "2026-03-29T01:00:15Z")));
        List<Instant> interval = ticks(client, "spring-interval");
        assertThat(interval).contains(Instant.parse("2026-03-29T00:59:55Z"), Instant.parse("2026-03-29T01:00:00Z"),
                Instant.parse("2026-03-29T01:00:05Z"));
        assertSteps(interval, Duration.ofSeconds(5));
        assertThat(ticks(client, "spring-hour-two")).containsExactly(Instant.parse("2026-03-29T01:00:00Z"));
        assertThat(client.get("/api/schedules/spring-hour-two").get("nextTick").asText())
                .isEqualTo("2026-03-30T00:00:00Z"); // 02:00 CEST the next day
        for (String name : List.of("spring-interval", "spring-hour-two")) {
            assertThat(client.delete("/api/schedules/" + name)).isEqualTo(204);
        }

        Instant autumnStart = Instant.parse("2026-10-25T00:59:30Z"); // 02:59:30 CEST; at 01:00 UTC, 02:00 CET
        apps.terminateApi();
        apps.startApi(Map.of(CLOCK_SHIFT, shiftTo(autumnStart)));
        create(client, berlin("autumn-interval", "*/5 * * * * *"));
        create(client, berlin("autumn-hour-two", "*/10 * 2 * * *"));
        await().atMost(WAIT).until(() -> ticks(client, "autumn-interval").contains(Instant.parse(
                "2026-10-25T01:00:15Z")));
        List<Instant> autumn = ticks(client, "autumn-interval");
        assertThat(autumn).contains(Instant.parse("2026-10-25T00:59:55Z"), Instant.parse("2026-10-25T01:00:00Z"),
                Instant.parse("2026-10-25T01:00:05Z"));
        assertSteps(autumn, Duration.ofSeconds(5));
        assertThat(ticks(client, "autumn-hour-two")).contains(Instant.parse("2026-10-25T00:59:50Z"))
                .allMatch(t -> t.isBefore(Instant.parse("2026-10-25T01:00:00Z")));
        assertThat(client.get("/api/schedules/autumn-hour-two").get("nextTick").asText())
                .isEqualTo("2026-10-26T01:00:00Z"); // 02:00 CET the next day
    }

    private static String berlin(String name, String cron) {
        return "{\"name\":\"" + name + "\",\"pipeline\":\"echo\",\"cron\":\"" + cron + "\",\"timeZone\":"
                + "\"Europe/Berlin\",\"overlap\":\"allow\",\"catchUp\":\"all\"}";
    }

    /** A clock shift that puts the api's ticker at {@code start} a few seconds from now, once it has started. */
    private static String shiftTo(Instant start) {
        return Duration.between(Instant.now().plusSeconds(8), start).toString();
    }

    private static void create(RunstreamClient client, String body) {
        var response = client.post("/api/schedules", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static List<JsonNode> runs(RunstreamClient client, String schedule) {
        List<JsonNode> runs = new ArrayList<>();
        client.get("/api/runs?limit=500&schedule=" + schedule).get("items").forEach(runs::add);
        return runs;
    }

    /** The ticks of the runs {@code schedule} made, oldest first. */
    private static List<Instant> ticks(RunstreamClient client, String schedule) {
        return runs(client, schedule).stream().map(run -> Instant.parse(run.get("schedule").get("tick").asText()))
                .sorted().toList();
    }

    private static void assertSteps(List<Instant> ticks, Duration step) {
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i - 1), ticks.get(i))).as("from %s to %s", ticks.get(i - 1),
                    ticks.get(i)).isEqualTo(step);
        }
    }
}
