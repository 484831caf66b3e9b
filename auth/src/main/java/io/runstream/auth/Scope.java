package io.runstream.auth;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What an API key may do. {@link #ADMIN} may do everything, key management included. */
public enum Scope {
    /** Submit runs (single, batch, trigger). */
    RUNS_WRITE("runs:write"),
    /** Read runs, their events, pipelines, queues and schedules; ask for a run's read token. */
    RUNS_READ("runs:read"),
    /** Cancel runs. */
    RUNS_CANCEL("runs:cancel"),
    /** Create, change, pause, resume and delete schedules. */
    SCHEDULES_WRITE("schedules:write"),
    /** Everything, and managing the tenant's API keys. */
    ADMIN("admin");

    private final String wire;

    Scope(String wire) {
        this.wire = wire;
    }

    /** Its name in keys and in the API, e.g. {@code runs:write}. */
    public String wire() {
        return wire;
    }

    public static Optional<Scope> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(name)).findFirst();
    }

    /** Every scope's wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(Scope::wire).toList();
    }
}
