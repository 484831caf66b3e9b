package io.runstream.pubsub;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * One pub/sub subscription on a dedicated connection that survives Redis restarts and network failures: when the
 * connection ends it reconnects (after {@code backoff}), subscribes again and calls {@code onSubscribed}, so the
 * owner can catch up on whatever was published while it was away (pub/sub itself keeps nothing).
 *
 * <p>The connection is taken from the app's configured client ({@link Redis#connect()}), so it authenticates, uses
 * TLS and finds a sentinel's master exactly as every other command does; a subscribed connection is never handed
 * back to the pool (the client closes it instead).
 *
 * <pre>{@code
 * var sub = new RedisSubscription(vertx, redis, Mode.PATTERN, "runstream:notify*",
 *         (channel, message) -> ..., () -> catchUp(), Duration.ofSeconds(1));
 * sub.start();
 * }</pre>
 */
public final class RedisSubscription {

    /** Subscribe to a channel name, or to a pattern. */
    public enum Mode { CHANNEL, PATTERN }

    private static final Logger LOG = Logger.getLogger(RedisSubscription.class);

    private final Vertx vertx;
    private final Mode mode;
    private final String target;
    private final BiConsumer<String, String> onMessage;
    private final Runnable onSubscribed;
    private final Duration backoff;
    private final Redis client;
    private volatile RedisConnection connection;
    private volatile boolean stopped;

    /**
     * @param client       the app's configured Redis client; the subscription holds one of its connections
     * @param target       channel or pattern
     * @param onMessage    called with (channel, message) for every message, on an event loop: must not block
     * @param onSubscribed called after every (re)subscription
     * @param backoff      pause before reconnecting
     */
    public RedisSubscription(Vertx vertx, Redis client, Mode mode, String target,
                             BiConsumer<String, String> onMessage, Runnable onSubscribed, Duration backoff) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.target = Objects.requireNonNull(target, "target");
        this.onMessage = Objects.requireNonNull(onMessage, "onMessage");
        this.onSubscribed = Objects.requireNonNull(onSubscribed, "onSubscribed");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.client = Objects.requireNonNull(client, "client");
    }

    /** Connects and subscribes; failures are retried until {@link #stop()}. */
    public void start() {
        connect();
    }

    /** Whether the subscription is established now. */
    public boolean isSubscribed() {
        return connection != null;
    }

    /** Closes the connection (a subscribed one is discarded, not pooled); no reconnect follows. */
    public Uni<Void> stop() {
        stopped = true;
        RedisConnection c = connection;
        connection = null;
        return c == null ? Uni.createFrom().voidItem() : c.close().onFailure().recoverWithNull();
    }

    private void connect() {
        if (stopped) {
            return;
        }
        client.connect()
                .chain(c -> {
                    c.handler(this::dispatch);
                    c.exceptionHandler(e -> lost(c, e));
                    c.endHandler(() -> lost(c, null));
                    Command command = mode == Mode.PATTERN ? Command.PSUBSCRIBE : Command.SUBSCRIBE;
                    return c.send(Request.cmd(command).arg(target)).replaceWith(c);
                })
                .subscribe().with(c -> {
                    if (stopped) {
                        c.closeAndForget();
                        return;
                    }
                    connection = c;
                    LOG.debugf("Subscribed to %s", target);
                    onSubscribed.run();
                }, failure -> {
                    LOG.warnf("Cannot subscribe to %s, retrying in %d ms: %s", target, backoff.toMillis(),
                            failure.toString());
                    later(this::connect);
                });
    }

    private void lost(RedisConnection c, Throwable failure) {
        if (connection != c) {
            return; // already handled (exception and end both fire) or an abandoned attempt
        }
        connection = null;
        if (stopped) {
            return;
        }
        LOG.warnf("Subscription to %s lost%s; resubscribing", target, failure == null ? "" : ": " + failure);
        c.closeAndForget();
        later(this::connect);
    }

    private void later(Runnable action) {
        if (!stopped) {
            vertx.setTimer(backoff.toMillis(), id -> action.run());
        }
    }

    /** Handles a pushed message: {@code message channel payload} or {@code pmessage pattern channel payload}. */
    private void dispatch(Response push) {
        if (push == null || (push.type() != ResponseType.MULTI && push.type() != ResponseType.PUSH) || push.size() < 3) {
            // e.g. an error the connection was sent (a refusal, a NOAUTH): not a message; the subscribe call reports it
            return;
        }
        String kind = push.get(0).toString();
        if ("message".equals(kind)) {
            onMessage.accept(push.get(1).toString(), push.get(2).toString());
        } else if ("pmessage".equals(kind) && push.size() >= 4) {
            onMessage.accept(push.get(2).toString(), push.get(3).toString());
        }
    }
}
