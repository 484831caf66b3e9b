package io.runstream.api.run;

import io.runstream.api.problem.ProblemException;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

/** Opaque paging cursor: the id of the last run of a page, base64url encoded. */
final class RunCursor {

    private RunCursor() {
    }

    static String encode(UUID lastId) {
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(lastId.getMostSignificantBits())
                .putLong(lastId.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /** @throws ProblemException 400 when {@code cursor} was not made by {@link #encode} */
    static UUID decode(String cursor) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor);
            if (bytes.length != 16) {
                throw new IllegalArgumentException("length " + bytes.length);
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new UUID(buffer.getLong(), buffer.getLong());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("cursor is not valid: pass the 'next' value of a previous page");
        }
    }
}
