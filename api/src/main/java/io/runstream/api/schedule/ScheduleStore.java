package io.runstream.api.schedule;

import io.runstream.api.schedule.CronTicks.Tick;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every read and write of the {@code schedules} table. */
@ApplicationScoped
public class ScheduleStore {

    private static final String COLUMNS = "name, pipeline, queue, priority, input, cron, time_zone, overlap, catch_up, "
            + "catch_up_window_ms, paused, next_local, next_tick, tenant, created_at, updated_at";
    private static final String VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), now()";

    private final Pool pool;

    public ScheduleStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * Records a new schedule of {@code tenant} whose first tick is {@code first}; false when one of that name exists
     * (names are unique across tenants).
     */
    Uni<Boolean> insert(ScheduleRequest s, Tick first, String tenant) {
        return pool.preparedQuery("INSERT INTO schedules (" + COLUMNS + ") VALUES (" + VALUES + ") "
                        + "ON CONFLICT (name) DO NOTHING")
                .execute(values(s, first, tenant)).map(rows -> rows.rowCount() == 1);
    }

    /**
     * Replaces schedule {@code s.name()}, or creates it; whether it created it. Its cursor stays where it was
     * unless its expression or time zone changed (then its next tick is {@code first}); its counters and the run it
     * made last stay. Empty when the name is another tenant's schedule's (which is left as it is).
     */
    Uni<Optional<Boolean>> replace(ScheduleRequest s, Tick first, String tenant) {
        return pool.preparedQuery("INSERT INTO schedules (" + COLUMNS + ") VALUES (" + VALUES + ") "
                        + "ON CONFLICT (name) DO UPDATE SET pipeline = $2, queue = $3, priority = $4, input = $5, "
                        + "overlap = $8, catch_up = $9, catch_up_window_ms = $10, paused = $11, updated_at = now(), "
                        + "next_local = CASE WHEN schedules.cron = $6 AND schedules.time_zone = $7 AND NOT "
                        + "schedules.paused THEN schedules.next_local ELSE $12 END, "
                        + "next_tick = CASE WHEN schedules.cron = $6 AND schedules.time_zone = $7 AND NOT "
                        + "schedules.paused THEN schedules.next_tick ELSE $13 END, "
                        + "cron = $6, time_zone = $7 WHERE schedules.tenant = $14 RETURNING (xmax = 0) AS created")
                .execute(values(s, first, tenant)).map(rows -> first(rows).map(row -> row.getBoolean("created")));
    }

    private static Tuple values(ScheduleRequest s, Tick first, String tenant) {
        return Tuple.from(new Object[] {s.name(), s.pipeline(), s.queue(), (short) s.priority(), s.input(), s.cron(),
                s.zone().getId(), s.overlap().wire(), s.catchUp().wire(), s.catchUpWindow().toMillis(), s.paused(),
                first == null ? null : first.local(), first == null ? null : utc(first.at()), tenant});
    }

    /** Schedule {@code name} of {@code tenant} (another tenant's is none), or empty. */
    Uni<Optional<Row>> get(String name, String tenant) {
        return get(pool, name, tenant);
    }

    Uni<List<Row>> list(String tenant) {
        return pool.preparedQuery("SELECT * FROM schedules WHERE tenant = $1 ORDER BY name").execute(Tuple.of(tenant))
                .map(ScheduleStore::all);
    }

    /** Deletes schedule {@code name} of {@code tenant}; whether it existed. Runs it made stay. */
    Uni<Boolean> delete(String name, String tenant) {
        return pool.preparedQuery("DELETE FROM schedules WHERE name = $1 AND tenant = $2").execute(Tuple.of(name, tenant))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Pauses schedule {@code name} of {@code tenant}: no runs until resumed. The schedule after, or empty when none. */
    Uni<Optional<Row>> pause(String name, String tenant) {
        return pool.preparedQuery("UPDATE schedules SET paused = true, updated_at = now() WHERE name = $1 "
                        + "AND tenant = $2 RETURNING *")
                .execute(Tuple.of(name, tenant)).map(ScheduleStore::first);
    }

    /**
     * Resumes schedule {@code name} from {@code now}: ticks that passed while it was paused make no runs; its next
     * tick is the first after {@code now}. A schedule not paused is left as it is. The schedule after, or empty.
     */
    Uni<Optional<Row>> resume(String name, String tenant, Instant now) {
        return pool.withTransaction(c -> c.preparedQuery("SELECT cron, time_zone, paused FROM schedules "
                        + "WHERE name = $1 AND tenant = $2 FOR UPDATE").execute(Tuple.of(name, tenant)).chain(rows -> {
            Optional<Row> row = first(rows);
            if (row.isEmpty() || !row.get().getBoolean("paused")) {
                return get(c, name, tenant);
            }
            Tick next = CronTicks.of(row.get().getString("cron"), ZoneId.of(row.get().getString(
                    "time_zone"))).firstAfter(now).orElse(null);
            return c.preparedQuery("UPDATE schedules SET paused = false, next_local = $2, next_tick = $3, "
                            + "updated_at = now() WHERE name = $1 RETURNING *")
                    .execute(Tuple.of(name, next == null ? null : next.local(), next == null ? null : utc(next.at())))
                    .map(ScheduleStore::first);
        }));
    }

    private static Uni<Optional<Row>> get(SqlClient client, String name, String tenant) {
        return client.preparedQuery("SELECT * FROM schedules WHERE name = $1 AND tenant = $2")
                .execute(Tuple.of(name, tenant))
                .map(ScheduleStore::first);
    }

    static Optional<Row> first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
    }

    static List<Row> all(RowSet<Row> rows) {
        List<Row> list = new ArrayList<>(rows.size());
        rows.forEach(list::add);
        return list;
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
