package io.runstream.worker.dispatch;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;
import java.util.UUID;

/**
 * The worker's writes to the {@code runs} table. Every transition is one conditional UPDATE, so it applies only
 * from the state it expects and, for the outcome, only to the attempt that produced it.
 */
@ApplicationScoped
public class RunStore {

    private final Pool pool;

    public RunStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * Starts a new attempt of run {@code id} from task entry {@code taskId}: {@code running}, attempt + 1,
     * {@code startedAt} now. Applies to a queued run, and to a running one whose attempt was started by this same
     * entry (its worker died and the entry was reclaimed); not to a running run started by another entry (a
     * duplicate dispatch) nor to an ended one.
     *
     * @return the started attempt, or empty when there is nothing to do
     */
    public Uni<Optional<StartedRun>> start(UUID id, String taskId) {
        return pool.preparedQuery("""
                        UPDATE runs SET status = 'running', attempt = attempt + 1, started_at = now(),
                               updated_at = now(), result = NULL, task_id = $2
                         WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND task_id = $2))
                        RETURNING pipeline, attempt, input""")
                .execute(Tuple.of(id, taskId))
                .map(rows -> first(rows).map(r -> new StartedRun(id, r.getString("pipeline"),
                        r.getInteger("attempt"), r.getString("input"))));
    }

    /** Records the result of attempt {@code attempt}; false when that attempt is no longer the running one. */
    public Uni<Boolean> complete(UUID id, int attempt, String resultJson) {
        return finish(id, attempt, "completed", resultJson, null);
    }

    /** Records the failure of attempt {@code attempt}; false when that attempt is no longer the running one. */
    public Uni<Boolean> fail(UUID id, int attempt, String error) {
        return finish(id, attempt, "failed", null, error);
    }

    /**
     * Sends the run back to {@code queued} after attempt {@code attempt} failed with {@code error}, for a retry;
     * false when that attempt is no longer the running one.
     */
    public Uni<Boolean> requeue(UUID id, int attempt, String error) {
        return pool.preparedQuery("""
                        UPDATE runs SET status = 'queued', error = $3, task_id = NULL, updated_at = now()
                         WHERE id = $1 AND attempt = $2 AND status = 'running'""")
                .execute(Tuple.of(id, attempt, error))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Fails run {@code id} whatever its attempt, unless it already ended: its task is a poison entry. */
    public Uni<Boolean> failPoisoned(UUID id, String error) {
        return pool.preparedQuery("""
                        UPDATE runs SET status = 'failed', error = $2, completed_at = now(), updated_at = now()
                         WHERE id = $1 AND status IN ('queued', 'running')""")
                .execute(Tuple.of(id, error))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Records that attempt {@code attempt} stopped because the run was cancelled. */
    public Uni<Boolean> cancel(UUID id, int attempt) {
        return finish(id, attempt, "cancelled", null, null);
    }

    private Uni<Boolean> finish(UUID id, int attempt, String status, String result, String error) {
        return pool.preparedQuery("""
                        UPDATE runs SET status = $3, result = $4, error = $5, completed_at = now(), updated_at = now()
                         WHERE id = $1 AND attempt = $2 AND status = 'running'""")
                .execute(Tuple.of(id, attempt, status, result, error))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The outcome of run {@code id} if it has ended. */
    public Uni<Optional<EndedRun>> ended(UUID id) {
        return pool.preparedQuery("""
                        SELECT status, attempt, result, error FROM runs
                         WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled')""")
                .execute(Tuple.of(id))
                .map(rows -> first(rows).map(r -> new EndedRun(r.getString("status"), r.getInteger("attempt"),
                        r.getString("result"), r.getString("error"))));
    }

    /**
     * How a run ended.
     *
     * @param status  completed, failed or cancelled
     * @param attempt its last attempt
     * @param result  result JSON when completed
     * @param error   error when failed
     */
    public record EndedRun(String status, int attempt, String result, String error) {
    }

    private static Optional<Row> first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    /**
     * An attempt that {@link #start} began.
     *
     * @param id        run id
     * @param pipeline  the run's pipeline
     * @param attempt   number of this attempt, from 1
     * @param inputJson the input as JSON text, or null
     */
    public record StartedRun(UUID id, String pipeline, int attempt, String inputJson) {
    }
}
