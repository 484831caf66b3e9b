package io.runstream.api.sse;

import io.runstream.api.run.RunView;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The shared reader of one run's event stream in this api process. Every client of the run first catches up on
 * its own (XRANGE after its Last-Event-ID), then goes live: from then on a notification costs one XRANGE for all
 * live clients of the run together. A client goes live only when it has caught up with what the tail has read,
 * so nothing falls between its catch-up and the live events; each client also skips what it already has.
 */
final class RunTail {

    private static final Logger LOG = Logger.getLogger(RunTail.class);

    final UUID runId;
    private final String key;
    private final Redis redis;
    private final int batch;
    private final Function<UUID, Uni<RunView>> finalRun;
    private final Function<RunView, String> endFrame;

    private final ReentrantLock lock = new ReentrantLock();
    private final List<SseClient> clients = new ArrayList<>();
    /** Id of the last event read by the tail and offered to every live client; null before any client is live. */
    private String lastId;
    private boolean reading;
    private boolean readAgain;
    /** Id of the terminal status event once read. */
    private volatile String terminalId;
    private Uni<RunView> end;
    boolean closed;

    RunTail(UUID runId, String key, Redis redis, int batch, Function<UUID, Uni<RunView>> finalRun,
            Function<RunView, String> endFrame) {
        this.runId = runId;
        this.key = key;
        this.redis = redis;
        this.batch = batch;
        this.finalRun = finalRun;
        this.endFrame = endFrame;
    }

    /** Registers a client; the caller then starts its catch-up with {@link #catchUp}. */
    void register(SseClient client) {
        lock.lock();
        try {
            clients.add(client);
        } finally {
            lock.unlock();
        }
    }

    /** Forgets a client; true when none is left. */
    boolean unregister(SseClient client) {
        lock.lock();
        try {
            clients.remove(client);
            return clients.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    boolean hasTerminal() {
        return terminalId != null;
    }

    boolean hasLiveClients() {
        lock.lock();
        try {
            return clients.stream().anyMatch(c -> c.live);
        } finally {
            lock.unlock();
        }
    }

    /** Reads the client's missed events, then makes it live and runs {@code onCaughtUp} (also if it ended). */
    void catchUp(SseClient client, Runnable onCaughtUp) {
        xrange(client.cursor).subscribe().with(events -> {
            boolean more = events.size() == batch;
            boolean again;
            lock.lock();
            try {
                events.forEach(e -> deliver(client, e));
                again = more || (lastId != null && StreamEvent.compareIds(lastId, client.cursor) > 0);
                if (!again && !client.ended()) {
                    client.live = true;
                    if (lastId == null) {
                        lastId = client.cursor;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (again && !client.ended()) {
                catchUp(client, onCaughtUp);
            } else {
                onCaughtUp.run();
            }
        }, failure -> {
            LOG.warnf("Catch-up of run %s failed, the client will reconnect: %s", runId, failure.toString());
            client.end();
        });
    }

    /** New events were announced (or may have been missed): read them once for all live clients. */
    void poke() {
        lock.lock();
        try {
            if (lastId == null) {
                return;
            }
            if (reading) {
                readAgain = true;
                return;
            }
            reading = true;
            readAgain = false;
        } finally {
            lock.unlock();
        }
        readLive();
    }

    private void readLive() {
        String from;
        lock.lock();
        try {
            from = lastId;
        } finally {
            lock.unlock();
        }
        xrange(from).subscribe().with(events -> {
            boolean again;
            lock.lock();
            try {
                for (StreamEvent event : events) {
                    for (SseClient client : clients) {
                        if (client.live) {
                            deliver(client, event);
                        }
                    }
                    lastId = event.id();
                }
                again = events.size() == batch || readAgain;
                readAgain = false;
                reading = again;
            } finally {
                lock.unlock();
            }
            if (again) {
                readLive();
            }
        }, failure -> {
            LOG.warnf("Reading events of run %s failed; the next notification or poll retries: %s", runId,
                    failure.toString());
            lock.lock();
            try {
                reading = false;
            } finally {
                lock.unlock();
            }
        });
    }

    /** Sends {@code event} to {@code client}, and after the terminal event the final Run as {@code end}. */
    private void deliver(SseClient client, StreamEvent event) {
        client.offer(event);
        if (event.terminal()) {
            terminalId = event.id();
            endClient(client, event.id());
        }
    }

    /** Sends {@code end} (the run as PostgreSQL has it now) with {@code id}, then closes the client. */
    void endClient(SseClient client, String id) {
        finalRun().subscribe().with(
                run -> {
                    client.send(id == null ? endFrame.apply(run) : "id: " + id + "\n" + endFrame.apply(run));
                    client.end();
                },
                failure -> {
                    LOG.warnf("Cannot read run %s for its end event; closing the stream: %s", runId, failure.toString());
                    client.end();
                });
    }

    private Uni<RunView> finalRun() {
        lock.lock();
        try {
            if (end == null) {
                end = finalRun.apply(runId).memoize().indefinitely();
            }
            return end;
        } finally {
            lock.unlock();
        }
    }

    /** Writes a comment to every client, so idle connections stay open through proxies. */
    void keepAlive() {
        lock.lock();
        try {
            clients.forEach(c -> c.send(": keep-alive\n\n"));
        } finally {
            lock.unlock();
        }
    }

    /** Ends every connection without an end event (the api is stopping): clients reconnect and resume. */
    void closeAll() {
        clients().forEach(SseClient::end);
    }

    /** Ends every client with the final Run: the stream will not bring a terminal event (e.g. it expired). */
    void endAll(String id) {
        clients().forEach(c -> endClient(c, id));
    }

    private List<SseClient> clients() {
        lock.lock();
        try {
            return List.copyOf(clients);
        } finally {
            lock.unlock();
        }
    }

    /** The last id the tail read, for clients that end without a terminal event. */
    String lastId() {
        lock.lock();
        try {
            return lastId;
        } finally {
            lock.unlock();
        }
    }

    private Uni<List<StreamEvent>> xrange(String after) {
        return redis.send(Request.cmd(Command.XRANGE).arg(key).arg("(" + after).arg("+").arg("COUNT").arg(batch))
                // a read on a connection that died unnoticed never answers: fail it, the next poke reads again
                .ifNoItem().after(java.time.Duration.ofSeconds(10)).fail()
                .map(RunTail::parse);
    }

    static List<StreamEvent> parse(Response entries) {
        List<StreamEvent> events = new ArrayList<>(entries == null ? 0 : entries.size());
        if (entries == null) {
            return events;
        }
        for (Response entry : entries) {
            String id = entry.get(0).toString();
            Response fields = entry.get(1);
            String type = null;
            String data = null;
            int attempt = 0;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String name = fields.get(i).toString();
                if ("type".equals(name)) {
                    type = fields.get(i + 1).toString();
                } else if ("data".equals(name)) {
                    data = fields.get(i + 1).toString();
                } else if ("attempt".equals(name)) {
                    attempt = fields.get(i + 1).toInteger();
                }
            }
            if (type != null && data != null) {
                events.add(StreamEvent.of(id, type, data, attempt));
            }
        }
        return events;
    }
}
