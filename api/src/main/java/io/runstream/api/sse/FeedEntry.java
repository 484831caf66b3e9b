package io.runstream.api.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runstream.feed.ActivityFeed;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.json.Json;
import io.vertx.core.buffer.Buffer;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One entry of the activity feed as the api relays it: what clients filter on, and its SSE frame rendered once for
 * all of them. The frame's data is {@code {run, type, status, pipeline, queue, attempt, at}} plus the event's
 * detail ({@code error}; {@code percent}, {@code message}; {@code delayMs}); {@code at} is the entry's time.
 */
record FeedEntry(EntryId id, FeedEventType type, String tenant, String pipeline, String queue, Buffer frame) {

    /** The entry {@code id} with {@code fields} as the feed's writer wrote them; null if it is not one. */
    static FeedEntry of(String id, Map<String, String> fields) {
        FeedEvent event = FeedEvent.decode(fields.get(ActivityFeed.ENTRY_FIELD));
        if (event == null) {
            event = fieldByField(fields);
        }
        if (event == null) {
            return null;
        }
        FeedEventType type = event.type();
        EntryId entryId = EntryId.parse(id);
        ObjectNode data = Json.mapper().createObjectNode()
                .put("run", event.run().toString())
                .put("type", type.wire())
                .put("status", type.status().wire())
                .put("pipeline", event.pipeline())
                .put("queue", event.queue())
                .put("attempt", event.attempt())
                .put("at", Instant.ofEpochMilli(entryId.ms()).toString());
        if (event.detail() != null) {
            JsonNode extra = Json.tree(event.detail());
            if (extra.isObject()) {
                extra.fields().forEachRemaining(f -> data.set(f.getKey(), f.getValue()));
            }
        }
        return new FeedEntry(entryId, type, event.tenant(), event.pipeline(), event.queue(),
                Buffer.buffer(StreamEvent.frame(id, type.wire(), data.toString())));
    }

    /**
     * An entry as the first writers wrote it, one field per value — still in a feed written before an upgrade, and
     * relayed like the others; null if it is not one.
     */
    private static FeedEvent fieldByField(Map<String, String> fields) {
        FeedEventType type = FeedEventType.fromWire(fields.getOrDefault("type", "")).orElse(null);
        String run = fields.get("run");
        try {
            return type == null || run == null ? null : new FeedEvent(type, UUID.fromString(run),
                    fields.getOrDefault("tenant", ""), fields.get("pipeline"), fields.get("queue"),
                    Integer.parseInt(fields.getOrDefault("attempt", "0")), fields.get("detail"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
