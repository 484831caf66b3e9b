package io.runstream.api.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.api.ApiConfig;
import io.runstream.api.run.RunSnapshots;
import io.runstream.api.run.RunView;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.pubsub.RedisSubscription;
import io.runstream.run.RunEventType;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Relays runs' event streams to SSE clients. One pattern subscription per api process hears every run's
 * notifications; each followed run has one {@link RunTail} shared by all its clients here. Nothing about a run
 * lives only here: a client can resume through any api replica with its Last-Event-ID.
 */
@ApplicationScoped
public class RunEventHub {

    private static final Logger LOG = Logger.getLogger(RunEventHub.class);

    private final Map<UUID, RunTail> tails = new ConcurrentHashMap<>();
    /** Runs that PostgreSQL reported terminal at the last tick although their stream had no terminal event yet. */
    private final Set<UUID> terminalInDatabase = ConcurrentHashMap.newKeySet();
    private final Redis redis;
    private final Vertx vertx;
    private final RedisKeys keys;
    private final RunSnapshots snapshots;
    private final ObjectMapper json;
    private final ApiConfig.Sse config;
    private final String redisUri;
    private RedisSubscription subscription;
    private long ticker = -1;

    public RunEventHub(Redis redis, Vertx vertx, RunstreamConfig runstream, RunSnapshots snapshots, ObjectMapper json,
                       ApiConfig config, @ConfigProperty(name = "quarkus.redis.hosts") String redisHosts) {
        this.redis = redis;
        this.vertx = vertx;
        this.keys = runstream.keys();
        this.snapshots = snapshots;
        this.json = json;
        this.config = config.sse();
        this.redisUri = redisHosts.split(",")[0].trim();
    }

    void start(@Observes StartupEvent event) {
        subscription = new RedisSubscription(vertx, redisUri, RedisSubscription.Mode.PATTERN,
                keys.notifyChannel() + "*", this::notified, this::resubscribed, Duration.ofSeconds(1));
        subscription.start();
        ticker = vertx.setPeriodic(config.keepAlive().toMillis(), id -> tick());
    }

    /** Closes every SSE connection, so clients reconnect (to another replica) and resume. */
    void stop(@Observes ShutdownEvent event) {
        if (ticker >= 0) {
            vertx.cancelTimer(ticker);
        }
        tails.values().forEach(RunTail::closeAll);
        if (subscription != null) {
            subscription.stop().await().atMost(Duration.ofSeconds(2));
        }
    }

    /**
     * Streams run {@code snapshot.id()}'s events to {@code response}, after {@code lastEventId} ({@code 0-0}: from
     * the start), until {@code end}.
     */
    public void follow(RunView snapshot, String lastEventId, HttpServerResponse response) {
        UUID runId = snapshot.id();
        SseClient client = new SseClient(response, lastEventId);
        RunTail tail = tails.compute(runId, (id, existing) -> {
            RunTail t = existing == null || existing.closed ? newTail(id) : existing;
            t.register(client);
            return t;
        });
        response.closeHandler(v -> release(tail, client));
        response.endHandler(v -> release(tail, client));
        boolean terminal = RunStatus.fromWire(snapshot.status()).map(RunStatus::isTerminal).orElse(false);
        firstEntryId(runId).subscribe().with(first -> {
            if (first == null && terminal && !endedMoments(snapshot)) {
                // the stream expired (or never existed): PostgreSQL has the final word
                tail.endClient(client, "0-0".equals(lastEventId) ? null : lastEventId);
                return;
            }
            if (first != null && !"0-0".equals(lastEventId) && StreamEvent.compareIds(first, lastEventId) > 0) {
                client.send(StreamEvent.frame(null, RunEventType.GAP.wire(), gap(snapshot)));
            }
            tail.catchUp(client, () -> {
                if (terminal && !client.ended()) {
                    // terminal in PostgreSQL but its terminal event not (yet) in the stream: give the worker a moment
                    vertx.setTimer(config.terminalGrace().toMillis(), t -> tail.catchUp(client, () -> {
                        if (!client.ended()) {
                            tail.endClient(client, client.cursor.equals("0-0") ? null : client.cursor);
                        }
                    }));
                }
            });
        }, failure -> {
            LOG.warnf("Cannot start the event stream of run %s: %s", runId, failure.toString());
            client.end();
        });
    }

    /**
     * Whether the run ended so recently that its final events may still be on their way: they are written after
     * the outcome commits (by the worker, or by the api for a cancelled queued run), so an empty stream then means
     * "not yet", not "expired".
     */
    private boolean endedMoments(RunView snapshot) {
        return snapshot.completedAt() == null
                || snapshot.completedAt().plus(config.terminalGrace()).isAfter(Instant.now());
    }

    private RunTail newTail(UUID runId) {
        return new RunTail(runId, keys.events(runId), redis, config.batch(), this::finalRun, this::endFrame);
    }

    private void release(RunTail tail, SseClient client) {
        client.end();
        tails.computeIfPresent(tail.runId, (id, t) -> {
            if (t != tail || !t.unregister(client)) {
                return t;
            }
            t.closed = true;
            terminalInDatabase.remove(id);
            return null;
        });
    }

    private void notified(String channel, String message) {
        try {
            RunTail tail = tails.get(UUID.fromString(message));
            if (tail != null) {
                tail.poke();
            }
        } catch (IllegalArgumentException e) {
            LOG.debugf("Ignoring notification %s on %s", message, channel);
        }
    }

    /** After a (re)subscription anything may have been missed: every tail reads what is new. */
    private void resubscribed() {
        tails.values().forEach(RunTail::poke);
    }

    /**
     * Every keep-alive period: a comment to every client, a read of every tail (in case a notification was lost),
     * and for runs whose stream never brings a terminal event (a worker died between recording the outcome and
     * writing it) the end from PostgreSQL once it has been terminal there for a whole period.
     */
    private void tick() {
        for (RunTail tail : tails.values()) {
            tail.keepAlive();
            tail.poke();
            if (!tail.hasTerminal() && tail.hasLiveClients()) {
                snapshots.get(tail.runId).subscribe().with(run -> {
                    boolean terminal = run.map(r -> RunStatus.fromWire(r.status()).orElseThrow().isTerminal())
                            .orElse(true);
                    if (!terminal) {
                        terminalInDatabase.remove(tail.runId);
                    } else if (!terminalInDatabase.add(tail.runId) && !tail.hasTerminal()) {
                        tail.endAll(tail.lastId());
                    }
                }, failure -> LOG.debugf("Status check of run %s failed: %s", tail.runId, failure));
            }
        }
    }

    private Uni<String> firstEntryId(UUID runId) {
        return redis.send(Request.cmd(Command.XRANGE).arg(keys.events(runId)).arg("-").arg("+").arg("COUNT").arg(1))
                .map(r -> r == null || r.size() == 0 ? null : r.get(0).get(0).toString());
    }

    private Uni<RunView> finalRun(UUID runId) {
        return snapshots.get(runId).map(r -> r.orElseThrow(() -> new IllegalStateException("run " + runId + " vanished")));
    }

    private String endFrame(RunView run) {
        return StreamEvent.frame(null, RunEventType.END.wire(), encode(run));
    }

    private String gap(RunView snapshot) {
        return "{\"snapshot\":" + encode(snapshot) + "}";
    }

    private String encode(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value, e);
        }
    }
}
