package io.runstream.redis.streams;

import java.util.Map;

/**
 * Per-message options of an outgoing channel.
 *
 * @param stream stream to append to instead of the channel's configured one, or {@code null}
 * @param fields extra entry fields written beside the payload; must not contain the payload field
 */
public record OutgoingRedisStreamMetadata(String stream, Map<String, String> fields) {

    /** Sends to {@code stream} instead of the channel's stream. */
    public static OutgoingRedisStreamMetadata toStream(String stream) {
        return new OutgoingRedisStreamMetadata(stream, Map.of());
    }
}
