package io.runstream.redis.streams.fault;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The {@code fail} strategy: the channel stops and reports itself unhealthy; the entry is not acked, so it stays
 * pending for this consumer and is delivered again when the consumer comes back.
 */
@ApplicationScoped
@Identifier("fail")
public class FailStop implements FailureStrategy.Factory {

    @Override
    public FailureStrategy create(FailureStrategy.Channel channel) {
        return (entry, reason) -> {
            channel.stop(reason);
            return Uni.createFrom().voidItem();
        };
    }
}
