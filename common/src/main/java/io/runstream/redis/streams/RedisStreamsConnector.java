package io.runstream.redis.streams;

import io.runstream.redis.streams.fault.FailureStrategy;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.runstream.redis.streams.internal.OutgoingRedisStreamsChannel;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import io.smallrye.reactive.messaging.health.HealthReport;
import io.smallrye.reactive.messaging.health.HealthReporter;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SmallRye Reactive Messaging connector for Redis Streams, on the Quarkus Redis client.
 *
 * <p>Outgoing channels append each message with {@code XADD} (optionally {@code MAXLEN ~}); the message is acked
 * once Redis has the entry. Incoming channels read through a consumer group (created with {@code MKSTREAM} when
 * missing) with {@code XREADGROUP ... BLOCK ... COUNT}, asking Redis for no more entries than downstream has
 * requested, so a consumer never holds entries it cannot start. On start an incoming channel first re-delivers the
 * entries still pending for its consumer name (an earlier life of the same consumer read them but never acked).
 * Entries that another consumer left pending longer than {@code visibility-timeout-ms} are reclaimed
 * (XAUTOCLAIM, every {@code reclaim-interval-ms}); the entries a consumer is processing are kept fresh by a heartbeat
 * (XCLAIM of its own entries) so that live long work is never reclaimed. Each message carries its delivery count.
 * {@code ack()} is {@code XACK}; {@code nack()} applies the channel's {@code failure-strategy}.
 *
 * <p>Stopping is in two steps around the application's own: on {@link ShutdownEvent} at priority
 * {@value #STOP_READING} the channels stop reading, while the entries being processed stay claimed; an application
 * lets its work finish in an observer between the two (e.g. priority 20); at priority {@value #HAND_BACK} whatever
 * is still unsettled is handed back to the other consumers at once.
 *
 * <pre>
 * mp.messaging.incoming.tasks.connector=runstream-redis-streams
 * mp.messaging.incoming.tasks.stream=runstream:{q:default}:tasks
 * mp.messaging.incoming.tasks.group=workers
 * </pre>
 */
@ApplicationScoped
@Connector(RedisStreamsConnector.NAME)
@ConnectorAttribute(name = "stream", type = "string", direction = Direction.INCOMING_AND_OUTGOING, mandatory = true,
        description = "Key of the Redis stream")
@ConnectorAttribute(name = "payload-field", type = "string", direction = Direction.INCOMING_AND_OUTGOING,
        defaultValue = "payload", description = "Entry field that carries the message payload")
@ConnectorAttribute(name = "group", type = "string", direction = Direction.INCOMING, defaultValue = "runstream",
        description = "Consumer group; created (with MKSTREAM) when missing")
@ConnectorAttribute(name = "group-start-id", type = "string", direction = Direction.INCOMING, defaultValue = "0",
        description = "Entry id a newly created group starts after: 0 reads what the stream already holds, $ only new entries")
@ConnectorAttribute(name = "consumer", type = "string", direction = Direction.INCOMING,
        description = "Consumer name within the group; default is <host name>-<pid>")
@ConnectorAttribute(name = "block-ms", type = "int", direction = Direction.INCOMING, defaultValue = "2000",
        description = "How long one XREADGROUP waits for new entries, in milliseconds; also bounds how long a stop waits")
@ConnectorAttribute(name = "count", type = "int", direction = Direction.INCOMING, defaultValue = "64",
        description = "Most entries one XREADGROUP asks for (never more than downstream requested)")
@ConnectorAttribute(name = "retry-backoff-ms", type = "int", direction = Direction.INCOMING, defaultValue = "1000",
        description = "Pause before reading again after Redis failed a read, in milliseconds")
@ConnectorAttribute(name = "visibility-timeout-ms", type = "int", direction = Direction.INCOMING, defaultValue = "30000",
        description = "Entries pending longer than this without a heartbeat are reclaimed (XAUTOCLAIM) from their consumer, presumed dead")
@ConnectorAttribute(name = "reclaim-interval-ms", type = "int", direction = Direction.INCOMING, defaultValue = "1000",
        description = "How often the channel looks for entries to reclaim, in milliseconds (also once at start)")
@ConnectorAttribute(name = "heartbeat-interval-ms", type = "int", direction = Direction.INCOMING, defaultValue = "10000",
        description = "How often the entries this consumer is processing are re-claimed by it (XCLAIM, idle reset to 0), so live long work is never reclaimed; must be well under visibility-timeout-ms")
@ConnectorAttribute(name = "failure-strategy", type = "string", direction = Direction.INCOMING, defaultValue = "fail",
        description = "What nack() does: fail (stop the channel, entry stays pending), ignore (log and XACK), dead-letter (copy the entry with the reason to dead-letter-stream, then XACK), or the @Identifier of a FailureStrategy.Factory bean of your own")
@ConnectorAttribute(name = "dead-letter-stream", type = "string", direction = Direction.INCOMING,
        description = "Stream that the dead-letter strategy writes to; default is <stream>:dead")
@ConnectorAttribute(name = "maxlen", type = "long", direction = Direction.OUTGOING,
        description = "Approximate cap on the stream's length (XADD MAXLEN ~); unset means no trimming")
@ConnectorAttribute(name = "send-timeout-ms", type = "int", direction = Direction.OUTGOING, defaultValue = "5000",
        description = "How long an XADD may take before its message is nacked (Redis paused, or a connection that died unnoticed)")
@ConnectorAttribute(name = "max-inflight", type = "int", direction = Direction.OUTGOING, defaultValue = "256",
        description = "Most XADDs in flight at once on this channel")
public class RedisStreamsConnector implements InboundConnector, OutboundConnector, HealthReporter {

    /** Name to use in {@code mp.messaging.*.connector}. */
    public static final String NAME = "runstream-redis-streams";
    /** {@link ShutdownEvent} priority at which incoming channels stop reading. */
    public static final int STOP_READING = 10;
    /** {@link ShutdownEvent} priority at which incoming channels hand back what is still unsettled. */
    public static final int HAND_BACK = 30;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(RedisStreamsConnector.class);

    private final List<IncomingRedisStreamsChannel> incoming = new CopyOnWriteArrayList<>();
    private final List<OutgoingRedisStreamsChannel> outgoing = new CopyOnWriteArrayList<>();

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    @Inject
    @Any
    Instance<FailureStrategy.Factory> failureStrategies;

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        return opened(new RedisStreamsConnectorIncomingConfiguration(config)).publisher();
    }

    private IncomingRedisStreamsChannel opened(RedisStreamsConnectorIncomingConfiguration config) {
        var channel = new IncomingRedisStreamsChannel(redis, vertx, config,
                name -> failureStrategy(config.getChannel(), name));
        incoming.add(channel);
        return channel;
    }

    /**
     * Opens an incoming channel that no configuration declares (one per queue, say, when the queues are known only
     * at start): its attributes are {@code own}, then {@code <template>.<attribute>} of {@code application}. It
     * stops and hands back with the declared ones.
     *
     * @param template prefix of the shared settings, e.g. {@code mp.messaging.incoming.tasks}
     */
    public IncomingRedisStreamsChannel open(Config application, String channel, String template,
                                            Map<String, String> own) {
        return opened(new RedisStreamsConnectorIncomingConfiguration(
                new ChannelSettings(application, channel, template, own)));
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        var channel = new OutgoingRedisStreamsChannel(redis, new RedisStreamsConnectorOutgoingConfiguration(config));
        outgoing.add(channel);
        return channel.subscriber();
    }

    /**
     * The failure strategy factory named {@code name} ({@code @Identifier}) for channel {@code channel}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public FailureStrategy.Factory failureStrategy(String channel, String name) {
        Instance<FailureStrategy.Factory> found = failureStrategies.select(Identifier.Literal.of(name));
        if (found.isResolvable()) {
            return found.get();
        }
        TreeSet<String> known = new TreeSet<>();
        failureStrategies.handles().forEach(h -> h.getBean().getQualifiers().stream()
                .filter(q -> q instanceof Identifier).forEach(q -> known.add(((Identifier) q).value())));
        throw new IllegalArgumentException("failure-strategy of channel '" + channel + "' must be one of "
                + String.join(", ", known) + "; was '" + name + "'");
    }

    /** The incoming channel named {@code channel}, if this connector serves it. */
    public Optional<IncomingRedisStreamsChannel> incoming(String channel) {
        return incoming.stream().filter(c -> c.channel().equals(channel)).findFirst();
    }

    /** The outgoing channel named {@code channel}, if this connector serves it. */
    public Optional<OutgoingRedisStreamsChannel> outgoing(String channel) {
        return outgoing.stream().filter(c -> c.channel().equals(channel)).findFirst();
    }

    @Override
    public HealthReport getReadiness() {
        return report();
    }

    @Override
    public HealthReport getLiveness() {
        return report();
    }

    private HealthReport report() {
        var builder = HealthReport.builder();
        incoming.forEach(c -> builder.add(c.channel(), c.failure() == null, c.failure()));
        outgoing.forEach(c -> builder.add(c.channel(), true));
        return builder.build();
    }

    /**
     * Stops reading and waits (at most block-ms and a second) for reads in flight. Runs on {@link ShutdownEvent},
     * before Quarkus closes the Redis client, so shutting down logs no errors from a closed connection.
     */
    void stop(@Observes @Priority(STOP_READING) ShutdownEvent ignored) {
        var reads = incoming.stream().map(c -> c.close().toCompletableFuture()).toArray(CompletableFuture[]::new);
        outgoing.forEach(OutgoingRedisStreamsChannel::close);
        try {
            CompletableFuture.allOf(reads).get(incoming.stream().mapToLong(IncomingRedisStreamsChannel::blockMillis)
                    .max().orElse(0) + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a read that outlives its BLOCK is abandoned; its entries stay pending for this consumer
        }
    }

    /** Hands back what the incoming channels still hold, waiting at most two seconds for Redis to take it. */
    void handBack(@Observes @Priority(HAND_BACK) ShutdownEvent ignored) {
        var handed = incoming.stream().map(c -> c.handBack().toCompletableFuture()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(handed).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("Could not hand back unfinished entries (they return after the visibility timeout): %s",
                    e.toString());
        }
    }
}
