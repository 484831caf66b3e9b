package io.runstream.api.sse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * One SSE connection following a run. {@link #cursor} is the id of the last event it was sent, so an event is
 * never sent twice and, since events are offered in stream order, never out of order.
 */
final class SseClient {

    private final HttpServerResponse response;
    /** Id of the last event sent (or the Last-Event-ID it resumed from; {@code 0-0} from the start). */
    String cursor;
    /** Whether it follows the shared tail; false while it catches up on its own. */
    boolean live;
    /** The newest attempt whose events this client has seen; events of older attempts after it are stale. */
    private int attempt;
    private boolean ended;

    SseClient(HttpServerResponse response, String cursor) {
        this.response = response;
        this.cursor = cursor;
    }

    /**
     * Sends {@code event} unless this client already has it, or it comes from an attempt older than one already
     * seen (a worker presumed dead that still wrote: its run restarted as a newer attempt).
     */
    void offer(StreamEvent event) {
        if (StreamEvent.compareIds(event.id(), cursor) > 0) {
            if (event.attempt() == 0 || event.attempt() >= attempt) {
                send(event.frame());
                attempt = Math.max(attempt, event.attempt());
            }
            cursor = event.id();
        }
    }

    /** Sends a frame or comment as it is. A client that cannot keep up is disconnected: it resumes when back. */
    void send(String frame) {
        send(Buffer.buffer(frame));
    }

    private void send(Buffer frame) {
        if (ended) {
            return;
        }
        if (response.writeQueueFull()) {
            end();
            return;
        }
        response.write(frame);
    }

    /** Ends the response; the client is told nothing more is coming. */
    void end() {
        if (!ended) {
            ended = true;
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        }
    }

    boolean ended() {
        return ended;
    }
}
