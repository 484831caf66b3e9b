package io.runstream.worker.attempt;

import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The attempts executing in this worker, by run, from their start until their task is settled: where a cancel finds
 * its attempt, and what a stopping worker waits for. A concurrent map; the waiter for the last one to leave is
 * completed outside of it.
 */
@Singleton
public class RunningAttempts {

    private static final Logger LOG = Logger.getLogger(RunningAttempts.class);

    private final Map<UUID, Attempt> running = new ConcurrentHashMap<>();
    private volatile CompletableFuture<Void> emptied;

    void add(Attempt attempt) {
        running.put(attempt.runId(), attempt);
    }

    /**
     * The task of {@code attempt} is settled (or left pending): the attempt is over here. Removes it only if it is
     * still the run's attempt here, not a later one that started while it was settled.
     */
    public void remove(Attempt attempt) {
        running.remove(attempt.runId(), attempt);
        CompletableFuture<Void> waiting = emptied;
        if (waiting != null && running.isEmpty()) {
            waiting.complete(null);
        }
    }

    /** How many runs execute here now. */
    public int size() {
        return running.size();
    }

    /** Ids of the runs executing here now. */
    public Set<UUID> ids() {
        return Set.copyOf(running.keySet());
    }

    /**
     * Tells the handler of run {@code runId}, if it executes here, that the run was cancelled. The run then ends
     * {@code cancelled} whatever the handler does next.
     *
     * @return whether the run executes here
     */
    public boolean cancel(UUID runId) {
        Attempt attempt = running.get(runId);
        if (attempt == null) {
            return false;
        }
        attempt.cancel();
        attempt.logged(() -> LOG.infof("Run %s cancelled", runId));
        return true;
    }

    /**
     * Waits up to {@code grace} for every attempt to end and be recorded; then tells the handlers still running to
     * stop (their runs are left, unacknowledged, to other workers) and waits up to {@code stopWait} for them.
     * Blocks: for the shutdown thread only.
     */
    public void drain(Duration grace, Duration stopWait) {
        if (!awaitEmpty(grace)) {
            LOG.warnf("%d runs still in progress after the grace period of %s; leaving them to other workers",
                    running.size(), grace);
            running.values().forEach(Attempt::stop);
            if (!awaitEmpty(stopWait)) {
                LOG.warnf("%d handlers did not stop; their tasks stay pending", running.size());
            }
        }
    }

    private boolean awaitEmpty(Duration timeout) {
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        emptied = waiter;
        if (running.isEmpty()) {
            return true;
        }
        LOG.infof("Waiting up to %s for %d runs in progress", timeout, running.size());
        try {
            waiter.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return running.isEmpty();
        }
    }
}
