package io.runstream.api.sse;

import io.runstream.run.RunEventType;
import io.runstream.run.RunStatus;
import io.vertx.core.buffer.Buffer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of a run's event stream, with its SSE frame rendered and encoded once for every client that receives
 * it (a Vert.x buffer can be written to any number of connections).
 *
 * @param id       the entry id, also the SSE {@code id:}
 * @param type     the event type, also the SSE {@code event:}
 * @param frame    the whole SSE frame, UTF-8 encoded
 * @param terminal whether this is the {@code status} event of a terminal status
 * @param attempt  the attempt that wrote it (0 when the api wrote it)
 */
record StreamEvent(EntryId id, String type, Buffer frame, boolean terminal, int attempt) {

    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"");

    static StreamEvent of(String id, String type, String data, int attempt) {
        boolean terminal = false;
        if (RunEventType.STATUS.wire().equals(type)) {
            Matcher m = STATUS.matcher(data);
            terminal = m.find() && RunStatus.fromWire(m.group(1)).map(RunStatus::isTerminal).orElse(false);
        }
        return new StreamEvent(EntryId.parse(id), type, Buffer.buffer(frame(id, type, data)), terminal, attempt);
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
