package io.runstream.feed;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runstream.json.Json;

import java.util.UUID;

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

    /** This event with a detail object made by {@code fill}. */
    public FeedEvent with(java.util.function.Consumer<ObjectNode> fill) {
        ObjectNode node = Json.mapper().createObjectNode();
        fill.accept(node);
        return new FeedEvent(type, run, tenant, pipeline, queue, attempt, node.toString());
    }
}
