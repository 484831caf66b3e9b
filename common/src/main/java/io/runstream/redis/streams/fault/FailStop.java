package io.runstream.redis.streams.fault;

import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.smallrye.mutiny.Uni;

/**
 * The {@code fail} strategy: the channel stops and reports itself unhealthy; the entry is not acked, so it stays
 * pending for this consumer and is delivered again when the consumer comes back.
 */
final class FailStop implements FailureStrategy {

    private final IncomingRedisStreamsChannel channel;

    FailStop(IncomingRedisStreamsChannel channel) {
        this.channel = channel;
    }

    @Override
    public Uni<Void> handle(IncomingRedisStreamMetadata entry, Throwable reason) {
        channel.fail(reason);
        return Uni.createFrom().voidItem();
    }
}
