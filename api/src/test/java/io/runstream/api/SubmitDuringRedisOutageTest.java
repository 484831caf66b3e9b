package io.runstream.api;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.runstream.local.LocalInfrastructure;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * A submit whose task cannot reach Redis (here: Redis holds every write for longer than the send timeout) is answered
 * in time, and truthfully: 503, and the run does not exist — nothing runs it later behind the client's back.
 */
@QuarkusTest
@TestProfile(SubmitDuringRedisOutageTest.ShortSendTimeout.class)
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS,
        initArgs = @ResourceArg(name = "redis", value = "dedicated"))
class SubmitDuringRedisOutageTest {

    /** A one-second send timeout, and a sweeper that looks every second. */
    public static class ShortSendTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.messaging.outgoing.tasks.send-timeout-ms", "1000", "runstream.api.sweep.interval", "1s",
                    "runstream.api.sweep.grace", "1s");
        }
    }

    @Inject
    ApiFixture fixture;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redis;

    @Test
    void aSubmitWhoseTaskCannotReachRedisIs503AndTheRunDoesNotExist() {
        fixture.knownPipeline("echo");
        fixture.pipelineDirectoryAge(Duration.ofMinutes(1));
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(202);
        long rows = fixture.runRows();

        assertThat(LocalInfrastructure.redisCommandAt(redis, "CLIENT", "PAUSE", "5000", "WRITE")).isEqualTo("+OK");
        long asked = System.nanoTime();
        RunApiTest.submit("{\"pipeline\":\"echo\"}").statusCode(503).contentType(RunApiTest.PROBLEM)
                .header("Retry-After", "5").body("detail", containsString("Redis is unavailable"));
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("answered before Redis is back")
                .isLessThan(Duration.ofSeconds(3));
        assertThat(fixture.runRows()).as("the refused run is not recorded").isEqualTo(rows);
        long batchAsked = System.nanoTime();
        BatchSubmitTest.batch("{\"runs\":[{\"pipeline\":\"echo\"},{\"pipeline\":\"echo\"}]}").statusCode(503)
                .contentType(RunApiTest.PROBLEM).body("detail", containsString("Redis is unavailable"));
        assertThat(Duration.ofNanos(System.nanoTime() - batchAsked)).isLessThan(Duration.ofSeconds(3));
        assertThat(fixture.runRows()).as("the refused batch is not recorded").isEqualTo(rows);

        // Redis back, sweeps done: still nothing that the client was told does not exist
        await().pollDelay(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(11)).until(() -> true);
        assertThat(fixture.runRows()).isEqualTo(rows);
    }
}
