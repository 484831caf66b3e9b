package io.runstream.api.run;

import io.runstream.api.problem.ProblemException;
import io.runstream.api.problem.Outages;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The api's reads of the {@code runs} table (its writes are {@link io.runstream.run.RunStore}'s): plain SQL on the
 * reactive pool. An outage of PostgreSQL fails them with a 503, anything else with a 500.
 */
@ApplicationScoped
public class RunQueries {

    private final Pool pool;

    public RunQueries(Pool pool) {
        this.pool = pool;
    }

    /** The run as it is now, whoever's it is: for the api's own use (a tail's end), never to answer a caller. */
    public Uni<Optional<RunView>> anyTenants(UUID id) {
        return one("SELECT * FROM runs WHERE id = $1", Tuple.of(id));
    }

    /** The run of {@code tenant} as it is now, or empty when it has no such run (another tenant's is none). */
    public Uni<Optional<RunView>> get(UUID id, String tenant) {
        return one("SELECT * FROM runs WHERE id = $1 AND tenant = $2", Tuple.of(id, tenant));
    }

    private Uni<Optional<RunView>> one(String sql, Tuple params) {
        return pool.preparedQuery(sql).execute(params)
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(RunView.of(rows.iterator().next())));
    }

    /** The run of {@code tenant} as it is now, or 404 (another tenant's run included: its existence is not told). */
    public Uni<RunView> found(UUID id, String tenant) {
        return get(id, tenant).map(run -> run.orElseThrow(() -> ProblemException.notFound("run " + id)));
    }

    /**
     * Runs of {@code tenant} newest first, filtered by {@code status}, {@code pipeline} and {@code schedule} when
     * given, after {@code cursor}.
     */
    public Uni<RunPage> list(String tenant, RunStatus status, String pipeline, String schedule, UUID cursor,
                             int limit) {
        List<String> where = new ArrayList<>();
        Tuple params = Tuple.tuple();
        params.addString(tenant);
        where.add("tenant = $1");
        if (status != null) {
            params.addString(status.wire());
            where.add("status = $" + params.size());
        }
        if (pipeline != null) {
            params.addString(pipeline);
            where.add("pipeline = $" + params.size());
        }
        if (schedule != null) {
            params.addString(schedule);
            where.add("schedule_name = $" + params.size());
        }
        if (cursor != null) {
            params.addUUID(cursor);
            where.add("id < $" + params.size());
        }
        params.addInteger(limit + 1);
        String sql = "SELECT * FROM runs WHERE " + String.join(" AND ", where)
                + " ORDER BY id DESC LIMIT $" + params.size();
        return pool.preparedQuery(sql).execute(params)
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> {
                    List<RunView> items = new ArrayList<>(limit);
                    rows.forEach(row -> {
                        if (items.size() < limit) {
                            items.add(RunView.of(row));
                        }
                    });
                    boolean more = rows.rowCount() > limit;
                    return new RunPage(items, more ? RunCursor.encode(items.getLast().id()) : null);
                });
    }

    /** The runs of {@code tenant} of {@code pipeline}, newest first: {@code limit} after skipping {@code offset}. */
    public Uni<List<RunView>> ofPipeline(String tenant, String pipeline, int limit, int offset) {
        return pool.preparedQuery("SELECT * FROM runs WHERE tenant = $1 AND pipeline = $2 ORDER BY id DESC LIMIT $3 "
                        + "OFFSET $4")
                .execute(Tuple.of(tenant, pipeline, limit, offset))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> {
                    List<RunView> found = new ArrayList<>(rows.size());
                    rows.forEach(row -> found.add(RunView.of(row)));
                    return found;
                });
    }
}
