package io.runstream.worker;

import io.runstream.queue.Priority;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.run.RunIds;
import io.runstream.task.TaskMessage;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Plays the api's part for worker tests: records runs in PostgreSQL and queues their tasks in Redis. */
@ApplicationScoped
public class WorkerFixture {

    private final RedisDataSource redis;
    private final RedisKeys keys;
    private final Pool pool;

    public WorkerFixture(RedisDataSource redis, RunstreamConfig config, Pool pool) {
        this.redis = redis;
        this.keys = config.keys();
        this.pool = pool;
    }

    /** Records a queued run of {@code pipeline} with {@code inputJson} and publishes its task. */
    public UUID submit(String pipeline, String inputJson) {
        return submitTo("default", pipeline, inputJson);
    }

    /** Records a queued run of {@code pipeline} on {@code queue} and publishes its task to that queue's stream. */
    public UUID submitTo(String queue, String pipeline, String inputJson) {
        return submitTo(queue, Priority.DEFAULT, pipeline, inputJson);
    }

    /** Records a queued run of {@code pipeline} on {@code queue} at {@code priority} and publishes its task. */
    public UUID submitTo(String queue, int priority, String pipeline, String inputJson) {
        UUID id = record(queue, pipeline, inputJson);
        redis.stream(String.class).xadd(keys.tasks(queue, priority),
                Map.of("payload", new TaskMessage(id, pipeline).encode()));
        return id;
    }

    /** Records a queued run of {@code pipeline} due at {@code dueMillis}, its task in its lane's delayed set. */
    public UUID submitDelayed(String queue, int priority, String pipeline, String inputJson, long dueMillis) {
        UUID id = record(queue, pipeline, inputJson);
        redis.sortedSet(String.class).zadd(keys.delayed(queue, priority), dueMillis,
                new TaskMessage(id, pipeline).encode());
        return id;
    }

    /** Records a queued run, without publishing a task (when {@code ignored} is null: the caller does). */
    public UUID submit(Void ignored, String pipeline, String inputJson) {
        return record("default", pipeline, inputJson);
    }

    private UUID record(String queue, String pipeline, String inputJson) {
        UUID id = RunIds.newId();
        pool.preparedQuery("""
                        INSERT INTO runs (id, pipeline, queue, status, input, created_at, updated_at)
                        VALUES ($1, $2, $3, 'queued', $4, now(), now())""")
                .execute(Tuple.of(id, pipeline, queue, inputJson)).await().indefinitely();
        return id;
    }

    /**
     * Publishes the run's task and, in the same atomic step, reads it as consumer {@code ghost}, which then never
     * settles it: a worker that died holding it.
     *
     * @return the task's entry id
     */
    public String takeAsGhost(UUID id, String pipeline) {
        String script = """
                local entry = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[1])
                redis.call('XREADGROUP', 'GROUP', 'workers', 'ghost', 'COUNT', 1000, 'STREAMS', KEYS[1], '>')
                return entry""";
        return redis.execute("EVAL", script, "1", keys.tasks("default"), new TaskMessage(id, pipeline).encode())
                .toString();
    }

    /** Marks the run as running its first attempt, started by task entry {@code entry}. */
    public void markRunning(UUID id, String entry) {
        pool.preparedQuery("""
                        UPDATE runs SET status = 'running', attempt = 1, started_at = now(), task_id = $2
                         WHERE id = $1""")
                .execute(Tuple.of(id, entry)).await().indefinitely();
    }

    /**
     * Locks the run's row in a transaction of its own until the returned handle is closed: the worker's writes to
     * the run wait meanwhile, as behind a slow PostgreSQL.
     */
    public AutoCloseable lockRow(UUID id) {
        SqlConnection connection = pool.getConnection().await().indefinitely();
        Transaction transaction = connection.begin().await().indefinitely();
        connection.preparedQuery("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .await().indefinitely();
        return () -> transaction.rollback().eventually(connection::close).await().indefinitely();
    }

    /** Statements of other sessions waiting for a lock now. */
    public long statementsWaitingOnLocks() {
        return pool.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").execute()
                .await().indefinitely().iterator().next().getLong(0);
    }

    /** The run's row. */
    public Row run(UUID id) {
        return pool.preparedQuery("SELECT * FROM runs WHERE id = $1").execute(Tuple.of(id))
                .await().indefinitely().iterator().next();
    }

    public String status(UUID id) {
        return run(id).getString("status");
    }

    /** The run's event stream entries. */
    public List<StreamMessage<String, String, String>> events(UUID id) {
        return redis.stream(String.class).xrange(keys.events(id), StreamRange.of("-", "+"));
    }

    /** Entries of the task stream read but not acked. */
    public long pendingTasks() {
        return redis.stream(String.class).xpending(keys.tasks("default"), "workers").getPendingCount();
    }

    public RedisDataSource redis() {
        return redis;
    }

    public RedisKeys keys() {
        return keys;
    }
}
