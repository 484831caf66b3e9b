package io.runstream.api.sse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runstream.feed.FeedEventType;
import io.runstream.json.Json;
import io.vertx.core.buffer.Buffer;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the activity feed as the api relays it: what clients filter on, and its SSE frame rendered once for
 * all of them. The frame's data is {@code {run, type, status, pipeline, queue, attempt, at}} plus the event's
 * detail ({@code error}; {@code percent}, {@code message}; {@code delayMs}); {@code at} is the entry's time.
 */
record FeedEntry(EntryId id, FeedEventType type, String tenant, String pipeline, String queue, Buffer frame) {

    /** The entry {@code id} with {@code fields} as the feed's writer wrote them; null if it is not one. */
    static FeedEntry of(String id, Map<String, String> fields) {
        FeedEventType type = FeedEventType.fromWire(fields.getOrDefault("type", "")).orElse(null);
        String run = fields.get("run");
        if (type == null || run == null) {
            return null;
        }
        EntryId entryId = EntryId.parse(id);
        ObjectNode data = Json.mapper().createObjectNode()
                .put("run", run)
                .put("type", type.wire())
                .put("status", type.status().wire())
                .put("pipeline", fields.get("pipeline"))
                .put("queue", fields.get("queue"))
                .put("attempt", Integer.parseInt(fields.getOrDefault("attempt", "0")))
                .put("at", Instant.ofEpochMilli(entryId.ms()).toString());
        String detail = fields.get("detail");
        if (detail != null) {
            JsonNode extra = Json.tree(detail);
            if (extra.isObject()) {
                extra.fields().forEachRemaining(f -> data.set(f.getKey(), f.getValue()));
            }
        }
        return new FeedEntry(entryId, type, fields.getOrDefault("tenant", ""), fields.get("pipeline"),
                fields.get("queue"), Buffer.buffer(StreamEvent.frame(id, type.wire(), data.toString())));
    }
}
