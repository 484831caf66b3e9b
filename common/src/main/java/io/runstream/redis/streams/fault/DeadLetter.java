package io.runstream.redis.streams.fault;

import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code dead-letter} strategy: copies the entry to the dead-letter stream with the failure ({@code reason}),
 * where it came from ({@code source-stream}, {@code source-id}), then acks it. The copy is written before the ack,
 * so a crash in between leaves the entry pending rather than lost.
 */
final class DeadLetter implements FailureStrategy {

    private static final Logger LOG = Logger.getLogger(DeadLetter.class);

    private final IncomingRedisStreamsChannel channel;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final String deadLetterStream;

    DeadLetter(IncomingRedisStreamsChannel channel, ReactiveStreamCommands<String, String, String> streams,
               String deadLetterStream) {
        this.channel = channel;
        this.streams = streams;
        this.deadLetterStream = deadLetterStream;
    }

    @Override
    public Uni<Void> handle(IncomingRedisStreamMetadata entry, Throwable reason) {
        Map<String, String> fields = new LinkedHashMap<>(entry.fields());
        fields.put("reason", String.valueOf(reason));
        fields.put("source-stream", entry.stream());
        fields.put("source-id", entry.id());
        return streams.xadd(deadLetterStream, fields)
                .invoke(id -> LOG.warnf("Entry %s of %s moved to %s as %s: %s", entry.id(), entry.stream(),
                        deadLetterStream, id, reason.toString()))
                .chain(() -> channel.xack(entry.id()));
    }
}
