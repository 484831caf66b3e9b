package io.runstream.worker;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.runstream.local.RunstreamTestResource;
import io.runstream.worker.handler.internal.HandlerRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code runstream.demo-pipelines.enabled=false} leaves only the application's own pipelines. */
@QuarkusTest
@TestProfile(DemoPipelinesOffTest.DemosOff.class)
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class DemoPipelinesOffTest {

    @Inject
    HandlerRegistry registry;

    @Inject
    WorkerFixture fixture;

    @Test
    void servesNoDemoPipeline() {
        assertThat(registry.pipelines()).containsOnlyKeys("limited", "probe", "rated", "verify");

        UUID id = fixture.submit("echo", "{}");
        await().atMost(Duration.ofSeconds(15)).until(() -> fixture.status(id).equals("failed"));
        assertThat(fixture.run(id).getString("error")).isEqualTo("unknown pipeline 'echo'; this worker serves: limited, probe, rated, verify");
    }

    public static class DemosOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runstream.demo-pipelines.enabled", "false");
        }
    }
}
