package io.runstream.api.run;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.UUID;

/** The Run JSON of the HTTP contract; {@code input} and {@code result} are the stored JSON, verbatim. */
@RegisterForReflection
public record RunView(UUID id, String pipeline, String queue, String status,
                      @JsonRawValue String input, @JsonRawValue String result, String error, int attempt,
                      Instant createdAt, Instant startedAt, Instant completedAt) {

    static RunView of(RunEntity run) {
        return new RunView(run.id, run.pipeline, run.queue, run.status.wire(), run.input, run.result, run.error,
                run.attempt, run.createdAt, run.startedAt, run.completedAt);
    }
}
