package io.runstream.periodic;

import io.runstream.log.FailureLog;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A periodic job whose interval may be shorter than a second. Jobs every second or slower use Quarkus'
 * {@code @Scheduled(concurrentExecution = SKIP)}; its scheduler checks triggers once a second, so a job due every
 * 200 ms (moving due retries, which must start on time) runs on a Vert.x timer through this class instead, with
 * the same guarantees: passes never overlap (a tick while one runs is skipped), a pass that fails or hangs past its
 * timeout ends and is logged through a {@link FailureLog}, and the next tick runs again.
 */
public final class FrequentJob {

    private final Vertx vertx;
    private final Duration interval;
    private final Duration timeout;
    private final Supplier<Uni<?>> pass;
    private final FailureLog failures;
    private final AtomicBoolean running = new AtomicBoolean();
    private long timer = -1;

    /**
     * @param interval time between ticks
     * @param timeout  longest a pass may take before it counts as failed
     * @param pass     one pass of the job; may fail
     * @param failures where failed passes are reported
     */
    public FrequentJob(Vertx vertx, Duration interval, Duration timeout, Supplier<Uni<?>> pass, FailureLog failures) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        this.vertx = vertx;
        this.interval = interval;
        this.timeout = timeout;
        this.pass = pass;
        this.failures = failures;
    }

    public synchronized void start() {
        if (timer < 0) {
            timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
        }
    }

    public synchronized void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** Runs a pass unless one is running. */
    void tick() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        Uni<?> uni;
        try {
            uni = pass.get();
        } catch (RuntimeException e) {
            running.set(false);
            failures.failed(e);
            return;
        }
        failures.reported(uni, timeout).subscribe().with(x -> running.set(false), f -> running.set(false));
    }
}
