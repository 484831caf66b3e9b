package io.runstream.api;

import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.runstream.local.RunstreamTestResource;
import io.runstream.run.RunIds;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sweeper repairs the PostgreSQL–Redis gap: stranded runs are dispatched, runs Redis lost are re-dispatched. */
@QuarkusTest
@TestProfile(SweeperTest.FastSweep.class)
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class SweeperTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    ApiFixture fixture;

    @Inject
    Pool pool;

    @Test
    void aRunWhoseTaskNeverReachedRedisIsDispatched() {
        UUID id = insert("queued", false);

        await().atMost(WAIT).until(() -> taskOf(id));
        await().atMost(WAIT).until(() -> dispatched(id));
    }

    /**
     * The api died between the commit of a batch and its XADDs: the outbox row it wrote is older than the grace, so
     * the sweeper dispatches the row's runs that are still queued — not the one a worker already started, nor the
     * one that is gone — and deletes the row.
     */
    @Test
    void theQueuedRunsOfAnOutboxRowLeftBehindAreDispatchedAndTheRowGoes() {
        UUID queued = insert("queued", true);
        UUID started = insert("running", true);
        UUID removed = RunIds.newId();
        long row = pool.preparedQuery("INSERT INTO outbox (created_at, run_ids) VALUES (now() - interval '1 minute', $1) "
                        + "RETURNING id").execute(Tuple.of((Object) new UUID[] {queued, started, removed}))
                .await().indefinitely().iterator().next().getLong(0);

        await().atMost(WAIT).until(() -> taskOf(queued));
        await().atMost(WAIT).until(() -> pool.preparedQuery("SELECT count(*) FROM outbox WHERE id = $1")
                .execute(Tuple.of(row)).await().indefinitely().iterator().next().getLong(0) == 0);
        assertThat(taskOf(started)).as("a started run is not dispatched again").isFalse();
        assertThat(taskOf(removed)).isFalse();
    }

    @Test
    void runsThatRedisLostAreQueuedAndDispatchedAgain() {
        await().atMost(WAIT).until(() -> fixture.redis().key().exists(fixture.keys().epoch()));
        UUID queued = insert("queued", true);
        UUID running = insert("running", true);

        fixture.redis().key().del(fixture.keys().epoch()); // what a Redis restart without persistence leaves

        await().atMost(WAIT).until(() -> taskOf(queued) && taskOf(running));
        assertThat(status(running)).isEqualTo("queued");
        await().atMost(WAIT).until(() -> dispatched(queued) && dispatched(running));
        assertThat(fixture.redis().key().exists(fixture.keys().epoch())).isTrue();
    }

    private UUID insert(String status, boolean dispatched) {
        UUID id = RunIds.newId();
        pool.preparedQuery("""
                        INSERT INTO runs (id, pipeline, queue, status, created_at, updated_at, dispatched)
                        VALUES ($1, 'echo', 'default', $2, now() - interval '1 minute', now(), $3)""")
                .execute(Tuple.of(id, status, dispatched)).await().indefinitely();
        return id;
    }

    private boolean taskOf(UUID id) {
        return fixture.redis().stream(String.class).xrange(fixture.keys().tasks("default"), StreamRange.of("-", "+"))
                .stream().anyMatch(e -> e.payload().get("payload").contains(id.toString()));
    }

    private boolean dispatched(UUID id) {
        return pool.preparedQuery("SELECT dispatched FROM runs WHERE id = $1").execute(Tuple.of(id))
                .await().indefinitely().iterator().next().getBoolean(0);
    }

    private String status(UUID id) {
        return pool.preparedQuery("SELECT status FROM runs WHERE id = $1").execute(Tuple.of(id))
                .await().indefinitely().iterator().next().getString(0);
    }

    public static class FastSweep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runstream.api.sweep.interval", "1s", "runstream.api.sweep.grace", "1s");
        }
    }
}
