package io.runstream.redis.streams.fault;

import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.smallrye.mutiny.Uni;

/**
 * What an incoming channel does with an entry whose message was nacked. Chosen per channel by the
 * {@code failure-strategy} attribute, which names a {@link Factory} bean by its {@code @Identifier}, as SmallRye's
 * own connectors do: {@code fail}, {@code ignore} and {@code dead-letter} are built in, and an application adds its
 * own with another identifier.
 *
 * <pre>{@code
 * @ApplicationScoped
 * @Identifier("park")
 * public class Park implements FailureStrategy.Factory {
 *     public FailureStrategy create(FailureStrategy.Channel channel) {
 *         return (entry, reason) -> ...;
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface FailureStrategy {

    /** Settles the nacked entry described by {@code entry}. */
    Uni<Void> handle(IncomingRedisStreamMetadata entry, Throwable reason);

    /** What a strategy may do with the channel whose entries it settles. */
    interface Channel {

        /** The channel's name. */
        String name();

        /** Where the channel's dead letters go ({@code dead-letter-stream}, default {@code <stream>:dead}). */
        String deadLetterStream();

        /** Stream commands on the channel's Redis. */
        ReactiveStreamCommands<String, String, String> streams();

        /** Acknowledges entry {@code id}: it leaves the group's pending list. */
        Uni<Void> ack(String id);

        /** Stops the channel for good, reporting {@code reason} as its health. */
        void stop(Throwable reason);
    }

    /** Makes the strategy of one channel. A CDI bean, qualified by {@code @Identifier("<name>")}. */
    interface Factory {
        FailureStrategy create(Channel channel);
    }
}
