package io.runstream.redis.streams.fault;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** The {@code ignore} strategy: logs the failure with the entry id and acks the entry; the channel goes on. */
@ApplicationScoped
@Identifier("ignore")
public class Ignore implements FailureStrategy.Factory {

    private static final Logger LOG = Logger.getLogger(Ignore.class);

    @Override
    public FailureStrategy create(FailureStrategy.Channel channel) {
        return (entry, reason) -> {
            LOG.warnf("Entry %s of %s failed and is dropped (failure-strategy=ignore): %s", entry.id(),
                    entry.stream(), reason.toString());
            return channel.ack(entry.id());
        };
    }
}
