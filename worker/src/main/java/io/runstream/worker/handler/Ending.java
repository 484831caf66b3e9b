package io.runstream.worker.handler;

/**
 * How a handler's attempt ended, as the worker judges it. The worker and the {@code testing.TestRun} kit both
 * judge by {@link #of}, so a handler's test sees what the worker would make of it.
 */
public enum Ending {
    /** It returned: the run completes with its result. */
    COMPLETED,
    /** It was cancelled (or threw {@link RunCancelledException}): the run ends {@code cancelled}. */
    CANCELLED,
    /** It threw {@link GiveUpException}: the run fails at once, without retries. */
    GAVE_UP,
    /** It threw anything else: the run is tried again while attempts remain, then fails. */
    FAILED;

    /**
     * @param failure   what the handler threw, or null when it returned
     * @param cancelled whether the run was cancelled meanwhile
     */
    public static Ending of(Throwable failure, boolean cancelled) {
        if (cancelled || failure instanceof RunCancelledException) {
            return CANCELLED;
        }
        if (failure == null) {
            return COMPLETED;
        }
        return failure instanceof GiveUpException ? GAVE_UP : FAILED;
    }
}
