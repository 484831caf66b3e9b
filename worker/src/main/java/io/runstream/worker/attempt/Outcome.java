package io.runstream.worker.attempt;

import java.time.Duration;

/**
 * How an attempt ended, as the {@link AttemptExecutor} saw it; the completer alone turns it into the run's
 * transition in PostgreSQL, its last events, a retry, and the acknowledgement of its task.
 */
public sealed interface Outcome {

    /** The attempt. */
    Attempt attempt();

    /** The handler returned {@code resultJson}. */
    record Completed(Attempt attempt, String resultJson) implements Outcome {
    }

    /** The handler threw; the run is tried again after {@code delay}. */
    record FailedRetryable(Attempt attempt, String error, Duration delay) implements Outcome {
    }

    /** The handler threw and gave up, its pipeline is unknown here, or the run's attempts are used up. */
    record FailedFinal(Attempt attempt, String error) implements Outcome {
    }

    /** A client cancelled the run, and its handler stopped. */
    record Cancelled(Attempt attempt) implements Outcome {
    }

    /** The worker stopped before the handler finished: the task is left, unacknowledged, for another worker. */
    record Abandoned(Attempt attempt) implements Outcome {
    }
}
