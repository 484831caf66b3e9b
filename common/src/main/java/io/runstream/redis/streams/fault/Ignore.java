package io.runstream.redis.streams.fault;

import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

/** The {@code ignore} strategy: logs the failure with the entry id and acks the entry; the channel goes on. */
final class Ignore implements FailureStrategy {

    private static final Logger LOG = Logger.getLogger(Ignore.class);

    private final IncomingRedisStreamsChannel channel;

    Ignore(IncomingRedisStreamsChannel channel) {
        this.channel = channel;
    }

    @Override
    public Uni<Void> handle(IncomingRedisStreamMetadata entry, Throwable reason) {
        LOG.warnf("Entry %s of %s failed and is dropped (failure-strategy=ignore): %s", entry.id(), entry.stream(),
                reason.toString());
        return channel.xack(entry.id());
    }
}
