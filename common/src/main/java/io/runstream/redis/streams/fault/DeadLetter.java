package io.runstream.redis.streams.fault;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code dead-letter} strategy: copies the entry to the dead-letter stream with the failure ({@code reason}),
 * where it came from ({@code source-stream}, {@code source-id}), then acks it. The copy is written before the ack,
 * so a crash in between leaves the entry pending rather than lost.
 */
@ApplicationScoped
@Identifier("dead-letter")
public class DeadLetter implements FailureStrategy.Factory {

    private static final Logger LOG = Logger.getLogger(DeadLetter.class);

    @Override
    public FailureStrategy create(FailureStrategy.Channel channel) {
        String deadLetterStream = channel.deadLetterStream();
        return (entry, reason) -> {
            Map<String, String> fields = new LinkedHashMap<>(entry.fields());
            fields.put("reason", String.valueOf(reason));
            fields.put("source-stream", entry.stream());
            fields.put("source-id", entry.id());
            return channel.streams().xadd(deadLetterStream, fields)
                    .invoke(id -> LOG.warnf("Entry %s of %s moved to %s as %s: %s", entry.id(), entry.stream(),
                            deadLetterStream, id, reason.toString()))
                    .chain(() -> channel.ack(entry.id()));
        };
    }
}
