package io.runstream.api.schedule;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which missed ticks — ticks that passed while no api replica ran, within the schedule's catch-up window — make
 * runs once a replica is back. Ticks older than the window never do.
 */
public enum CatchUp {
    /** None: only a tick handled within the misfire threshold of its time makes a run. */
    NONE("none"),
    /** The newest missed tick makes one run; the others are counted as missed. */
    LAST("last"),
    /** Every missed tick makes its run, oldest first. */
    ALL("all");

    static final Set<String> WIRE = Arrays.stream(values()).map(CatchUp::wire).collect(Collectors.toSet());

    private final String wire;

    CatchUp(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    static Optional<CatchUp> fromWire(String wire) {
        return Arrays.stream(values()).filter(c -> c.wire.equals(wire)).findFirst();
    }
}
