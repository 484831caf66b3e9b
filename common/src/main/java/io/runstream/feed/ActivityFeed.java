package io.runstream.feed;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.config.RunstreamConfig;
import io.runstream.log.FailureLog;
import io.runstream.redis.RedisPipeline;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Writes runs' lifecycle events to the activity feed: one bounded stream ({@code XADD MAXLEN ~}) of every run of
 * every tenant, which {@code GET /api/events} relays. Both apps write it, each event once its transition is
 * recorded (the run's truth stays in PostgreSQL and its own event stream; the feed is the view across runs).
 *
 * <p>Appending never blocks nor delays the run: the event joins the process' next feed pipeline (the appends of
 * concurrent runs travel in one round trip, {@link RedisPipeline}) and the caller goes on. A worker's attempt does
 * not use that pipeline: its entries travel with the run's own events ({@link #xadd} in its event writer's batches,
 * {@link #xadds} beside its end script), in their order and at no round trip of their own. A pipeline that fails is
 * sent again every half second for a minute — a retry after a partial write can repeat an event, which readers
 * tolerate — and only then given up, counted in {@code runstream.feed.dropped} and logged: the feed is never
 * silently short.
 */
@Singleton
public class ActivityFeed {

    /** The one field of a feed entry: the event, {@link FeedEvent#encode encoded}. */
    public static final String ENTRY_FIELD = "e";

    private static final Logger LOG = Logger.getLogger(ActivityFeed.class);
    private static final int PIPELINE_GROUPS = 256;
    private static final int PIPELINE_IN_FLIGHT = 2;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);
    private static final int TRIES = 120;

    /** The parts of every entry's XADD but its one field's value, encoded once. */
    private static final byte[] MAXLEN = bytes("MAXLEN");
    private static final byte[] ABOUT = bytes("~");
    private static final byte[] NEW_ID = bytes("*");
    private static final byte[] FIELD = bytes(ENTRY_FIELD);

    private final RedisPipeline pipeline;
    private final byte[] key;
    private final byte[] maxlen;
    private final boolean enabled;
    private final Counter dropped;
    private final FailureLog failures = new FailureLog(LOG, "Writing to the activity feed", Duration.ofMinutes(1));

    public ActivityFeed(Redis redis, RunstreamConfig config, MeterRegistry metrics) {
        this.pipeline = new RedisPipeline(redis, PIPELINE_GROUPS, PIPELINE_IN_FLIGHT, WRITE_TIMEOUT);
        this.key = bytes(config.keys().feed());
        this.maxlen = bytes(Long.toString(config.feed().maxlen()));
        this.enabled = config.feed().enabled();
        this.dropped = Counter.builder("runstream.feed.dropped")
                .description("Lifecycle events given up after a minute of failed writes to the activity feed")
                .register(metrics);
    }

    public void append(FeedEvent event) {
        appendAll(List.of(event));
    }

    /** Appends {@code events} in their order. */
    public void appendAll(Collection<FeedEvent> events) {
        if (!enabled || events.isEmpty()) {
            return;
        }
        send(xadds(events), 1);
    }

    /**
     * The XADD of {@code event}, for a caller that sends it in a round trip of its own making (a run's event batch:
     * {@code RunEventWriter#alongside}); null when the feed is off.
     */
    public Request xadd(FeedEvent event) {
        if (!enabled) {
            return null;
        }
        return Request.cmd(Command.XADD).arg(key).arg(MAXLEN).arg(ABOUT).arg(maxlen).arg(NEW_ID).arg(FIELD)
                .arg(event.encode());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The XADDs of {@code events}, in order, for a caller that sends them itself; none when the feed is off. */
    public List<Request> xadds(Collection<FeedEvent> events) {
        if (!enabled) {
            return List.of();
        }
        List<Request> commands = new ArrayList<>(events.size());
        for (FeedEvent event : events) {
            commands.add(xadd(event));
        }
        return commands;
    }

    private void send(List<Request> commands, int attempt) {
        pipeline.send(commands).subscribe().with(ok -> failures.succeeded(), failure -> {
            failures.failed(failure);
            if (attempt >= TRIES) {
                dropped.increment(commands.size());
                LOG.errorf("Gave up writing %d events to the activity feed after %d tries: %s", commands.size(),
                        attempt, failure.toString());
                return;
            }
            Uni.createFrom().voidItem().onItem().delayIt().by(RETRY_BACKOFF)
                    .subscribe().with(x -> send(commands, attempt + 1));
        });
    }
}
