package io.runstream.worker;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.runstream.local.RunstreamTestResource;
import io.runstream.redis.streams.RedisStreamsConnector;
import io.runstream.worker.consume.TaskIntake;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code runstream.worker.read-ahead}: a worker whose slots are all taken still reads that many tasks of each lane
 * ahead, and no more; they wait claimed by it, still queued in PostgreSQL, and run as slots free.
 */
@QuarkusTest
@TestProfile(ReadAheadTest.ReadAhead.class)
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class ReadAheadTest {

    private static final int READ_AHEAD = 3;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    WorkerFixture fixture;

    @Inject
    WorkerConfig config;

    @Inject
    @Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    @Test
    void aBusyWorkerClaimsItsReadAheadAndNoMoreThenRunsThemAll() {
        int concurrency = config.concurrency();
        List<UUID> ids = IntStream.range(0, concurrency + READ_AHEAD + 4)
                .mapToObj(i -> fixture.submit("sleep", "{\"ms\":3000}")).toList();

        // the slots run `concurrency` runs; `READ_AHEAD` more are claimed and wait here; the rest stay in the stream.
        // The runs last 3 s, so that the checks below happen while the first ones still hold every slot
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == concurrency + READ_AHEAD);
        await().during(Duration.ofMillis(500)).atMost(WAIT)
                .until(() -> fixture.pendingTasks() == concurrency + READ_AHEAD);
        assertThat(ids.stream().filter(id -> fixture.status(id).equals("running")).count())
                .as("the tasks read ahead are not started").isEqualTo(concurrency);
        var channel = connector.incoming(TaskIntake.channelName("default")).orElseThrow();
        assertThat(channel.largestDemand()).isEqualTo(concurrency + READ_AHEAD);

        await().atMost(Duration.ofSeconds(45))
                .until(() -> ids.stream().allMatch(id -> fixture.status(id).equals("completed")));
        await().atMost(WAIT).until(() -> fixture.pendingTasks() == 0);
    }

    public static class ReadAhead implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runstream.worker.read-ahead", String.valueOf(READ_AHEAD));
        }
    }
}
