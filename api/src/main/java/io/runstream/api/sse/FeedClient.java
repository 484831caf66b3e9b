package io.runstream.api.sse;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * One SSE connection following the activity feed. Confined to its connection's event loop ({@link #context}): the
 * hub reaches it only by posting tasks there. {@link #cursor} is the id of the last entry it was offered, so no entry
 * is written twice nor out of order, whether it came from a catch-up read or from the live tail.
 */
final class FeedClient extends SseConnection {

    private final FeedFilter filter;
    /** The last entry offered (written or filtered out). */
    private EntryId cursor;

    FeedClient(Context context, HttpServerResponse response, FeedFilter filter, EntryId cursor) {
        super(context, response);
        this.filter = filter;
        this.cursor = cursor;
    }

    /** Writes the entries of {@code batch} (in stream order) that are new to it and pass its filter, in one write. */
    void deliver(List<FeedEntry> batch) {
        if (ended()) {
            return;
        }
        Buffer frames = null;
        for (FeedEntry entry : batch) {
            if (!entry.id().isAfter(cursor)) {
                continue;
            }
            cursor = entry.id();
            if (filter.accepts(entry)) {
                if (frames == null) {
                    frames = Buffer.buffer();
                }
                frames.appendBuffer(entry.frame());
            }
        }
        if (frames != null) {
            write(frames);
        }
    }
}
