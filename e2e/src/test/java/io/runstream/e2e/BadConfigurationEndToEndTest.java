package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A setting out of its range stops the app at start, naming the setting: not a run that fails an hour later. */
class BadConfigurationEndToEndTest {

    private AppProcesses apps;

    @BeforeEach
    void create() throws Exception {
        apps = new AppProcesses("bad-configuration");
    }

    @AfterEach
    void close() throws Exception {
        apps.close();
    }

    @Test
    void aWorkerWithNoAttemptsAllowedDoesNotStart() throws Exception {
        assertThatThrownBy(() -> apps.startWorker(Map.of("RUNSTREAM_WORKER_RETRY_MAX_ATTEMPTS", "0")))
                .hasMessageContaining("died at start");
        assertThat(Files.readString(apps.log("worker"))).contains("runstream.worker.retry.max-attempts");
    }

    @Test
    void aWorkerNamesEverySettingOutOfRangeAtOnce() throws Exception {
        assertThatThrownBy(() -> apps.startWorker(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "0",
                "RUNSTREAM_WORKER_RETRY_JITTER", "1.5", "RUNSTREAM_EVENTS_MAXLEN", "0")))
                .hasMessageContaining("died at start");
        assertThat(Files.readString(apps.log("worker"))).contains(
                "runstream.worker.concurrency must be at least 1, was 0",
                "runstream.worker.retry.jitter must be from 0.0 to 1.0, was 1.5",
                "runstream.events.maxlen must be at least 1, was 0");
    }

    @Test
    void anApiThatWouldSweepFasterThanItsSchedulerCanDoesNotStart() throws Exception {
        assertThatThrownBy(() -> apps.startApi(Map.of("RUNSTREAM_API_SWEEP_INTERVAL", "100ms")))
                .hasMessageContaining("died at start");
        assertThat(Files.readString(apps.log("api"))).contains("runstream.api.sweep.interval");
    }

    @Test
    void anApiWithoutKeysDoesNotStartInProdUnlessThatIsConfirmed() throws Exception {
        assertThatThrownBy(() -> apps.startApi(Map.of("RUNSTREAM_AUTH_ENABLED", "false")))
                .hasMessageContaining("died at start");
        assertThat(Files.readString(apps.log("api"))).contains("runstream.auth.allow-disabled");
        apps.startApi(Map.of("RUNSTREAM_AUTH_ENABLED", "false", "RUNSTREAM_AUTH_ALLOW_DISABLED", "true"));
        assertThat(apps.plainHttp.send(HttpRequest.newBuilder(apps.api("/api/runs")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        apps.stop();
    }

    @Test
    void anApiWithAPageOfNothingDoesNotStart() throws Exception {
        assertThatThrownBy(() -> apps.startApi(Map.of("RUNSTREAM_API_MAX_PAGE_SIZE", "0")))
                .hasMessageContaining("died at start");
        assertThat(Files.readString(apps.log("api"))).contains(
                "runstream.api.max-page-size must be at least 1, was 0");
    }
}
