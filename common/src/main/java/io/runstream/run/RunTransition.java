package io.runstream.run;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static io.runstream.run.RunStatus.CANCELLED;
import static io.runstream.run.RunStatus.COMPLETED;
import static io.runstream.run.RunStatus.FAILED;
import static io.runstream.run.RunStatus.QUEUED;
import static io.runstream.run.RunStatus.RUNNING;

/**
 * Every change of a run's status, with the statuses it applies from: the state machine of {@code docs/run-states.md}
 * (a test checks that document against this table). {@link RunStore} carries each out as one conditional statement
 * whose status guard is {@link #guard()}, so a transition can only ever apply from the statuses listed here.
 */
public enum RunTransition {

    /** The api records a new run. */
    SUBMIT(Set.of(), QUEUED, "api"),
    /** The api removes a run whose task could not reach Redis, so that the client's 503 is the truth. */
    UNDO_SUBMIT(Set.of(QUEUED), null, "api"),
    /** A worker starts the first attempt, or the next one after a retry. */
    START(Set.of(QUEUED), RUNNING, "worker"),
    /** A worker starts a new attempt from the task entry that started the running one: its worker died. */
    RESTART(Set.of(RUNNING), RUNNING, "worker"),
    /** The handler returned. */
    COMPLETE(Set.of(RUNNING), COMPLETED, "worker"),
    /** The handler threw, and the run's attempts are used up (or it gave up). */
    FAIL(Set.of(RUNNING), FAILED, "worker"),
    /** The handler threw; the run waits for its next attempt. */
    RETRY(Set.of(RUNNING), QUEUED, "worker"),
    /** A client cancelled a run that had not started: it never will. */
    CANCEL_QUEUED(Set.of(QUEUED), CANCELLED, "api"),
    /** A client cancelled a running run, and its handler has stopped. */
    CANCEL_RUNNING(Set.of(RUNNING), CANCELLED, "worker"),
    /** Its task was delivered more often than allowed without an outcome: dead-lettered. */
    POISON(Set.of(QUEUED, RUNNING), FAILED, "worker"),
    /** Redis lost its data, and with it the tasks of these runs: they are queued and dispatched again. */
    REQUEUE_AFTER_DATA_LOSS(Set.of(QUEUED, RUNNING), QUEUED, "api sweeper");

    private final Set<RunStatus> from;
    private final RunStatus to;
    private final String by;

    RunTransition(Set<RunStatus> from, RunStatus to, String by) {
        this.from = from.isEmpty() ? Set.of() : EnumSet.copyOf(from);
        this.to = to;
        this.by = by;
    }

    /** The statuses it applies from; empty for {@link #SUBMIT}, which creates the run. */
    public Set<RunStatus> from() {
        return from;
    }

    /** The status it leaves the run in; empty for {@link #UNDO_SUBMIT}, which removes the run. */
    public Optional<RunStatus> to() {
        return Optional.ofNullable(to);
    }

    /** Who carries it out: {@code api}, {@code worker}, {@code api sweeper}. */
    public String by() {
        return by;
    }

    /** The SQL condition on {@code status} that lets it apply, e.g. {@code status IN ('queued', 'running')}. */
    public String guard() {
        if (from.isEmpty()) {
            throw new IllegalStateException(this + " creates a run: it has no status guard");
        }
        return from.stream().map(s -> "'" + s.wire() + "'").sorted()
                .collect(Collectors.joining(", ", "status IN (", ")"));
    }
}
