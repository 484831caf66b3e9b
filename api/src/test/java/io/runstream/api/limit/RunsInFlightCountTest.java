package io.runstream.api.limit;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.api.ApiFixture;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A run admitted after a count of the runs in flight was asked, and committed before PostgreSQL reads them, is counted
 * once, not twice (in the count and in what this replica admitted since): AuthApiTest saw a tenant with 2 runs refused
 * as having 3 (CI, 2026-12-06). A submit is admitted before its runs' time is taken, so such a run is created after
 * the count was asked; here its row is committed first, timed a second after the admission that asks for the count,
 * so the count reads it whatever the timing.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class RunsInFlightCountTest {

    @Inject
    RunsInFlight inFlight;

    @Inject
    ApiFixture fixture;

    @Test
    void aRunCommittedBeforeTheCountIsCountedOnce() {
        inFlight.admit("first-count", 1); // the first count: asked at once
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.recounts() >= 1);
        long before = inFlight.recounts();
        // a second since the last count: the admission below asks for the next one, which reads this row
        await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(2)).until(() -> true);
        fixture.execute("INSERT INTO runs (id, pipeline, queue, status, created_at, updated_at, tenant) "
                + "VALUES (gen_random_uuid(), 'echo', 'default', 'queued', now() + interval '1 second', now(), 'counted')");
        inFlight.admit("counted", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.recounts() > before);
        assertThat(inFlight.inFlight("counted")).as("runs of the tenant taken as in flight").isEqualTo(1);
    }
}
