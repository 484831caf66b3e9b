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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every read and write of the {@code schedules} table. */
@ApplicationScoped
public class ScheduleStore {

    private static final String COLUMNS = "name, pipeline, queue, priority, input, cron, time_zone, overlap, catch_up, "
            + "catch_up_window_ms, paused, next_local, next_tick, created_at, updated_at";
    private static final String VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), now()";

    private final Pool pool;

    public ScheduleStore(Pool pool) {
        this.pool = pool;
    }

    /** Records a new schedule whose first tick is {@code first}; false when one of that name exists. */
    Uni<Boolean> insert(ScheduleRequest s, Tick first) {
        return pool.preparedQuery("INSERT INTO schedules (" + COLUMNS + ") VALUES (" + VALUES + ") "
                        + "ON CONFLICT (name) DO NOTHING")
                .execute(values(s, first)).map(rows -> rows.rowCount() == 1);
    }

    /**
     * Replaces schedule {@code s.name()}, or creates it; whether it created it. Its cursor stays where it was
     * unless its expression or time zone changed (then its next tick is {@code first}); its counters and the run it
     * made last stay.
     */
    Uni<Boolean> replace(ScheduleRequest s, Tick first) {
        return pool.preparedQuery("INSERT INTO schedules (" + COLUMNS + ") VALUES (" + VALUES + ") "
                        + "ON CONFLICT (name) DO UPDATE SET pipeline = $2, queue = $3, priority = $4, input = $5, "
                        + "overlap = $8, catch_up = $9, catch_up_window_ms = $10, paused = $11, updated_at = now(), "
                        + "next_local = CASE WHEN schedules.cron = $6 AND schedules.time_zone = $7 AND NOT "
                        + "schedules.paused THEN schedules.next_local ELSE $12 END, "
                        + "next_tick = CASE WHEN schedules.cron = $6 AND schedules.time_zone = $7 AND NOT "
                        + "schedules.paused THEN schedules.next_tick ELSE $13 END, "
                        + "cron = $6, time_zone = $7 RETURNING (xmax = 0) AS created")
                .execute(values(s, first)).map(rows -> rows.iterator().next().getBoolean("created"));
    }

    private static Tuple values(ScheduleRequest s, Tick first) {
        return Tuple.from(new Object[] {s.name(), s.pipeline(), s.queue(), (short) s.priority(), s.input(), s.cron(),
                s.zone().getId(), s.overlap().wire(), s.catchUp().wire(), s.catchUpWindow().toMillis(), s.paused(),
                first == null ? null : first.local(), first == null ? null : utc(first.at())});
    }

    Uni<Optional<Row>> get(String name) {
        return get(pool, name);
    }

    Uni<List<Row>> list() {
        return pool.query("SELECT * FROM schedules ORDER BY name").execute().map(ScheduleStore::all);
    }

    /** Deletes schedule {@code name}; whether it existed. Runs it made stay. */
    Uni<Boolean> delete(String name) {
        return pool.preparedQuery("DELETE FROM schedules WHERE name = $1").execute(Tuple.of(name))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Pauses schedule {@code name}: it makes no runs until resumed. The schedule after, or empty when none. */
    Uni<Optional<Row>> pause(String name) {
        return pool.preparedQuery("UPDATE schedules SET paused = true, updated_at = now() WHERE name = $1 RETURNING *")
                .execute(Tuple.of(name)).map(ScheduleStore::first);
    }

    /**
     * Resumes schedule {@code name} from {@code now}: ticks that passed while it was paused make no runs; its next
     * tick is the first after {@code now}. A schedule not paused is left as it is. The schedule after, or empty.
     */
    Uni<Optional<Row>> resume(String name, Instant now) {
        return pool.withTransaction(c -> c.preparedQuery("SELECT cron, time_zone, paused FROM schedules "
                        + "WHERE name = $1 FOR UPDATE").execute(Tuple.of(name)).chain(rows -> {
            Optional<Row> row = first(rows);
            if (row.isEmpty() || !row.get().getBoolean("paused")) {
                return get(c, name);
            }
            Tick next = CronTicks.of(row.get().getString("cron"), java.time.ZoneId.of(row.get().getString(
                    "time_zone"))).firstAfter(now).orElse(null);
            return c.preparedQuery("UPDATE schedules SET paused = false, next_local = $2, next_tick = $3, "
                            + "updated_at = now() WHERE name = $1 RETURNING *")
                    .execute(Tuple.of(name, next == null ? null : next.local(), next == null ? null : utc(next.at())))
                    .map(ScheduleStore::first);
        }));
    }

    private static Uni<Optional<Row>> get(SqlClient client, String name) {
        return client.preparedQuery("SELECT * FROM schedules WHERE name = $1").execute(Tuple.of(name))
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
