package io.runstream.worker.complete;

import io.runstream.log.FailureLog;
import io.runstream.worker.WorkerConfig;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Writes of a run's state that must not be lost to a passing outage: tried again after a pause (growing up to ten
 * times {@code store-retry-backoff}) while they fail, until the worker stops — then the task stays pending and
 * another worker finishes the job. An outage is logged as one WARN when it starts, one a minute while it lasts (with
 * the number of failed writes) and one INFO when writes succeed again; each retry only at DEBUG.
 *
 * <p>A write that succeeds at once — every write while PostgreSQL is up, two a run — costs one operator: the retry
 * machinery (Mutiny's back-off turns the write into a stream with a retry trigger) is built only after a failure.
 */
@Singleton
public class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);

    private final Duration backoff;
    private final FailureLog failures = new FailureLog(LOG, "Recording run states in PostgreSQL", Duration.ofMinutes(1));
    private volatile boolean stopping;

    @Inject
    public StoreRetry(WorkerConfig config) {
        this(config.storeRetryBackoff());
    }

    StoreRetry(Duration backoff) {
        this.backoff = backoff;
    }

    /**
     * {@code write}, tried again while it fails, until the worker stops; {@code what} names it in the log (built only
     * when it fails). {@code write} must be lazy: each try subscribes to it again.
     */
    public <T> Uni<T> until(Uni<T> write, Supplier<String> what) {
        return write.invoke(failures::succeeded).onFailure(f -> !stopping).recoverWithUni(first -> {
            failed(first, what);
            return Uni.createFrom().voidItem().onItem().delayIt().by(backoff)
                    .chain(() -> write.onFailure().invoke(f -> failed(f, what)).invoke(failures::succeeded)
                            .onFailure(f -> !stopping).retry().withBackOff(backoff, backoff.multipliedBy(10))
                            .indefinitely());
        });
    }

    private void failed(Throwable failure, Supplier<String> what) {
        failures.failed(failure);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("Could not %s, retrying: %s", what.get(), failure);
        }
    }

    /** The worker is stopping: failing writes are no longer tried again. */
    public void stop() {
        stopping = true;
    }
}
