package io.runstream.log;

import java.util.UUID;
import java.util.concurrent.Executor;

/**
 * The run a log line is about: {@code runId}, {@code attempt}, {@code pipeline} and {@code queue}, which
 * {@link RunFieldsFilter} puts into the line's context fields ({@code mdc} of the JSON log format, the prod
 * profile), so that a log search for one run finds each of its lines — the worker's, the api's and its handler's own.
 *
 * <p>Set only around what is about one run, on the thread that logs: {@link #log} around one of the apps' own lines,
 * {@link #executor} around a blocking handler's whole call on its virtual thread. (Kept in a thread-local of its own:
 * the logging MDC of a Quarkus app lives in the Vert.x context, and a virtual thread of the worker's executor has
 * none that it may write — a put there was lost.)
 */
public final class RunMdc {

    public static final String RUN_ID = "runId";
    public static final String ATTEMPT = "attempt";
    public static final String PIPELINE = "pipeline";
    public static final String QUEUE = "queue";

    private static final ThreadLocal<Fields> CURRENT = new ThreadLocal<>();

    private RunMdc() {
    }

    /** The fields of the run a line logged on this thread now is about, or null. */
    static Fields current() {
        return CURRENT.get();
    }

    /** Runs {@code log} (one or more log calls) with the run's fields on its lines. */
    public static void log(UUID runId, int attempt, String pipeline, String queue, Runnable log) {
        Fields outer = CURRENT.get();
        CURRENT.set(new Fields(String.valueOf(runId), Integer.toString(attempt), pipeline, queue));
        try {
            log.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** {@code delegate}, with the run's fields on the lines every task it runs logs. */
    public static Executor executor(Executor delegate, UUID runId, int attempt, String pipeline, String queue) {
        return task -> delegate.execute(() -> log(runId, attempt, pipeline, queue, task));
    }

    /** A run's fields as written (null: not known where the line is logged). */
    record Fields(String runId, String attempt, String pipeline, String queue) {
    }
}
