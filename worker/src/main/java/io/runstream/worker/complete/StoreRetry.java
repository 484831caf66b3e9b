package io.runstream.worker.complete;

import io.runstream.log.FailureLog;
import io.runstream.worker.WorkerConfig;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Writes of a run's state that must not be lost to a passing outage: tried again after a pause (growing up to ten
 * times {@code store-retry-backoff}) while they fail, until the worker stops — then the task stays pending and
 * another worker finishes the job. An outage is logged as one WARN when it starts, one a minute while it lasts (with
 * the number of failed writes) and one INFO when writes succeed again; each retry only at DEBUG.
 */
@Singleton
public class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);

    private final WorkerConfig config;
    private final FailureLog failures = new FailureLog(LOG, "Recording run states in PostgreSQL", Duration.ofMinutes(1));
    private volatile boolean stopping;

    public StoreRetry(WorkerConfig config) {
        this.config = config;
    }

    /** {@code write}, tried again while it fails, until the worker stops; {@code what} names it in the log. */
    public <T> Uni<T> until(Uni<T> write, String what) {
        return write
                .onFailure().invoke(f -> {
                    failures.failed(f);
                    LOG.debugf("Could not %s, retrying: %s", what, f);
                })
                .invoke(failures::succeeded)
                .onFailure(f -> !stopping).retry().withBackOff(config.storeRetryBackoff(),
                        config.storeRetryBackoff().multipliedBy(10)).indefinitely();
    }

    /** The worker is stopping: failing writes are no longer tried again. */
    public void stop() {
        stopping = true;
    }
}
