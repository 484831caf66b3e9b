package io.runstream.api.run;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.run.RunStatus;
import io.vertx.mutiny.sqlclient.Row;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

/** The Run JSON of the HTTP contract; {@code input} and {@code result} are the stored JSON, verbatim. */
@RegisterForReflection
public record RunView(UUID id, String pipeline, String queue, int priority, String status,
                      @JsonRawValue String input, @JsonRawValue String result, String error, int attempt,
                      Instant createdAt, Instant scheduledFor, Instant startedAt, Instant completedAt,
                      ScheduleRef schedule) {

    /** The schedule tick that made a run: the schedule's name and the tick's instant. */
    @RegisterForReflection
    public record ScheduleRef(String name, Instant tick) {
    }

    /** A row of the {@code runs} table as the contract shows it: the one mapping from rows to the Run JSON. */
    static RunView of(Row row) {
        return new RunView(row.getUUID("id"), row.getString("pipeline"), row.getString("queue"),
                row.getInteger("priority"), RunStatus.fromWire(row.getString("status")).orElseThrow().wire(), row.getString("input"),
                row.getString("result"), row.getString("error"), row.getInteger("attempt"),
                instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("scheduled_for")),
                instant(row.getOffsetDateTime("started_at")),
                instant(row.getOffsetDateTime("completed_at")), row.getString("schedule_name") == null ? null
                        : new ScheduleRef(row.getString("schedule_name"), instant(row.getOffsetDateTime("schedule_tick"))));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
