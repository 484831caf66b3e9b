package io.runstream.redis.streams.fault;

import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.smallrye.mutiny.Uni;

/**
 * What an incoming channel does with an entry whose message was nacked. Chosen per channel by the
 * {@code failure-strategy} attribute: {@code fail}, {@code ignore} or {@code dead-letter}.
 */
public interface FailureStrategy {

    /** Settles the nacked entry described by {@code entry}. */
    Uni<Void> handle(IncomingRedisStreamMetadata entry, Throwable reason);

    /**
     * The strategy named {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    static FailureStrategy create(String name, String deadLetterStream,
                                  ReactiveStreamCommands<String, String, String> streams,
                                  IncomingRedisStreamsChannel channel) {
        return switch (name) {
            case "fail" -> new FailStop(channel);
            case "ignore" -> new Ignore(channel);
            case "dead-letter" -> new DeadLetter(channel, streams, deadLetterStream);
            default -> throw new IllegalArgumentException("failure-strategy of channel '" + channel.channel()
                    + "' must be one of fail, ignore, dead-letter; was '" + name + "'");
        };
    }
}
