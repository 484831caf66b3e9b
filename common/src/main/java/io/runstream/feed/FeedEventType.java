package io.runstream.feed;

import io.runstream.run.RunStatus;

import java.util.Locale;
import java.util.Optional;

/**
 * The lifecycle events of the activity feed, which are also its SSE event names, and the status a run has after
 * each (what a dashboard shows for it).
 */
public enum FeedEventType {
    /** The run is recorded and its task is in its queue (api). */
    CREATED(RunStatus.QUEUED),
    /** An attempt began (worker). */
    STARTED(RunStatus.RUNNING),
    /** The handler reported progress: at most one a second per attempt, and every 100 % (worker). */
    PROGRESS(RunStatus.RUNNING),
    /** An attempt failed and the run waits for another (worker). */
    RETRIED(RunStatus.QUEUED),
    COMPLETED(RunStatus.COMPLETED),
    FAILED(RunStatus.FAILED),
    /** Cancelled while queued (api) or while running (worker). */
    CANCELLED(RunStatus.CANCELLED);

    private final RunStatus status;
    private final String wire;

    FeedEventType(RunStatus status) {
        this.status = status;
        this.wire = name().toLowerCase(Locale.ROOT);
    }

    /** The run's status after this event. */
    public RunStatus status() {
        return status;
    }

    /** Lower-case name: the SSE event name and the {@code type} of a feed entry. */
    public String wire() {
        return wire;
    }

    public static Optional<FeedEventType> fromWire(String wire) {
        for (FeedEventType type : values()) {
            if (type.wire().equals(wire)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** The event that records a run's end in {@code status}. */
    public static FeedEventType ended(RunStatus status) {
        return switch (status) {
            case COMPLETED -> COMPLETED;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
            default -> throw new IllegalArgumentException("not an end: " + status);
        };
    }
}
