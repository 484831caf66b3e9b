package io.runstream.api;

import io.runstream.pipeline.PipelineDirectory;
import io.quarkus.redis.datasource.RedisDataSource;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Real-Redis and real-PostgreSQL helpers for the api's tests: seed pipelines, count what was written. */
@ApplicationScoped
public class ApiFixture {

    private final RedisDataSource redis;
    private final RedisKeys keys;
    private final Pool pool;
    private final PipelineDirectory directory;

    public ApiFixture(RedisDataSource redis, RunstreamConfig config, Pool pool, PipelineDirectory directory) {
        this.redis = redis;
        this.directory = directory;
        this.keys = config.keys();
        this.pool = pool;
    }

    /**
     * Makes {@code pipeline} known on queue {@code default} as it was before queues were recorded: its own queue
     * only, no served queue, as a worker of an earlier version advertised it.
     */
    public void knownPipeline(String pipeline, String... liveWorkers) {
        redis.hash(String.class).hset(keys.pipelines(), pipeline, "default");
        for (String worker : liveWorkers) {
            redis.sortedSet(String.class).zadd(keys.pipelineWorkers(pipeline), System.currentTimeMillis(), worker);
        }
    }

    /**
     * Advertises {@code pipeline} (own queue {@code ownQueue}) as served by live worker {@code worker} reading
     * {@code queues}, through the directory a worker uses.
     */
    public void servedPipeline(String pipeline, String ownQueue, String worker, String... queues) {
        directory.advertise(worker, Map.of(pipeline, ownQueue), List.of(queues))
                .await().atMost(Duration.ofSeconds(5));
    }

    /** Entries in {@code queue}'s task stream. */
    public long queuedTasks(String queue) {
        return redis.stream(String.class).xlen(keys.tasks(queue));
    }

    /**
     * Makes the pipeline directory look {@code age} old: its epoch key (which Redis loses with its data) says it
     * was created then.
     */
    public void pipelineDirectoryAge(Duration age) {
        redis.value(String.class).set(keys.epoch(), io.runstream.keys.RedisEpoch.of(
                Instant.now().minus(age)).value());
    }

    /** Runs {@code sql} on the test's database, e.g. to break the schema the way a bug would. */
    public void execute(String sql) {
        pool.query(sql).execute().await().indefinitely();
    }

    /** The count that {@code sql} (one parameter, {@code value}) answers. */
    public long countWhere(String sql, String value) {
        return pool.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.of(value)).await().indefinitely()
                .iterator().next().getLong(0);
    }

    /** Rows in the runs table. */
    public long runRows() {
        return pool.query("SELECT count(*) FROM runs").execute().await().indefinitely().iterator().next().getLong(0);
    }

    /** Sets the run's status as a worker would. */
    public void setStatus(String id, String status) {
        pool.preparedQuery("UPDATE runs SET status = $2 WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(UUID.fromString(id), status)).await().indefinitely();
    }

    /** Whether the run is recorded as having its task in Redis: in no outbox row, and not flagged undispatched. */
    public boolean dispatched(String id) {
        return pool.preparedQuery("SELECT dispatched AND NOT EXISTS (SELECT 1 FROM outbox "
                        + "WHERE outbox.run_ids @> ARRAY[runs.id]) FROM runs WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(UUID.fromString(id))).await().indefinitely()
                .iterator().next().getBoolean(0);
    }

    /** Entries in the default queue's task stream. */
    public long queuedTasks() {
        return redis.stream(String.class).xlen(keys.tasks("default"));
    }

    /** Runs {@code request} and asserts it recorded no run and queued no task. */
    public void assertNothingChanges(Runnable request) {
        long rows = runRows();
        long tasks = queuedTasks();
        request.run();
        org.assertj.core.api.Assertions.assertThat(runRows()).as("rows in runs").isEqualTo(rows);
        org.assertj.core.api.Assertions.assertThat(queuedTasks()).as("entries in the task stream").isEqualTo(tasks);
    }

    public RedisKeys keys() {
        return keys;
    }

    public RedisDataSource redis() {
        return redis;
    }
}
