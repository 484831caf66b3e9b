package io.runstream.api.run;

import io.runstream.api.problem.Outages;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads one run straight from the pool, for the event streams: they run outside a REST request (on Redis
 * callbacks and timers), where a plain query is simpler and cheaper than a Hibernate session.
 */
@ApplicationScoped
public class RunSnapshots {

    private final Pool pool;

    public RunSnapshots(Pool pool) {
        this.pool = pool;
    }

    /** The run as it is now, or empty when there is no such run; fails with 503 when PostgreSQL is down. */
    public Uni<Optional<RunView>> get(UUID id) {
        return pool.preparedQuery("SELECT * FROM runs WHERE id = $1").execute(Tuple.of(id))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> rows.rowCount() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    private static RunView view(Row row) {
        return new RunView(row.getUUID("id"), row.getString("pipeline"), row.getString("queue"),
                RunStatus.fromWire(row.getString("status")).orElseThrow().wire(), row.getString("input"),
                row.getString("result"), row.getString("error"), row.getInteger("attempt"),
                instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("started_at")),
                instant(row.getOffsetDateTime("completed_at")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
