package io.runstream.task;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.json.Json;

import java.util.Objects;
import java.util.UUID;

/**
 * What the api puts on a task stream for a run: which run, of which pipeline. Everything else (input, attempt)
 * is read from PostgreSQL, the source of truth, when the worker starts the run.
 *
 * @param runId     the run's id
 * @param pipeline  the pipeline whose handler runs it
 * @param startedBy the task entry that may have started the run's current attempt, when this task took that entry's
 *                  place (it was held back by a limit after its worker died): the run restarts as that entry's
 *                  would; null for a task of its own (absent from the JSON)
 * @param traceparent the W3C trace context of the submit that queued the run, so that its attempts join the
 *                  submit's trace; null when tracing is off (absent from the JSON)
 */
@RegisterForReflection
public record TaskMessage(UUID runId, String pipeline,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String startedBy,
                          @com.fasterxml.jackson.annotation.JsonInclude(
                                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String traceparent) {

    public TaskMessage {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(pipeline, "pipeline");
    }

    public TaskMessage(UUID runId, String pipeline) {
        this(runId, pipeline, null, null);
    }

    /** This task, to take the place of entry {@code startedBy} (see {@link #startedBy}). */
    public TaskMessage startedBy(String entry) {
        return new TaskMessage(runId, pipeline, entry, traceparent);
    }

    /** The entry id the run's start is asked with: {@link #startedBy}'s when set, else {@code entryId}. */
    public String startEntry(String entryId) {
        return startedBy == null ? entryId : startedBy;
    }

    /** JSON form, as stored in the stream entry's payload field. */
    public String encode() {
        return Json.encode(this);
    }

    /**
     * Parses a stream entry's payload.
     *
     * @throws IllegalArgumentException naming what is wrong when {@code payload} is not a task message
     */
    public static TaskMessage decode(String payload) {
        if (payload == null) {
            throw new IllegalArgumentException("task entry has no payload");
        }
        try {
            return Json.decode(payload, TaskMessage.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("task payload is not a task message: " + abbreviate(payload), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
