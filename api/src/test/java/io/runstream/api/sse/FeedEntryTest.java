package io.runstream.api.sse;

import io.runstream.feed.ActivityFeed;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.json.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A feed entry as the writers write it (one field) and as the first writers did (one field per value — still in a
 * feed written before an upgrade) becomes the same SSE event; what is neither is skipped.
 */
class FeedEntryTest {

    private static final UUID RUN = UUID.fromString("0192f2b4-7c1e-7a3b-9c2d-1e2f3a4b5c6d");
    private static final String ID = "1733456789012-3";

    @Test
    void anEntryOfOneFieldCarriesEveryValueAndADetailWithSpaces() {
        FeedEvent event = FeedEvent.of(FeedEventType.FAILED, RUN, "acme", "ingest.v2", "bulk-q", 3)
                .with(d -> d.put("error", "boom: no such file { } \"x\""));

        FeedEntry entry = FeedEntry.of(ID, Map.of(ActivityFeed.ENTRY_FIELD, event.encode()));

        assertThat(entry.type()).isEqualTo(FeedEventType.FAILED);
        assertThat(entry.tenant()).isEqualTo("acme");
        assertThat(entry.pipeline()).isEqualTo("ingest.v2");
        assertThat(entry.queue()).isEqualTo("bulk-q");
        String data = data(entry);
        assertThat(Json.tree(data).get("error").asText()).isEqualTo("boom: no such file { } \"x\"");
        assertThat(Json.tree(data).get("attempt").asInt()).isEqualTo(3);
        assertThat(Json.tree(data).get("status").asText()).isEqualTo("failed");
        assertThat(FeedEvent.decode(event.encode())).isEqualTo(event);
    }

    @Test
    void anEntryOfTheFirstFormatIsRelayedAlike() {
        FeedEvent event = FeedEvent.of(FeedEventType.STARTED, RUN, "acme", "echo", "echo", 1);
        FeedEntry now = FeedEntry.of(ID, Map.of(ActivityFeed.ENTRY_FIELD, event.encode()));

        FeedEntry before = FeedEntry.of(ID, Map.of("type", "started", "run", RUN.toString(), "tenant", "acme",
                "pipeline", "echo", "queue", "echo", "attempt", "1"));

        assertThat(before).isNotNull();
        assertThat(data(before)).isEqualTo(data(now));
        assertThat(before.tenant()).isEqualTo(now.tenant());
    }

    @Test
    void whatIsNotAnEntryIsSkipped() {
        assertThat(FeedEntry.of(ID, Map.of(ActivityFeed.ENTRY_FIELD, "started not-a-uuid acme echo echo 1"))).isNull();
        assertThat(FeedEntry.of(ID, Map.of(ActivityFeed.ENTRY_FIELD, "begun " + RUN + " acme echo echo 1"))).isNull();
        assertThat(FeedEntry.of(ID, Map.of(ActivityFeed.ENTRY_FIELD, "started " + RUN + " acme echo"))).isNull();
        assertThat(FeedEntry.of(ID, Map.of("type", "started"))).isNull();
    }

    /** The frame's {@code data:} line. */
    private static String data(FeedEntry entry) {
        String frame = entry.frame().toString();
        int at = frame.indexOf("data: ") >= 0 ? frame.indexOf("data: ") + 6 : frame.indexOf("data:") + 5;
        return frame.substring(at, frame.indexOf('\n', at));
    }
}
