package io.runstream.worker.handler;

import io.smallrye.mutiny.Uni;

/**
 * A non-blocking pipeline handler: it returns at once with a {@link Uni} of the result and must never block
 * (it is called on an event-loop thread). The item is the run's result; a failure fails the run, a
 * {@link RunCancelledException} failure ends it cancelled.
 */
public interface ReactiveRunHandler {

    /** Starts one attempt of a run. */
    Uni<?> handle(RunContext run);

    /** Prepares the handler once, before its first run; as {@link RunHandler#init}, without blocking. */
    default Uni<Void> init() {
        return Uni.createFrom().voidItem();
    }

    /** Releases what {@link #init} took, when the worker stops; only if init succeeded. */
    default Uni<Void> close() {
        return Uni.createFrom().voidItem();
    }
}
