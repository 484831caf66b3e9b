package io.runstream.api.sse;

import io.runstream.feed.FeedEventType;
import io.runstream.run.RunStatus;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one feed client sees: its tenant's entries, and of those the pipelines, queues, event types and statuses it
 * asked for (an empty set: any).
 */
record FeedFilter(String tenant, Set<String> pipelines, Set<String> queues, Set<FeedEventType> types) {

    boolean accepts(FeedEntry entry) {
        return tenant.equals(entry.tenant())
                && (pipelines.isEmpty() || pipelines.contains(entry.pipeline()))
                && (queues.isEmpty() || queues.contains(entry.queue()))
                && (types.isEmpty() || types.contains(entry.type()));
    }

    /** The comma-separated values of a query parameter (null or blank: none). */
    static Set<String> list(String value) {
        if (value == null || value.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The event types a client asks for by {@code type} (event names) and {@code status} (the run's status after the
     * event); both given: the events that are both.
     *
     * @throws IllegalArgumentException naming what is not a type or a status, and what are
     */
    static Set<FeedEventType> types(String type, String status) {
        EnumSet<FeedEventType> types = EnumSet.allOf(FeedEventType.class);
        Set<String> named = list(type);
        if (!named.isEmpty()) {
            EnumSet<FeedEventType> asked = EnumSet.noneOf(FeedEventType.class);
            for (String name : named) {
                asked.add(FeedEventType.fromWire(name).orElseThrow(() -> new IllegalArgumentException(
                        "type must be among " + wires(FeedEventType.values()) + "; was '" + name + "'")));
            }
            types.retainAll(asked);
        }
        Set<String> statuses = list(status);
        if (!statuses.isEmpty()) {
            EnumSet<FeedEventType> asked = EnumSet.noneOf(FeedEventType.class);
            for (String name : statuses) {
                RunStatus wanted = RunStatus.fromWire(name).orElseThrow(() -> new IllegalArgumentException(
                        "status must be among " + Arrays.stream(RunStatus.values()).map(RunStatus::wire)
                                .collect(Collectors.joining(", ")) + "; was '" + name + "'"));
                for (FeedEventType t : FeedEventType.values()) {
                    if (t.status() == wanted) {
                        asked.add(t);
                    }
                }
            }
            types.retainAll(asked);
        }
        if (types.isEmpty()) {
            throw new IllegalArgumentException("no event has type " + named + " and status " + statuses);
        }
        return types.size() == FeedEventType.values().length ? Set.of() : types;
    }

    private static String wires(FeedEventType[] types) {
        return Arrays.stream(types).map(FeedEventType::wire).collect(Collectors.joining(", "));
    }
}
