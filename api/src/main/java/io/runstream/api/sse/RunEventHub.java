package io.runstream.api.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.api.ApiConfig;
import io.runstream.api.run.RunQueries;
import io.runstream.api.run.RunView;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.pubsub.RedisSubscription;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.impl.ContextInternal;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Relays runs' event streams to SSE clients. One pattern subscription per api process hears every run's
 * notifications; each followed run has one {@link RunTail} shared by all its clients here. Nothing about a run
 * lives only here: a client can resume through any api replica with its Last-Event-ID.
 *
 * <h2>Threads</h2>
 * There are no locks. The map of tails is a {@link ConcurrentHashMap} whose compute functions only construct a
 * tail; a tail's state belongs to its event loop and a client's to its connection's, and they talk by posting tasks
 * to each other ({@link RunTail} has the rules). A client that registers with a tail as it closes (its last client
 * left) registers again, with a new one.
 */
@ApplicationScoped
public class RunEventHub {

    private static final Logger LOG = Logger.getLogger(RunEventHub.class);

    private final Map<UUID, RunTail> tails = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final RedisKeys keys;
    private final ObjectMapper json;
    private final ApiConfig.Sse config;
    private final Redis redis;
    private final RunTail.Shared shared;
    private RedisSubscription subscription;
    private long ticker = -1;

    public RunEventHub(Redis redis, Vertx vertx, RunstreamConfig runstream, RunQueries snapshots, ObjectMapper json,
                       ApiConfig config, io.runstream.trace.RunTracing tracing) {
        this.redis = redis;
        this.vertx = vertx;
        this.keys = runstream.keys();
        this.json = json;
        this.config = config.sse();
        this.shared = new RunTail.Shared(redis, keys::events, this.config.batch(), this.config.history(),
                this.config.terminalGrace(), snapshots::anyTenants, this::encode,
                tail -> tails.remove(tail.runId, tail), vertx.getDelegate(), tracing.tracer());
    }

    void start(@Observes StartupEvent event) {
        subscription = new RedisSubscription(vertx, redis, RedisSubscription.Mode.PATTERN,
                keys.notifyChannel() + "*", this::notified, this::resubscribed, Duration.ofSeconds(1));
        subscription.start();
        ticker = vertx.setPeriodic(config.keepAlive().toMillis(), id -> tails.values().forEach(t -> t.post(t::tick)));
    }

    /** Closes every SSE connection, so clients reconnect (to another replica) and resume. */
    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (ticker >= 0) {
            vertx.cancelTimer(ticker);
        }
        CountDownLatch closed = new CountDownLatch(tails.size());
        tails.values().forEach(t -> t.post(() -> {
            t.closeAll();
            closed.countDown();
        }));
        closed.await(2, TimeUnit.SECONDS);
        if (subscription != null) {
            subscription.stop().await().atMost(Duration.ofSeconds(2));
        }
    }

    /**
     * Streams run {@code snapshot.id()}'s events to {@code response}, after {@code lastEventId}
     * ({@link EntryId#START}: from the start), until {@code end}. Called on the connection's event loop.
     *
     * @param ended called when the response has ended or its connection closed (perhaps twice: it must not mind)
     */
    void follow(RunView snapshot, EntryId lastEventId, HttpServerResponse response, Runnable ended) {
        Context connection = ((ContextInternal) io.vertx.core.Vertx.currentContext()).unwrap();
        SseClient client = new SseClient(connection, response, lastEventId);
        io.vertx.core.Handler<Void> gone = v -> {
            release(client);
            ended.run();
        };
        response.closeHandler(gone);
        response.endHandler(gone);
        join(client, snapshot, lastEventId);
    }

    private void join(SseClient client, RunView snapshot, EntryId cursor) {
        RunTail tail = tails.computeIfAbsent(snapshot.id(), id -> new RunTail(id, client.context, shared));
        client.tail = tail;
        tail.post(() -> {
            if (!tail.join(client, snapshot, cursor)) {
                join(client, snapshot, cursor); // it closed just now: a new tail
            }
        });
    }

    /** The client's response ended or its connection closed: the tail forgets it (on the tail's event loop). */
    private void release(SseClient client) {
        client.gone();
        RunTail tail = client.tail;
        if (tail != null) {
            tail.post(() -> tail.leave(client));
        }
    }

    private void notified(String channel, String message) {
        UUID runId;
        try {
            runId = UUID.fromString(message);
        } catch (IllegalArgumentException e) {
            LOG.debugf("Ignoring notification %s on %s", message, channel);
            return;
        }
        RunTail tail = tails.get(runId);
        if (tail != null) {
            tail.post(tail::poke);
        }
    }

    /** After a (re)subscription anything may have been missed: every tail reads what is new. */
    private void resubscribed() {
        tails.values().forEach(t -> t.post(t::poke));
    }

    private String encode(RunView value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value, e);
        }
    }
}
