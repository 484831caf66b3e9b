package io.runstream.api.sse;

import io.vertx.core.buffer.Buffer;

/**
 * One entry of a run's event stream, with its SSE frame rendered and encoded once for every client that receives
 * it (a Vert.x buffer can be written to any number of connections).
 *
 * @param id       the entry id, also the SSE {@code id:}
 * @param type     the event type, also the SSE {@code event:}
 * @param frame    the whole SSE frame, UTF-8 encoded
 * @param terminal whether this is the run's terminal {@code status} (the entry's {@code terminal} field)
 * @param attempt  the attempt that wrote it (0 when the api wrote it)
 * @param traceparent the trace context of the attempt that wrote it (its terminal entry carries one when tracing
 *                 is on), or null
 */
record StreamEvent(EntryId id, String type, Buffer frame, boolean terminal, int attempt, String traceparent) {

    static StreamEvent of(String id, String type, String data, int attempt, boolean terminal) {
        return of(id, type, data, attempt, terminal, null);
    }

    static StreamEvent of(String id, String type, String data, int attempt, boolean terminal, String traceparent) {
        return new StreamEvent(EntryId.parse(id), type, Buffer.buffer(frame(id, type, data)), terminal, attempt,
                traceparent);
    }

    /** An SSE frame; {@code data} is single-line JSON. */
    static String frame(String id, String type, String data) {
        StringBuilder frame = new StringBuilder(data.length() + 64);
        if (id != null) {
            frame.append("id: ").append(id).append('\n');
        }
        return frame.append("event: ").append(type).append('\n').append("data: ").append(data).append("\n\n")
                .toString();
    }
}
