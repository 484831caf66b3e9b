package io.runstream.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runstream.json.Json;

import java.util.UUID;
import java.util.function.Consumer;

/**
 * One lifecycle event of a run in the activity feed.
 *
 * @param type     what happened
 * @param run      the run
 * @param tenant   the run's tenant: a feed client sees only its own tenant's events
 * @param pipeline the run's pipeline
 * @param queue    the run's queue
 * @param attempt  the attempt it is about (0: before any)
 * @param detail   a JSON object with what the type adds ({@code error}, {@code percent} and {@code message},
 *                 {@code delayMs}), or null
 */
public record FeedEvent(FeedEventType type, UUID run, String tenant, String pipeline, String queue, int attempt,
                        String detail) {

    public static FeedEvent of(FeedEventType type, UUID run, String tenant, String pipeline, String queue,
                               int attempt) {
        return new FeedEvent(type, run, tenant, pipeline, queue, attempt, null);
    }

    /**
     * The feed entry's one field ({@code e}): type, run, tenant, pipeline, queue and attempt, then the detail if any,
     * separated by single spaces — none of the names may hold one (pipeline and queue names, tenants and run ids are
     * restricted to letters, digits and {@code ._-}), and the detail, JSON, comes last. One field rather than one per
     * value: the entry costs the writer and Redis a few arguments instead of fourteen.
     */
    public String encode() {
        StringBuilder entry = new StringBuilder(96).append(type.wire()).append(' ').append(run).append(' ')
                .append(tenant).append(' ').append(pipeline).append(' ').append(queue).append(' ').append(attempt);
        return detail == null ? entry.toString() : entry.append(' ').append(detail).toString();
    }

    /** The event {@link #encode} wrote, or null when {@code entry} is not one. */
    public static FeedEvent decode(String entry) {
        if (entry == null) {
            return null;
        }
        String[] parts = entry.split(" ", 7);
        if (parts.length < 6) {
            return null;
        }
        FeedEventType type = FeedEventType.fromWire(parts[0]).orElse(null);
        try {
            return type == null ? null : new FeedEvent(type, UUID.fromString(parts[1]), parts[2], parts[3], parts[4],
                    Integer.parseInt(parts[5]), parts.length == 7 ? parts[6] : null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** This event with a detail object made by {@code fill}. */
    public FeedEvent with(Consumer<ObjectNode> fill) {
        ObjectNode node = Json.mapper().createObjectNode();
        fill.accept(node);
        return new FeedEvent(type, run, tenant, pipeline, queue, attempt, node.toString());
    }
}
