package io.runstream.api.limit;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.api.ApiFixture;
import io.runstream.local.RunstreamTestResource;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
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

    @Inject
    Pool pool;

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

    /**
     * The count reads every run queued or running, so a large backlog makes it dear; counting once a second whatever
     * it cost kept PostgreSQL busy counting in proportion to the backlog. A count that took a second is followed by
     * none for twenty: here the count waits a second for a lock on {@code runs}, and the admissions of the next three
     * seconds ask for no other.
     */
    @Test
    void aCountThatTookLongIsNotAskedForAgainSoon() {
        inFlight.admit("slow-count", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.recounts() >= 1);
        SqlConnection connection = pool.getConnection().await().indefinitely();
        try {
            Transaction lock = connection.begin().await().indefinitely();
            connection.query("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE").execute().await().indefinitely();
            long before = inFlight.recounts();
            // past the last count's second: this admission asks for the next, which waits for the lock
            await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(2)).until(() -> true);
            inFlight.admit("slow-count", 1);
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
            lock.commit().await().indefinitely();
            await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.recounts() > before);
        } finally {
            connection.close().await().indefinitely();
        }
        long afterSlowOne = inFlight.recounts();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    inFlight.admit("slow-count", 1);
                    return inFlight.recounts() == afterSlowOne;
                });
    }

    @Test
    void theIntervalIsASecondOrTwentyTimesTheLastCount() {
        assertThat(RunsInFlight.recountAfter(Duration.ofMillis(5).toNanos())).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(RunsInFlight.recountAfter(Duration.ofMillis(400).toNanos())).isEqualTo(Duration.ofSeconds(8).toNanos());
    }
}
