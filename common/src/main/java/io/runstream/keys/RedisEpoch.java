package io.runstream.keys;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The value of the epoch key ({@link RedisKeys#epoch()}), written once per lifetime of Redis' data by the api's
 * sweeper: its absence means Redis lost its data, and the time it was created says how long ago what Redis holds
 * (the pipeline directory included) started to be rebuilt. Written as {@code <epoch ms>:<uuid>}; a value without
 * the time part (written by an older version) is simply old.
 *
 * @param value the key's value
 */
public record RedisEpoch(String value) {

    /** A new epoch created at {@code now}. */
    public static RedisEpoch of(Instant now) {
        return new RedisEpoch(now.toEpochMilli() + ":" + UUID.randomUUID());
    }

    /** When this epoch was created, if its value says. */
    public Optional<Instant> createdAt() {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochMilli(Long.parseLong(value.substring(0, colon))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
