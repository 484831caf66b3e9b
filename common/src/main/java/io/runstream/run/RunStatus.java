package io.runstream.run;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a run is in its life: {@code queued → running → completed | failed | cancelled}; a retry goes
 * {@code running → queued}. The wire form (JSON, SQL, query strings) is the lower-case name.
 */
public enum RunStatus {
    QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED;

    /** Lower-case name used on the wire and in the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the run can no longer change. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** The status whose wire form is {@code value}, if any. */
    public static Optional<RunStatus> fromWire(String value) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(value)).findFirst();
    }

    /** All wire forms, comma separated, for error messages. */
    public static String wireNames() {
        return Arrays.stream(values()).map(RunStatus::wire).collect(Collectors.joining(", "));
    }
}
