package io.runstream.log;

import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs the failures of something that keeps failing the same way during an outage — a periodic job, 503 answers —
 * without flooding the log: the first failure at WARN, then at most one WARN per {@code interval} saying how many
 * more there were, and one INFO when it works again. Thread-safe (atomics only).
 *
 * <pre>{@code
 * private final FailureLog failures = new FailureLog(LOG, "Moving due tasks", Duration.ofMinutes(1));
 * @Scheduled(every = "1s", concurrentExecution = SKIP)
 * Uni<Void> moveDue() {
 *     return failures.reported(onePass(), Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class FailureLog {

    private final Logger log;
    private final String what;
    private final long intervalNanos;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong lastReport = new AtomicLong();

    /**
     * @param log      where to log
     * @param what     what failed, e.g. {@code "Moving due tasks"}
     * @param interval at most one WARN per interval while it keeps failing
     */
    public FailureLog(Logger log, String what, Duration interval) {
        this.log = log;
        this.what = what;
        this.intervalNanos = interval.toNanos();
    }

    /** One more failure. */
    public void failed(Throwable failure) {
        long n = failures.incrementAndGet();
        long now = System.nanoTime();
        long last = lastReport.get();
        if (n == 1 || now - last >= intervalNanos && lastReport.compareAndSet(last, now)) {
            if (n == 1) {
                lastReport.set(now);
            }
            long more = unreported.getAndSet(0);
            log.warnf("%s failed%s: %s", what, more == 0 ? "" : " (" + more + " more times since the last report)",
                    failure.toString());
        } else {
            unreported.incrementAndGet();
        }
    }

    /** It worked: after failures, one line says so. */
    public void succeeded() {
        if (failures.get() == 0) {
            return; // the common case costs one read, no write
        }
        long n = failures.getAndSet(0);
        if (n > 0) {
            unreported.set(0);
            log.infof("%s works again after %d failures", what, n);
        }
    }

    /**
     * {@code pass} with its outcome reported here and its failure swallowed: what a periodic job hands its scheduler,
     * which would otherwise log every failure with its stack trace. A pass without an outcome after {@code timeout}
     * (a command sent on a connection that died unnoticed never answers) fails: a scheduler that skips while a pass
     * runs would otherwise never run the job again.
     */
    public Uni<Void> reported(Uni<?> pass, Duration timeout) {
        return pass.ifNoItem().after(timeout).fail().onItemOrFailure().transform((item, failure) -> {
            if (failure == null) {
                succeeded();
            } else {
                failed(failure);
            }
            return null;
        });
    }
}
