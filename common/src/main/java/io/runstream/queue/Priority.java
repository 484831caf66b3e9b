package io.runstream.queue;

/**
 * A run's priority within its queue: {@value #HIGHEST} the highest to {@value #LOWEST} the lowest, {@value #DEFAULT}
 * when a submit gives none.
 *
 * <p>Four levels, as River has: what users tell apart is urgent, normal, bulk and background; each level is a
 * stream of its own per queue (more levels would mean more streams for every worker to read, with no order a user
 * could rely on that four do not give). The default is 2, not 1, so that urgent work can go ahead of ordinary
 * submits without every submit having to lower itself.
 *
 * <p>A worker takes the highest priority waiting first; a run's priority rises by one level for every
 * {@code runstream.worker.priority-aging} it has waited, so a lower one is never starved for ever (docs/queues.md).
 */
public final class Priority {

    public static final int HIGHEST = 1;
    public static final int LOWEST = 4;
    public static final int DEFAULT = 2;

    private Priority() {
    }

    /** Whether {@code value} is a priority. */
    public static boolean isValid(int value) {
        return value >= HIGHEST && value <= LOWEST;
    }

    /**
     * What the names of a priority's streams, delayed sets and channels add to the queue's: nothing for the default
     * priority, so a queue used without priorities has the names it had before them; {@code :p<n>} for the others.
     */
    public static String suffix(int priority) {
        return priority == DEFAULT ? "" : ":p" + priority;
    }

    /** Every priority, the highest first. */
    public static int[] all() {
        return new int[] {1, 2, 3, 4};
    }
}
