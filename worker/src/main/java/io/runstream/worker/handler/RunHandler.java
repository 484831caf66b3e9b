package io.runstream.worker.handler;

/**
 * A blocking pipeline handler. It runs on a virtual thread of its own, so it may block freely (I/O, sleeps,
 * calls to slow services); the worker runs at most {@code runstream.worker.concurrency} runs at once.
 *
 * <p>The returned value is the run's result, written as JSON ({@code null} is a JSON null). A thrown exception
 * fails the attempt with its message: the run is retried with backoff until its pipeline's attempts are used up,
 * then fails. {@link GiveUpException} fails it at once; {@link RunCancelledException} ends it cancelled.
 *
 * <pre>{@code
 * @ApplicationScoped
 * @Pipeline("count")
 * public class Count implements RunHandler {
 *     public Object handle(RunContext run) {
 *         int n = run.input().path("n").asInt(3);
 *         for (int i = 1; i <= n && !run.isCancelled(); i++) {
 *             run.output(i + " ");
 *         }
 *         return Map.of("counted", n);
 *     }
 * }
 * }</pre>
 */
public interface RunHandler {

    /** Executes one attempt of a run. */
    Object handle(RunContext run) throws Exception;

    /**
     * Prepares the handler (a model to load, a client to connect), once, before its first run: lazily when a run
     * first needs it — once, however many runs arrive together — or at the worker's start with
     * {@code runstream.pipelines."<name>".warm-up=true}. It runs on a virtual thread and may block. A failure fails
     * the run that waited for it (retried as any failure) and the next run tries again; after
     * {@code runstream.worker.circuit.failures} (3) failures in a row the pipeline's circuit opens: its runs fail at
     * once naming the cause, until one trial after {@code runstream.worker.circuit.cool-down} succeeds.
     */
    default void init() throws Exception {
    }

    /** Releases what {@link #init} took, when the worker stops (after its runs ended); only if init succeeded. */
    default void close() throws Exception {
    }
}
