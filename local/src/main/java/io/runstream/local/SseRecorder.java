package io.runstream.local;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * An SSE client for tests and benchmarks: reads a {@code text/event-stream} response on a thread of {@code executor} and records every
 * event with the time it arrived, until the server closes the stream.
 */
public final class SseRecorder {

    /** One received event. */
    public record Event(String id, String type, String data, long receivedAtMillis) {
        /** The epoch ms of the Redis stream entry id ({@code ms-seq}). */
        public long writtenAtMillis() {
            return Long.parseLong(id.substring(0, id.indexOf('-')));
        }
    }

    private final List<Event> events = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile int status;

    private SseRecorder() {
    }

    /** Connects to {@code uri} (resuming after {@code lastEventId} when not null) and starts recording. */
    public static SseRecorder open(HttpClient http, URI uri, String lastEventId, Executor executor) {
        SseRecorder recorder = new SseRecorder();
        executor.execute(() -> recorder.read(http, uri, lastEventId));
        return recorder;
    }

    private void read(HttpClient http, URI uri, String lastEventId) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<InputStream> response = http.send(request.build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String id = null;
                String type = null;
                StringBuilder data = new StringBuilder();
                for (String line; (line = lines.readLine()) != null; ) {
                    connected.complete(null);
                    if (line.isEmpty()) {
                        if (type != null || !data.isEmpty()) {
                            add(new Event(id, type == null ? "message" : type, data.toString(),
                                    System.currentTimeMillis()));
                        }
                        id = null;
                        type = null;
                        data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        type = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            }
            closed.complete(status);
        } catch (Exception e) {
            closed.completeExceptionally(e);
        } finally {
            connected.complete(null);
        }
    }

    private synchronized void add(Event event) {
        events.add(event);
    }

    /** The events received so far. */
    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Completes when the first line of the response arrived (or the stream ended without one). */
    public CompletableFuture<Void> connected() {
        return connected;
    }

    /** Completes with the HTTP status when the server has closed the stream. */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    public int status() {
        return status;
    }
}
