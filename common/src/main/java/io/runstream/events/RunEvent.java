package io.runstream.events;

import io.runstream.json.Json;
import io.runstream.run.RunEventType;

/**
 * An event of a run's event stream as written: its type and its data (single-line JSON).
 *
 * @param type the event type
 * @param data the JSON data
 */
public record RunEvent(RunEventType type, String data) {

    /** The {@code result} event of a completed run. */
    public static RunEvent result(String resultJson) {
        return new RunEvent(RunEventType.RESULT, "{\"result\":" + resultJson + "}");
    }

    /** An {@code error} event: of an attempt that is retried, or of a run that failed for good. */
    public static RunEvent error(String message, boolean retryable) {
        return new RunEvent(RunEventType.ERROR, Json.mapper().createObjectNode().put("message", message)
                .put("retryable", retryable).toString());
    }
}
