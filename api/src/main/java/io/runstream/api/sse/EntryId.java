package io.runstream.api.sse;

/**
 * A stream entry id, {@code <ms>-<seq>}, parsed once and ordered as Redis orders them (both parts unsigned).
 *
 * @param ms  the milliseconds part
 * @param seq the sequence part
 */
record EntryId(long ms, long seq) implements Comparable<EntryId> {

    /** Before every entry: "from the start". */
    static final EntryId START = new EntryId(0, 0);

    /**
     * Parses {@code 1795394101494-0}, or {@code 1795394101494} (meaning {@code -0}).
     *
     * @throws IllegalArgumentException when {@code id} is not an entry id
     */
    static EntryId parse(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if ((c < '0' || c > '9') && c != '-') {
                throw new IllegalArgumentException("not a stream entry id: '" + id + "'");
            }
        }
        int dash = id.indexOf('-');
        try {
            return dash < 0 ? new EntryId(Long.parseUnsignedLong(id), 0)
                    : new EntryId(Long.parseUnsignedLong(id, 0, dash, 10),
                    Long.parseUnsignedLong(id, dash + 1, id.length(), 10));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a stream entry id: '" + id + "'", e);
        }
    }

    boolean isStart() {
        return ms == 0 && seq == 0;
    }

    boolean isAfter(EntryId other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(EntryId other) {
        int c = Long.compareUnsigned(ms, other.ms);
        return c != 0 ? c : Long.compareUnsigned(seq, other.seq);
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
    }
}
