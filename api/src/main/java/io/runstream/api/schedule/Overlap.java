package io.runstream.api.schedule;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** What a tick does while the schedule's previous run is still queued or running. */
public enum Overlap {
    /** The tick is passed over (counted as skipped). */
    SKIP("skip"),
    /** The tick makes its run anyway: runs of the schedule may overlap. */
    ALLOW("allow"),
    /** The tick waits until the previous run ends, then makes its run; further ticks meanwhile are skipped. */
    QUEUE_ONE("queue-one");

    static final Set<String> WIRE = Arrays.stream(values()).map(Overlap::wire).collect(Collectors.toSet());

    private final String wire;

    Overlap(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    static Optional<Overlap> fromWire(String wire) {
        return Arrays.stream(values()).filter(o -> o.wire.equals(wire)).findFirst();
    }
}
