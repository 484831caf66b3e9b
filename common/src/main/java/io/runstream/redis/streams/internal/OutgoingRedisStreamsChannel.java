package io.runstream.redis.streams.internal;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.runstream.json.Json;
import io.runstream.batch.Batcher;
import io.runstream.redis.streams.OutgoingRedisStreamMetadata;
import io.runstream.redis.streams.RedisStreamsConnectorOutgoingConfiguration;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.providers.helpers.MultiUtils;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Flow;

/**
 * One outgoing channel: every message becomes one XADD (pipelined with the others in flight); the message is acked
 * with the entry written and nacked with Redis' error otherwise. String and byte[] payloads are written as they are,
 * anything else as JSON.
 */
public final class OutgoingRedisStreamsChannel {

    /** Most XADDs pipelined in one batch, and most batches in flight at once. */
    private static final int XADD_BATCH = 256;
    private static final int XADDS_IN_FLIGHT = 4;

    private final String channel;
    private final String stream;
    private final String payloadField;
    private final Optional<Long> maxlen;
    private final int maxInflight;
    private final Batcher<Request, Response> xadds;
    private final Flow.Subscriber<? extends Message<?>> subscriber;
    private volatile boolean closed;
    private final Redis client;
    private final Duration sendTimeout;

    public OutgoingRedisStreamsChannel(ReactiveRedisDataSource redis, RedisStreamsConnectorOutgoingConfiguration config) {
        this.channel = config.getChannel();
        this.stream = config.getStream();
        this.payloadField = config.getPayloadField();
        this.maxlen = config.getMaxlen();
        this.maxInflight = config.getMaxInflight();
        if (maxInflight <= 0) {
            throw new IllegalArgumentException("max-inflight of channel '" + channel + "' must be positive");
        }
        maxlen.filter(n -> n <= 0).ifPresent(n -> {
            throw new IllegalArgumentException("maxlen of channel '" + channel + "' must be positive, was " + n);
        });
        this.client = redis.getRedis();
        int sendTimeoutMs = config.getSendTimeoutMs();
        if (sendTimeoutMs <= 0) {
            throw new IllegalArgumentException("send-timeout-ms of channel '" + channel + "' must be positive");
        }
        this.sendTimeout = Duration.ofMillis(sendTimeoutMs);
        // XADDs made while others are in flight leave together, pipelined in one round trip; a batch that gets no
        // answer fails, so a paused Redis or a dead connection cannot hold the messages (and their senders) for ever
        this.xadds = new Batcher<>(requests -> client.batch(requests).ifNoItem().after(sendTimeout).fail(), XADD_BATCH,
                XADDS_IN_FLIGHT);
        this.subscriber = MultiUtils.via(messages -> messages
                .onItem().transformToUni(this::send).merge(maxInflight));
    }

    public String channel() {
        return channel;
    }

    public Flow.Subscriber<? extends Message<?>> subscriber() {
        return subscriber;
    }

    public void close() {
        closed = true;
    }

    private Uni<Void> send(Message<?> message) {
        if (closed) {
            return Uni.createFrom().completionStage(message.nack(
                    new IllegalStateException("channel '" + channel + "' is stopped")));
        }
        Request xadd;
        try {
            xadd = xadd(message);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().completionStage(message.nack(e));
        }
        return xadds.submit(xadd)
                .onItemOrFailure().transformToUni((id, failure) -> Uni.createFrom().completionStage(
                        failure == null ? message.ack() : message.nack(failure)));
    }

    /**
     * Appends every message, in order, in one pipelined round trip — for a producer that has many at once (a bulk
     * submit) and wants one answer for all. The messages are not acked or nacked: the Uni says how it went. A
     * failure can leave some appended.
     */
    public Uni<Void> sendAll(List<? extends Message<?>> messages) {
        if (closed) {
            return Uni.createFrom().failure(new IllegalStateException("channel '" + channel + "' is stopped"));
        }
        List<Request> requests = new ArrayList<>(messages.size());
        for (Message<?> message : messages) {
            requests.add(xadd(message));
        }
        return client.batch(requests).ifNoItem().after(sendTimeout).fail().replaceWithVoid();
    }

    /** The XADD of {@code message}, to its metadata's stream or the channel's. */
    private Request xadd(Message<?> message) {
        Optional<OutgoingRedisStreamMetadata> meta = message.getMetadata(OutgoingRedisStreamMetadata.class);
        String target = meta.map(OutgoingRedisStreamMetadata::stream).orElse(stream);
        Map<String, String> fields = meta.map(OutgoingRedisStreamMetadata::fields).orElse(Map.of());
        if (fields.containsKey(payloadField)) {
            throw new IllegalArgumentException("metadata fields must not contain the payload field '"
                    + payloadField + "'");
        }
        Request xadd = Request.cmd(Command.XADD).arg(target);
        maxlen.ifPresent(n -> xadd.arg("MAXLEN").arg("~").arg(n));
        xadd.arg("*");
        fields.forEach((name, value) -> xadd.arg(name).arg(value));
        xadd.arg(payloadField).arg(encode(message.getPayload()));
        return xadd;
    }

    private static String encode(Object payload) {
        if (payload instanceof String s) {
            return s;
        }
        if (payload instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return Json.encode(payload);
    }
}
