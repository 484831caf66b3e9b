package io.runstream.events;

import io.runstream.json.Json;
import io.runstream.redis.OwnRedisClient;
import io.runstream.redis.RedisPipeline;
import io.runstream.run.RunStatus;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A held-back {@code status} event is written before whatever follows it, and by the end script when the run ends
 * first — in the same script call, so the end's one round trip carries it; until then it is not in the stream. Own
 * Redis: it reads the command statistics.
 */
class RunEventWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String STREAM = "events:test";
    private static final String FEED = "feed:test";

    @RegisterExtension
    final OwnRedisClient own = new OwnRedisClient();
    private Redis redis;
    private RunEventWriter writer;

    @BeforeEach
    void start() {
        redis = own.redis();
        writer = writerOf(STREAM);
    }

    private RunEventWriter writerOf(String stream) {
        return new RunEventWriter(redis, new RedisPipeline(redis, 64, 1, WAIT), new RedisPipeline(redis, 64, 1, WAIT),
                stream, "notify:test", UUID.randomUUID(), 1, 1000);
    }

    @Test
    void aHeldStatusEndsUpInTheEndScriptBeforeTheOutcome() {
        writer.statusHeld(RunStatus.RUNNING);
        writer.flush().await().atMost(WAIT);
        assertThat(events()).as("held, not written by a flush").isEmpty();
        // another run's end first, so that Redis knows the script and the call below is one EVALSHA
        end(writerOf("events:other"));
        long xaddsBefore = calls("xadd");
        long scriptsBefore = calls("evalsha") + calls("eval");

        end(writer);

        assertThat(events()).containsExactly("status:running", "result", "status:completed");
        assertThat(calls("evalsha") + calls("eval") - scriptsBefore).as("one script call").isEqualTo(1);
        assertThat(calls("xadd") - xaddsBefore).as("three XADDs, all inside the script").isEqualTo(3);
        writer.release(null);
        writer.flush().await().atMost(WAIT);
        assertThat(events()).as("nothing after the end").hasSize(3);
    }

    @Test
    void theRunsLastFeedEntriesTravelInTheEndsRoundTripAfterItsEvents() {
        end(writerOf("events:other")); // Redis knows the script now
        long scriptsBefore = calls("evalsha") + calls("eval");
        long xaddsBefore = calls("xadd");
        writer.statusHeld(RunStatus.RUNNING);

        assertThat(writer.writeEnd(List.of(RunEvent.result("42")), RunStatus.COMPLETED, Duration.ofMinutes(1),
                List.of(feedEntry("started"), feedEntry("completed"))).await().atMost(WAIT)).isTrue();

        assertThat(feed()).containsExactly("type=started", "type=completed");
        assertThat(events()).containsExactly("status:running", "result", "status:completed");
        assertThat(calls("evalsha") + calls("eval") - scriptsBefore).as("one script call").isEqualTo(1);
        assertThat(calls("xadd") - xaddsBefore).as("three in the script, two beside it").isEqualTo(5);
    }

    @Test
    void writesAlongsideGoInTheWritersOrderAndAFlushWaitsForThem() {
        writer.statusHeld(RunStatus.RUNNING);
        writer.release(feedEntry("started"));
        writer.output("a");
        writer.alongside(feedEntry("progress"));
        writer.alongside(null);
        writer.flush().await().atMost(WAIT);

        assertThat(events()).containsExactly("status:running", "output");
        assertThat(feed()).containsExactly("type=started", "type=progress");
    }

    private static Request feedEntry(String type) {
        return Request.cmd(Command.XADD).arg(FEED).arg("*").arg("type").arg(type);
    }

    /** The feed's entries, each as its fields {@code name=value} joined by spaces. */
    private List<String> feed() {
        Response entries = redis.send(Request.cmd(Command.XRANGE).arg(FEED).arg("-").arg("+")).await().atMost(WAIT);
        List<String> lines = new ArrayList<>();
        for (Response entry : entries) {
            Response fields = entry.get(1);
            List<String> pairs = new ArrayList<>();
            for (int i = 0; i < fields.size(); i += 2) {
                pairs.add(fields.get(i) + "=" + fields.get(i + 1));
            }
            lines.add(String.join(" ", pairs));
        }
        return lines;
    }

    @Test
    void aHeldStatusGoesBeforeTheNextEvent() {
        writer.statusHeld(RunStatus.RUNNING);
        writer.output("a");
        writer.flush().await().atMost(WAIT);

        assertThat(events()).containsExactly("status:running", "output");
    }

    @Test
    void releaseWritesAHeldStatus() {
        writer.statusHeld(RunStatus.RUNNING);
        writer.release(null);
        writer.flush().await().atMost(WAIT);
        writer.release(null); // nothing held any more: writes nothing

        writer.flush().await().atMost(WAIT);
        assertThat(events()).containsExactly("status:running");
    }

    @Test
    void aStatusAfterOtherEventsIsNotHeld() {
        writer.reset();
        writer.statusHeld(RunStatus.RUNNING);
        writer.flush().await().atMost(WAIT);

        assertThat(events()).containsExactly("reset", "status:running");
    }

    private static void end(RunEventWriter writer) {
        assertThat(writer.writeEnd(List.of(RunEvent.result("42")), RunStatus.COMPLETED, Duration.ofMinutes(1))
                .await().atMost(WAIT)).isTrue();
    }

    /** The stream's entries as type, or type:status for status entries. */
    private List<String> events() {
        Response entries = redis.send(Request.cmd(Command.XRANGE).arg(STREAM).arg("-").arg("+"))
                .await().atMost(WAIT);
        List<String> types = new ArrayList<>();
        for (Response entry : entries) {
            Response fields = entry.get(1);
            String type = null;
            String data = null;
            for (int i = 0; i < fields.size(); i += 2) {
                switch (fields.get(i).toString()) {
                    case "type" -> type = fields.get(i + 1).toString();
                    case "data" -> data = fields.get(i + 1).toString();
                    default -> { }
                }
            }
            types.add("status".equals(type) ? type + ":" + Json.tree(data).get("status").asText() : type);
        }
        return types;
    }

    /** Calls of {@code command} so far, from INFO commandstats (0 before the first). */
    private long calls(String command) {
        String stats = redis.send(Request.cmd(Command.INFO).arg("commandstats")).await().atMost(WAIT).toString();
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                return Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
            }
        }
        return 0;
    }
}
