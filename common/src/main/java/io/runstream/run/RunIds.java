package io.runstream.run;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Run ids are UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. They sort by creation
 * time, so the newest-first listing and its cursor are plain id comparisons.
 */
public final class RunIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RunIds() {
    }

    /** A new id for a run created now. */
    public static UUID newId() {
        return at(System.currentTimeMillis());
    }

    static UUID at(long epochMillis) {
        long random = RANDOM.nextLong();
        long msb = (epochMillis << 16) | 0x7000L | ((random >>> 52) & 0x0FFFL);
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
