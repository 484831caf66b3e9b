package io.runstream.run;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a run is in its life: {@code queued → running → completed | failed | cancelled}; a retry goes
 * {@code running → queued}. The wire form (JSON, SQL, query strings) is the lower-case name.
 */
public enum RunStatus {
    QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED;

    private static final Map<String, RunStatus> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(RunStatus::wire, s -> s));

    private final String wire = name().toLowerCase(Locale.ROOT);

    /** Lower-case name used on the wire and in the database. */
    public String wire() {
        return wire;
    }

    /** Whether the run can no longer change. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** The status whose wire form is {@code value}, if any. */
    public static Optional<RunStatus> fromWire(String value) {
        return Optional.ofNullable(value == null ? null : BY_WIRE.get(value));
    }

    /** All wire forms, comma separated, for error messages. */
    public static String wireNames() {
        return Arrays.stream(values()).map(RunStatus::wire).collect(Collectors.joining(", "));
    }
}
