package io.runstream.worker.handler;

import io.runstream.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.UUID;

/**
 * What a handler knows of, and can tell about, the run it executes. Events are written to the run's event stream
 * in the order they are emitted, and all of them are written before the run's outcome is recorded.
 */
public interface RunContext {

    UUID runId();

    String pipeline();

    /** Number of this attempt, from 1. */
    int attempt();

    /** The run's input; a JSON null node when the run has none. */
    JsonNode input();

    /**
     * The input converted to {@code type}.
     *
     * @throws IllegalArgumentException when the input does not fit {@code type}
     */
    default <T> T input(Class<T> type) {
        try {
            return Json.mapper().treeToValue(input(), type);
        } catch (Exception e) {
            throw new IllegalArgumentException("input does not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Emits an {@code output} event, e.g. one token of a generated text. Does not block. */
    void output(String chunk);

    /** Emits a {@code progress} event: {@code percent} from 0 to 100 and a message (may be null). Does not block. */
    void progress(int percent, String message);

    /** Whether the run was cancelled or the worker is stopping; a handler should then return soon. */
    boolean isCancelled();

    /** Throws {@link RunCancelledException} if {@link #isCancelled()}. */
    default void throwIfCancelled() {
        if (isCancelled()) {
            throw new RunCancelledException();
        }
    }
}
