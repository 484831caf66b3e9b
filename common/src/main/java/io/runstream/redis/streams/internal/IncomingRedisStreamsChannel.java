package io.runstream.redis.streams.internal;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.runstream.config.InstanceNames;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.RedisStreamsConnectorIncomingConfiguration;
import io.runstream.redis.streams.fault.FailureStrategy;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One incoming channel: a demand-driven read loop that never asks Redis for more entries than its subscriber
 * requested. First it walks this consumer's own pending entries (from id 0 on), then reads new ones ({@code >})
 * with BLOCK; every reclaim interval the next read is an XAUTOCLAIM pass instead, taking over entries idle longer
 * than the visibility timeout. The entries delivered here and not yet settled are {@link Claims}: kept claimed while
 * their work goes on, through a graceful stop too, and handed back when it will not finish ({@link #handBack()}).
 */
public final class IncomingRedisStreamsChannel {

    private static final Logger LOG = Logger.getLogger(IncomingRedisStreamsChannel.class);
    /** How long past its BLOCK a read may take before it is given up as lost. */
    private static final Duration READ_TIMEOUT_SLACK = Duration.ofSeconds(10);

    private final String channel;
    private final String stream;
    private final String group;
    private final String consumer;
    private final String payloadField;
    private final int count;
    private final Duration block;
    private final Duration retryBackoff;
    private final Duration visibility;
    private final io.vertx.mutiny.core.Vertx vertx;
    private final long reclaimTimer;
    /** Entries delivered here and neither acked nor nacked yet. */
    private final Claims claims;
    /** Entries a read brought after the channel closed: pending here, never delivered, handed back at the end. */
    private final Queue<String> undelivered = new ConcurrentLinkedQueue<>();
    /** Where the next XAUTOCLAIM pass continues; null while no pass is due. A pass is due at start. */
    private volatile String reclaimCursor = "0-0";
    private final ReactiveStreamCommands<String, String, String> streams;
    private final GroupCommands commands;
    private final FailureStrategy failureStrategy;
    private final Multi<Message<String>> multi;

    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile boolean closed;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile String failure;
    private volatile MultiEmitter<? super Message<String>> emitter;
    /** Next id to read this consumer's pending entries after; null once they are all re-delivered. */
    private volatile String pendingCursor = "0";
    /** The largest downstream demand a read has seen: shows whether the consumer's concurrency reaches the reads. */
    private final AtomicLong largestDemand = new AtomicLong();

    /**
     * @param strategies the failure strategy factory of a {@code failure-strategy} name; throws for an unknown one
     */
    public IncomingRedisStreamsChannel(ReactiveRedisDataSource redis, io.vertx.mutiny.core.Vertx vertx,
                                       RedisStreamsConnectorIncomingConfiguration config,
                                       Function<String, FailureStrategy.Factory> strategies) {
        this.channel = config.getChannel();
        this.stream = config.getStream();
        this.group = config.getGroup();
        this.consumer = config.getConsumer().orElseGet(InstanceNames::hostAndPid);
        this.payloadField = config.getPayloadField();
        this.count = positive(config.getCount(), "count");
        this.block = Duration.ofMillis(positive(config.getBlockMs(), "block-ms"));
        this.retryBackoff = Duration.ofMillis(positive(config.getRetryBackoffMs(), "retry-backoff-ms"));
        this.visibility = Duration.ofMillis(positive(config.getVisibilityTimeoutMs(), "visibility-timeout-ms"));
        int heartbeatMs = positive(config.getHeartbeatIntervalMs(), "heartbeat-interval-ms");
        this.vertx = vertx;
        this.streams = redis.stream(String.class);
        this.commands = new GroupCommands(redis, stream, group, consumer, config.getGroupStartId());
        this.reclaimTimer = vertx.setPeriodic(positive(config.getReclaimIntervalMs(), "reclaim-interval-ms"), t -> {
            if (reclaimCursor == null) {
                reclaimCursor = "0-0";
                pump();
            }
        });
        this.claims = new Claims(commands, vertx, stream, visibility, Duration.ofMillis(heartbeatMs));
        String deadLetterStream = config.getDeadLetterStream().orElse(stream + ":dead");
        this.failureStrategy = strategies.apply(config.getFailureStrategy()).create(new FailureStrategy.Channel() {
            public String name() {
                return channel;
            }

            public String deadLetterStream() {
                return deadLetterStream;
            }

            public ReactiveStreamCommands<String, String, String> streams() {
                return streams;
            }

            public Uni<Void> ack(String id) {
                return xack(id);
            }

            public void stop(Throwable reason) {
                fail(reason);
            }
        });
        this.multi = Multi.createFrom().emitter(e -> {
            emitter = e;
            e.onRequest(n -> pump());
            e.onTermination(() -> closed = true);
            pump();
        });
    }

    public Multi<Message<String>> publisher() {
        return multi;
    }

    public String channel() {
        return channel;
    }

    public String stream() {
        return stream;
    }

    public String group() {
        return group;
    }

    public String consumer() {
        return consumer;
    }

    /** How long one read blocks, in ms. */
    public long blockMillis() {
        return block.toMillis();
    }

    /**
     * The largest number of entries downstream has asked for at once, as seen by a read. A consumer at concurrency
     * N should show N: 1 means something between it and the channel requests one entry at a time.
     */
    public long largestDemand() {
        return largestDemand.get();
    }

    /** Why the channel stopped, or null while it runs. */
    public String failure() {
        return failure;
    }

    /**
     * Stops reading. Completes once no read is in flight (at most block-ms later); entries that read returns are
     * not delivered. The entries delivered and not settled stay claimed (their work may still finish) until
     * {@link #handBack()}.
     */
    public CompletionStage<Void> close() {
        closed = true;
        vertx.cancelTimer(reclaimTimer);
        MultiEmitter<? super Message<String>> e = emitter;
        if (e != null) {
            e.complete();
        }
        if (!reading.get()) {
            stopped.complete(null);
        }
        return stopped;
    }

    /**
     * The last step of a stop, after the work that could finish did: what is still unsettled here, and what was read
     * after {@link #close()}, is handed back to the other consumers at once rather than after a visibility timeout.
     */
    public CompletionStage<Void> handBack() {
        List<String> unread = new ArrayList<>(undelivered);
        undelivered.clear();
        return claims.handBack(unread).subscribeAsCompletionStage();
    }

    /** Stops the channel for good because a message could not be processed (the {@code fail} strategy). */
    public void fail(Throwable reason) {
        vertx.cancelTimer(reclaimTimer);
        failure = "channel '" + channel + "' stopped: " + reason;
        LOG.errorf("Redis Streams channel '%s' stops after a nack: %s", channel, reason.toString());
        closed = true;
        MultiEmitter<? super Message<String>> e = emitter;
        if (e != null) {
            e.fail(reason);
        }
    }

    /** Acknowledges entry {@code id}; acks made while an XACK is in flight leave together in the next one. */
    public Uni<Void> xack(String id) {
        claims.release(id);
        return commands.ack(id);
    }

    private void pump() {
        while (true) {
            if (!reading.compareAndSet(false, true)) {
                return;
            }
            if (canRead()) {
                read();
                return;
            }
            idle();
            if (!canRead()) {
                return;
            }
        }
    }

    /** Marks that no read is in flight; completes {@link #close()} when the channel is closed. */
    private void idle() {
        reading.set(false);
        if (closed) {
            stopped.complete(null);
        }
    }

    private boolean canRead() {
        MultiEmitter<? super Message<String>> e = emitter;
        return !closed && e != null && !e.isCancelled() && e.requested() > 0;
    }

    private void read() {
        long requested = emitter.requested();
        largestDemand.accumulateAndGet(requested, Math::max);
        int wanted = (int) Math.min(requested, count);
        if (pendingCursor == null && reclaimCursor != null) {
            reclaim(wanted);
            return;
        }
        String cursor = pendingCursor;
        boolean fromPending = cursor != null;
        commands.read(fromPending ? cursor : ">", wanted, fromPending ? null : block)
                // a read on a connection that died unnoticed never answers: give up on it and read again
                .ifNoItem().after(block.plus(READ_TIMEOUT_SLACK)).fail()
                .subscribe().with(
                        entries -> {
                            if (closed) {
                                entries.forEach(entry -> undelivered.add(entry.id()));
                                idle();
                                return;
                            }
                            if (fromPending) {
                                pendingCursor = entries.size() < wanted ? null : entries.getLast().id();
                            }
                            Uni<Map<String, Integer>> counts = fromPending
                                    ? commands.deliveries(entries) : Uni.createFrom().item(Map.of());
                            counts.subscribe().with(c -> emitThenReadOn(entries, fromPending, c), this::readFailed);
                        },
                        this::readFailed);
    }

    /** One XAUTOCLAIM step: takes over up to {@code wanted} entries idle longer than the visibility timeout. */
    private void reclaim(int wanted) {
        String cursor = reclaimCursor;
        commands.reclaim(cursor, visibility, wanted)
                .ifNoItem().after(READ_TIMEOUT_SLACK).fail()
                .subscribe().with(claimed -> {
                    if (closed) {
                        claimed.getMessages().forEach(entry -> undelivered.add(entry.id()));
                        idle();
                        return;
                    }
                    String next = claimed.getId();
                    reclaimCursor = next == null || "0-0".equals(next) ? null : next;
                    List<StreamMessage<String, String, String>> entries = claimed.getMessages();
                    if (!entries.isEmpty()) {
                        LOG.infof("Reclaimed %d entries of %s idle over %d ms", entries.size(), stream,
                                visibility.toMillis());
                    }
                    commands.deliveries(entries).subscribe().with(c -> emitThenReadOn(entries, true, c),
                            this::readFailed);
                }, this::readFailed);
    }

    private void readFailed(Throwable error) {
        if (closed) {
            idle();
            return;
        }
        if (String.valueOf(error.getMessage()).startsWith("NOGROUP")) {
            commands.groupLost();
        }
        LOG.warnf("Reading %s as %s/%s failed, retrying in %d ms: %s", stream, group, consumer,
                retryBackoff.toMillis(), error.toString());
        Uni.createFrom().voidItem().onItem().delayIt().by(retryBackoff)
                .subscribe().with(x -> {
                    idle();
                    pump();
                });
    }

    /**
     * Emits what a read brought, then ends the read and reads on. Whatever downstream throws, the read ends: a
     * {@code reading} flag left set would stop the channel for good.
     */
    private void emitThenReadOn(List<StreamMessage<String, String, String>> entries, boolean redelivered,
                                Map<String, Integer> deliveries) {
        try {
            emitAll(entries, redelivered, deliveries);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Delivering %d entries of %s threw; reading on", entries.size(), stream);
        } finally {
            idle();
        }
        pump();
    }

    private void emitAll(List<StreamMessage<String, String, String>> entries, boolean redelivered,
                         Map<String, Integer> deliveries) {
        MultiEmitter<? super Message<String>> e = emitter;
        for (StreamMessage<String, String, String> entry : entries) {
            if (entry.payload() == null) {
                // a pending entry that was deleted from the stream meanwhile: nothing to deliver, just settle it
                xack(entry.id()).subscribe().with(x -> { }, f -> LOG.debugf("XACK of deleted %s failed: %s", entry.id(), f));
                continue;
            }
            var metadata = new IncomingRedisStreamMetadata(stream, group, entry.id(), entry.payload(), redelivered,
                    deliveries.getOrDefault(entry.id(), redelivered ? 2 : 1));
            claims.hold(entry.id(), metadata.deliveries());
            e.emit(Message.of(entry.payload().get(payloadField), Metadata.of(metadata),
                    () -> ack(entry.id()), reason -> {
                        claims.release(entry.id());
                        return failureStrategy.handle(metadata, reason).subscribeAsCompletionStage();
                    }));
        }
    }

    /**
     * Sends the XACK and completes at once, without waiting for Redis' reply, so a consumer at concurrency N takes
     * its next entry one round trip sooner. Nothing is lost when an XACK fails: the entry stays pending and comes
     * back after the visibility timeout (a consumer must then find its work already done, as the worker does).
     */
    private CompletionStage<Void> ack(String id) {
        xack(id).subscribe().with(ok -> { }, f -> {
            if (closed) {
                LOG.debugf("XACK of %s after stop failed (entry stays pending): %s", id, f);
            } else {
                LOG.warnf("XACK of %s on %s failed (entry stays pending): %s", id, stream, f);
            }
        });
        return CompletableFuture.completedFuture(null);
    }

    private static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
        return value;
    }
}
