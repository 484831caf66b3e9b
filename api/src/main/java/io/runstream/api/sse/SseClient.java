package io.runstream.api.sse;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;


/**
 * One SSE connection following a run. Confined to its connection's event loop ({@link #context}): every method
 * but {@link #ended()} runs there ({@link SseConnection}), and the tail reaches it only by posting tasks to that context, so nothing a
 * client does (ending its response, whose handlers then run) ever happens inside the tail's own work.
 * <p>
 * {@link #cursor} is the id of the last event written, so an event is never written twice and, since the tail
 * offers events in stream order, never out of order; events of an attempt older than one already seen (a worker
 * presumed dead that still writes) are skipped.
 */
final class SseClient extends SseConnection {

    private EntryId cursor;
    private int attempt;
    /** The tail this client is registered with (written before the registration is posted to the tail). */
    volatile RunTail tail;

    SseClient(Context context, HttpServerResponse response, EntryId cursor) {
        super(context, response);
        this.cursor = cursor;
    }

    /**
     * The attempt of the event at the cursor the client resumed from, so that events of older attempts after it are
     * recognised as stale.
     */
    void seedAttempt(int seen) {
        attempt = Math.max(attempt, seen);
    }

    /** Writes the events of {@code batch} this client does not have yet, in one write. */
    void deliver(EventBatch batch) {
        if (ended() || batch.isEmpty()) {
            return;
        }
        if (batch.firstId().isAfter(cursor) && batch.minAttempt() >= attempt) {
            // the common case: the whole batch is new to this client; its frames are shared by every client
            write(batch.frames());
            cursor = batch.lastId();
            attempt = Math.max(attempt, batch.maxAttempt());
            return;
        }
        Buffer frames = Buffer.buffer();
        for (StreamEvent event : batch.events()) {
            if (event.id().isAfter(cursor)) {
                if (event.attempt() == 0 || event.attempt() >= attempt) {
                    frames.appendBuffer(event.frame());
                    attempt = Math.max(attempt, event.attempt());
                }
                cursor = event.id();
            }
        }
        if (frames.length() > 0) {
            write(frames);
        }
    }

    /** Writes the {@code end} frame and ends the response: nothing more is coming. */
    void finish(Buffer endFrame) {
        end(endFrame);
    }
}
