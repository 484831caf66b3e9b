package io.runstream.api.run;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.runstream.run.RunStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Converter;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A row of the {@code runs} table (schema in {@code db/migration}); JSON columns hold JSON text. */
@Entity
@Table(name = "runs")
public class RunEntity extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false)
    public String pipeline;

    @Column(nullable = false)
    public String queue;

    @Convert(converter = StatusColumn.class)
    @Column(nullable = false)
    public RunStatus status;

    public String input;

    public String result;

    public String error;

    @Column(nullable = false)
    public int attempt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Whether the run's task reached Redis; the sweeper dispatches runs left false. */
    @Column(nullable = false)
    public boolean dispatched;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "request_hash")
    public String requestHash;

    /** Stores {@link RunStatus} in its lower-case wire form. */
    @Converter
    public static class StatusColumn implements AttributeConverter<RunStatus, String> {

        @Override
        public String convertToDatabaseColumn(RunStatus status) {
            return status == null ? null : status.wire();
        }

        @Override
        public RunStatus convertToEntityAttribute(String value) {
            return value == null ? null : RunStatus.fromWire(value)
                    .orElseThrow(() -> new IllegalStateException("unknown run status in database: " + value));
        }
    }
}
