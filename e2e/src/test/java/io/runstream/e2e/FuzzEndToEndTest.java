package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import io.runstream.local.Fuzzer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of malformed and hostile requests ({@link Fuzzer}) to every endpoint of the packaged api, auth on: every
 * one is answered with a 4xx and none hangs, nothing is recorded for any of them (runs, schedules, keys, outbox, Redis
 * keys counted before and after), no error is logged, and the api is healthy and serves a real run after. The seed is
 * fixed, so a failure repeats; {@code -Drunstream.fuzz.requests} and {@code -Drunstream.fuzz.seed} change the run.
 * The long run is the {@code fuzz} benchmark scenario.
 */
class FuzzEndToEndTest {

    private static final int REQUESTS = Integer.getInteger("runstream.fuzz.requests", 20_000);
    private static final long SEED = Long.getLong("runstream.fuzz.seed", 20261205L);

    private static AppProcesses apps;
    private static RunstreamClient client;

    @BeforeAll
    static void start() throws Exception {
        // workers advertise every second, so the pipeline directory is settled (an unknown pipeline is a 400, not the
        // 503 of a directory still being built) two seconds after the start
        apps = new AppProcesses("fuzz").start(Map.of("RUNSTREAM_WORKERS_HEARTBEAT_INTERVAL", "1s"));
        client = new RunstreamClient(apps);
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void hostileRequestsAreAll4xxChangeNothingAndLeaveTheApiHealthy() throws Exception {
        Fuzzer.Keys keys = Fuzzer.prepare(apps);
        Map<String, Long> before = apps.footprint();
        long logged = Files.size(apps.log("api"));

        Fuzzer.Report report = new Fuzzer("127.0.0.1", apps.apiPort, keys, SEED).run(REQUESTS, 8);
        System.out.println("fuzz: " + report);
        report.samples().forEach(sample -> System.out.println("fuzz sample: " + sample));

        assertThat(report.hangs()).as(report.toString()).isZero();
        assertThat(report.outside4xx()).as(report.toString()).isZero();
        assertThat(apps.footprint()).as("what the apps hold, after as before").isEqualTo(before);
        assertThat(apps.plainHttp.send(HttpRequest.newBuilder(apps.apiManagement("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        String run = client.submit("echo", "{\"after\":\"fuzz\"}");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> client.status(run).equals("completed"));
        // hostile paths made no time series of their own: the uri label is always a route's template
        String metrics = apps.plainHttp.send(HttpRequest.newBuilder(apps.apiManagement("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Set<String> uris = new TreeSet<>();
        Matcher uri = Pattern.compile("http_server_requests_seconds_count\\{[^}]*uri=\"([^\"]*)\"")
                .matcher(metrics);
        while (uri.find()) {
            uris.add(uri.group(1));
        }
        assertThat(uris).as("uri labels").isNotEmpty().allSatisfy(u -> assertThat(u).doesNotContainPattern("[0-9a-f]{8}-")
                .doesNotContain("%").doesNotContain("nope")).hasSizeLessThan(30);
        String log = Files.readString(apps.log("api"));
        assertThat(log.substring((int) Math.min(logged, log.length()))).as("what the api logged meanwhile")
                .doesNotContain("ERROR").doesNotContain(" WARN ").doesNotContain("Exception");
    }
}
