package io.runstream.api.sse;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * One SSE connection: its response and its event loop ({@link #context}), to which every method but {@link #ended()}
 * belongs; others reach it by {@link #post}ing tasks there. Closing is once and for all.
 */
abstract class SseConnection {

    /**
     * Bytes, not a {@link Buffer}: a Buffer holds a Netty buffer, which a native image cannot keep in its image heap
     * (the builder initializes such classes at build time when it can, and refused the build).
     */
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    final Context context;
    private final HttpServerResponse response;
    private volatile boolean ended;

    SseConnection(Context context, HttpServerResponse response) {
        this.context = context;
        this.response = response;
    }

    /** Posts {@code action} to this connection's event loop. */
    void post(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    /** Writes a frame that is not a stream entry (e.g. {@code gap}). */
    void send(Buffer frame) {
        if (!ended) {
            write(frame);
        }
    }

    void keepAlive() {
        send(Buffer.buffer(KEEP_ALIVE));
    }

    /** Ends the response with {@code last} (null: nothing more); nothing is written after it. */
    void end(Buffer last) {
        if (ended) {
            return;
        }
        ended = true;
        if (!response.ended() && !response.closed()) {
            if (last == null) {
                response.end();
            } else {
                response.end(last);
            }
        }
    }

    /** Ends the response without a last event (api stopping, slow client, failure): the client resumes. */
    void close() {
        end(null);
    }

    /** Marks the connection ended when it went away. */
    void gone() {
        ended = true;
    }

    /** Whether the response has ended; readable from any thread. */
    boolean ended() {
        return ended;
    }

    /** A client that cannot keep up is disconnected, rather than buffered without bound: it resumes when back. */
    void write(Buffer frames) {
        if (response.writeQueueFull()) {
            close();
            return;
        }
        response.write(frames);
    }
}
