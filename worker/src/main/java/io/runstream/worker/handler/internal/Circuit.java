package io.runstream.worker.handler.internal;

import io.smallrye.mutiny.Uni;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One pipeline's handler init and its circuit breaker. {@link #ready} runs the init on first use, once however many
 * runs ask together (they share one memoized {@link Uni}), and remembers success. A failure fails the runs that
 * waited; the next run tries again. After {@code threshold} failures in a row the circuit opens: runs fail at once
 * with {@link OpenException}, naming the cause, until {@code coolDown} has passed; then the next run makes one trial
 * init (others wait for it) that closes the circuit or opens it again.
 * <p>
 * The lock guards the fields only: no init runs and no subscriber is called while it is held (the shared Uni is
 * created under it, lazily, and subscribed to after it is released; its completion takes the lock in
 * {@link #settle} and releases it before the waiting runs hear of it).
 */
public final class Circuit {

    private static final Uni<Void> READY = Uni.createFrom().voidItem();

    private final String pipeline;
    private final int threshold;
    private final Duration coolDown;
    private final Clock clock;

    /** Written under the lock, read without it: the path of every run once the handler is initialised. */
    private volatile boolean ready;
    private Uni<Void> initializing;
    private int failures;
    private String cause;
    private Instant openUntil;

    Circuit(String pipeline, int threshold, Duration coolDown, Clock clock) {
        this.pipeline = pipeline;
        this.threshold = threshold;
        this.coolDown = coolDown;
        this.clock = clock;
    }

    /** Completes once the handler is initialised: at once when it is, after the init (running or started) if not. */
    Uni<Void> ready(Supplier<Uni<Void>> init) {
        synchronized (this) {
            if (ready) {
                return READY;
            }
            if (initializing != null) {
                return initializing;
            }
            if (openUntil != null && clock.instant().isBefore(openUntil)) {
                return Uni.createFrom().failure(new OpenException(pipeline, failures, cause, openUntil));
            }
            initializing = Uni.createFrom().<Void>deferred(init::get)
                    .onItemOrFailure().invoke((x, failure) -> settle(failure))
                    .memoize().indefinitely();
            return initializing;
        }
    }

    private synchronized void settle(Throwable failure) {
        initializing = null;
        if (failure == null) {
            ready = true;
            failures = 0;
            cause = null;
            openUntil = null;
            return;
        }
        failures++;
        cause = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        if (failures >= threshold) {
            openUntil = clock.instant().plus(coolDown);
        }
    }

    /** Whether the handler was initialised (and so is to be closed at the stop); no lock. */
    boolean initialised() {
        return ready;
    }

    /** While the circuit is open (its cool-down not over, or its trial running): why, and until when. */
    synchronized Optional<Open> open() {
        return openUntil == null ? Optional.empty() : Optional.of(new Open(pipeline, failures, cause, openUntil));
    }

    /**
     * An open circuit.
     *
     * @param pipeline its pipeline
     * @param failures init failures in a row
     * @param cause    the last one's message
     * @param until    when a trial init may close it
     */
    public record Open(String pipeline, int failures, String cause, Instant until) {
    }

    /** A run of a pipeline whose circuit is open: it fails at once, without retries. */
    public static final class OpenException extends RuntimeException {
        OpenException(String pipeline, int failures, String cause, Instant until) {
            super("pipeline '" + pipeline + "' is unavailable on this worker: its handler's init failed " + failures
                    + " times in a row (last: " + cause + "); the next trial is after " + until, null, false, false);
        }
    }
}
