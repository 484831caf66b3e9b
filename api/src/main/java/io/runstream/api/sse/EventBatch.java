package io.runstream.api.sse;

import io.vertx.core.buffer.Buffer;

import java.util.List;

/**
 * Consecutive events of a run's stream as one read brought them, with their SSE frames joined into one buffer that
 * every client which needs the whole batch is sent as it is: one write per client per batch, encoded once.
 *
 * @param events     the events, in stream order
 * @param frames     their frames, concatenated
 * @param minAttempt the lowest attempt among events written by an attempt (not by the api), or
 *                   {@link Integer#MAX_VALUE} when there is none: a client that saw a newer attempt filters per event
 * @param maxAttempt the highest attempt among the events
 */
record EventBatch(List<StreamEvent> events, Buffer frames, int minAttempt, int maxAttempt) {

    static EventBatch of(List<StreamEvent> events) {
        if (events.isEmpty()) {
            // not a shared constant: a Buffer holds a Netty buffer, which a native image cannot keep in its image heap
            return new EventBatch(List.of(), Buffer.buffer(0), Integer.MAX_VALUE, 0);
        }
        int length = 0;
        for (StreamEvent event : events) {
            length += event.frame().length();
        }
        Buffer frames = Buffer.buffer(length);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (StreamEvent event : events) {
            frames.appendBuffer(event.frame());
            if (event.attempt() > 0) {
                min = Math.min(min, event.attempt());
            }
            max = Math.max(max, event.attempt());
        }
        return new EventBatch(List.copyOf(events), frames, min, max);
    }

    boolean isEmpty() {
        return events.isEmpty();
    }

    EntryId firstId() {
        return events.getFirst().id();
    }

    EntryId lastId() {
        return events.getLast().id();
    }
}
