package io.runstream.worker.complete;

import io.runstream.worker.WorkerConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Writes of a run's state that must not be lost to a passing outage: tried again after a pause (growing up to ten
 * times {@code store-retry-backoff}) while they fail, until the worker stops — then the task stays pending and
 * another worker finishes the job.
 */
@ApplicationScoped
public class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);

    private final WorkerConfig config;
    private volatile boolean stopping;

    public StoreRetry(WorkerConfig config) {
        this.config = config;
    }

    /** {@code write}, tried again while it fails, until the worker stops; {@code what} names it in the log. */
    public <T> Uni<T> until(Uni<T> write, String what) {
        return write.onFailure().invoke(f -> LOG.warnf("Could not %s, retrying: %s", what, f.toString()))
                .onFailure(f -> !stopping).retry().withBackOff(config.storeRetryBackoff(),
                        config.storeRetryBackoff().multipliedBy(10)).indefinitely();
    }

    /** The worker is stopping: failing writes are no longer tried again. */
    public void stop() {
        stopping = true;
    }
}
