package io.runstream.api.schedule;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.mutiny.sqlclient.Row;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static io.runstream.api.schedule.ScheduleStore.instant;

/** The Schedule JSON of the HTTP contract. */
@RegisterForReflection
public record ScheduleView(String name, String pipeline, String queue, int priority, @JsonRawValue String input,
                           String cron, String timeZone, String overlap, String catchUp, String catchUpWindow,
                           boolean paused, Instant nextTick, Instant pendingTick, Instant lastTick, UUID lastRunId,
                           long fired, long skipped, long missed, Instant createdAt, Instant updatedAt) {

    /** A row of the {@code schedules} table as the contract shows it. */
    static ScheduleView of(Row row) {
        return new ScheduleView(row.getString("name"), row.getString("pipeline"), row.getString("queue"),
                row.getInteger("priority"), row.getString("input"), row.getString("cron"), row.getString("time_zone"),
                row.getString("overlap"), row.getString("catch_up"),
                Duration.ofMillis(row.getLong("catch_up_window_ms")).toString(), row.getBoolean("paused"),
                instant(row.getOffsetDateTime("next_tick")), instant(row.getOffsetDateTime("pending_tick")),
                instant(row.getOffsetDateTime("last_tick")), row.getUUID("last_run_id"), row.getLong("fired"),
                row.getLong("skipped"), row.getLong("missed"), instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("updated_at")));
    }
}
