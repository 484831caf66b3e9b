package io.runstream.api.sse;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XReadArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.api.ApiConfig;
import io.runstream.config.RunstreamConfig;
import io.runstream.log.FailureLog;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.impl.ContextInternal;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Relays the activity feed ({@code io.runstream.feed}) to {@code GET /api/events} clients. While any client is
 * connected, one read loop per api process follows the feed stream (XREAD BLOCK after the last entry it read) and
 * offers each batch to every client, which keeps what its filter accepts; the last {@value #RECENT} entries stay
 * here, so a client resuming within them catches up without a read of its own. A client resuming from further back
 * reads the stream itself (XRANGE pages) until it reaches what the loop has, then joins it; one resuming from before
 * what the stream still holds (trimmed) is told so with a {@code gap} event. Nothing lives only here: a client
 * resumes through any replica with its Last-Event-ID.
 *
 * <h2>Threads</h2>
 * No locks. The hub's state (clients, recent entries, the read position) belongs to one event loop, {@link #loop};
 * a client's state to its connection's; they talk by posting tasks to each other, and the hub posts a batch to each
 * client loop once, after collecting the clients (nothing runs a client's code on the hub's loop).
 */
@ApplicationScoped
public class FeedHub {

    private static final Logger LOG = Logger.getLogger(FeedHub.class);
    /** Entries kept for clients that resume. */
    static final int RECENT = 10_000;
    private static final int READ_COUNT = 1000;
    private static final Duration BLOCK = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = BLOCK.plusSeconds(5);
    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final ReactiveStreamCommands<String, String, String> streams;
    private final String key;
    private final Vertx vertx;
    private final Duration keepAlive;
    private final FailureLog failures = new FailureLog(LOG, "Reading the activity feed", Duration.ofMinutes(1));

    private Context loop;
    private long ticker = -1;
    // ---- confined to loop ----
    private final List<Member> live = new ArrayList<>();
    private final ArrayDeque<FeedEntry> recent = new ArrayDeque<>();
    /** The last entry the read loop read; null until the loop has found where the stream ends. */
    private EntryId last;
    private boolean reading;
    private boolean stopped;

    public FeedHub(ReactiveRedisDataSource redis, RunstreamConfig runstream, Vertx vertx, ApiConfig config) {
        this.streams = redis.stream(String.class);
        this.key = runstream.keys().feed();
        this.vertx = vertx;
        this.keepAlive = config.sse().keepAlive();
    }

    void start(@Observes StartupEvent event) {
        loop = vertx.getDelegate().getOrCreateContext();
        ticker = vertx.setPeriodic(keepAlive.toMillis(), id -> loop.runOnContext(v -> toClients(clients(),
                FeedClient::keepAlive)));
    }

    /** Closes every feed connection, so that clients reconnect (to another replica) and resume. */
    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (ticker >= 0) {
            vertx.cancelTimer(ticker);
        }
        if (loop == null) {
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        loop.runOnContext(v -> {
            stopped = true;
            toClients(clients(), FeedClient::close);
            live.clear();
            closed.countDown();
        });
        closed.await(2, TimeUnit.SECONDS);
    }

    /**
     * Streams the feed entries {@code filter} accepts to {@code response}: after {@code cursor}, or from now when
     * it is null. Called on the connection's event loop.
     *
     * @param ended called when the response has ended or its connection closed (perhaps twice: it must not mind)
     */
    void follow(FeedFilter filter, EntryId cursor, HttpServerResponse response, Runnable ended) {
        Context connection = ((ContextInternal) io.vertx.core.Vertx.currentContext()).unwrap();
        Uni<EntryId> from = cursor != null ? Uni.createFrom().item(cursor)
                : streams.xrevrange(key, StreamRange.of("+", "-"), 1)
                .map(newest -> newest.isEmpty() ? EntryId.START : EntryId.parse(newest.getFirst().id()));
        from.ifNoItem().after(READ_TIMEOUT).fail().subscribe().with(
                position -> connection.runOnContext(v -> follow(connection, filter, position, cursor != null,
                        response, ended)),
                failure -> connection.runOnContext(v -> {
                    LOG.warnf("Reading the activity feed's end failed: %s", failure.toString());
                    response.end(); // it reconnects
                    ended.run();
                }));
    }

    private void follow(Context connection, FeedFilter filter, EntryId position, boolean resumed,
                        HttpServerResponse response, Runnable ended) {
        FeedClient client = new FeedClient(connection, response, filter, position);
        io.vertx.core.Handler<Void> gone = v -> {
            client.gone();
            loop.runOnContext(x -> live.removeIf(m -> m.client() == client));
            ended.run();
        };
        response.closeHandler(gone);
        response.endHandler(gone);
        if (response.closed()) {
            gone.handle(null);
            return;
        }
        loop.runOnContext(v -> catchUp(client, position, resumed));
    }

    // ---- on loop ----

    /**
     * Brings {@code client} from {@code cursor} to where the read loop is, then joins it: from the recent entries
     * when they reach back that far, else by reading the stream a page at a time.
     *
     * @param checkGap whether to tell the client when entries after {@code cursor} were trimmed away
     */
    private void catchUp(FeedClient client, EntryId cursor, boolean checkGap) {
        if (client.ended()) {
            return;
        }
        if (last != null && !last.isAfter(cursor)) {
            join(client, cursor); // nothing the loop has read is new to it
            return;
        }
        FeedEntry oldest = recent.peekFirst();
        if (oldest != null && !oldest.id().isAfter(cursor)) {
            List<FeedEntry> missed = new ArrayList<>();
            for (FeedEntry entry : recent) {
                if (entry.id().isAfter(cursor)) {
                    missed.add(entry);
                }
            }
            if (!missed.isEmpty()) {
                client.post(() -> client.deliver(missed));
            }
            EntryId newest = recent.peekLast().id();
            join(client, newest.isAfter(cursor) ? newest : cursor);
            return;
        }
        Uni<String> gap = checkGap && !cursor.isStart() ? oldestHeld().map(held -> held != null && held.isAfter(cursor)
                ? held.toString() : null) : Uni.createFrom().nullItem();
        gap.chain(resumedAt -> page(cursor).map(page -> new Page(resumedAt, page)))
                .ifNoItem().after(READ_TIMEOUT).fail()
                .subscribe().with(page -> loop.runOnContext(v -> caughtUp(client, cursor, page)), failure -> {
                    LOG.warnf("Reading the activity feed for a client that resumes failed: %s", failure.toString());
                    client.post(client::close); // it resumes again
                });
    }

    private void caughtUp(FeedClient client, EntryId cursor, Page page) {
        if (page.resumedAt() != null) {
            Buffer gap = Buffer.buffer(StreamEvent.frame(null, "gap", "{\"from\":\"" + cursor
                    + "\",\"resumedAt\":\"" + page.resumedAt() + "\"}"));
            client.post(() -> client.send(gap));
        }
        List<FeedEntry> entries = page.entries();
        if (!entries.isEmpty()) {
            client.post(() -> client.deliver(entries));
        }
        EntryId reached = entries.isEmpty() ? cursor : entries.getLast().id();
        if (entries.size() < READ_COUNT && (last == null || !last.isAfter(reached))) {
            join(client, reached); // the stream's end when it was read
            return;
        }
        catchUp(client, reached, false);
    }

    /** {@code client} has everything up to {@code position}: the read loop brings it what follows. */
    private void join(FeedClient client, EntryId position) {
        if (stopped) {
            client.post(client::close);
            return;
        }
        if (!client.ended()) {
            live.add(new Member(client, position));
            read();
        }
    }

    /**
     * Starts the read loop unless it runs or nobody listens: after the last entry it read, or, when it was idle,
     * after the earliest position its clients joined at (the recent entries are kept only if they lead up to it,
     * so that they stay without a hole).
     */
    private void read() {
        if (reading || stopped || live.isEmpty()) {
            return;
        }
        reading = true;
        EntryId from = last;
        if (from == null) {
            for (Member member : live) {
                from = from == null || from.isAfter(member.joinedAt()) ? member.joinedAt() : from;
            }
            if (!recent.isEmpty() && !recent.peekLast().id().equals(from)) {
                recent.clear();
            }
        }
        EntryId after = from;
        streams.xread(key, after.toString(), new XReadArgs().block(BLOCK).count(READ_COUNT))
                .ifNoItem().after(READ_TIMEOUT).fail()
                .subscribe().with(read -> loop.runOnContext(v -> onRead(after, read)),
                        failure -> loop.runOnContext(v -> onFailure(failure)));
    }

    private void onRead(EntryId after, List<StreamMessage<String, String, String>> messages) {
        reading = false;
        failures.succeeded();
        List<FeedEntry> batch = entries(messages);
        last = batch.isEmpty() ? after : batch.getLast().id();
        if (!batch.isEmpty()) {
            for (FeedEntry entry : batch) {
                recent.addLast(entry);
            }
            while (recent.size() > RECENT) {
                recent.removeFirst();
            }
            toClients(clients(), c -> c.deliver(batch));
        }
        if (live.isEmpty()) {
            last = null; // idle: the next client says where to start
            return;
        }
        read();
    }

    private void onFailure(Throwable failure) {
        reading = false;
        failures.failed(failure);
        if (live.isEmpty()) {
            last = null;
            return;
        }
        vertx.setTimer(BACKOFF.toMillis(), id -> loop.runOnContext(v -> read()));
    }

    /** The oldest entry the stream still holds, or null when it is empty. */
    private Uni<EntryId> oldestHeld() {
        return streams.xrange(key, StreamRange.of("-", "+"), 1)
                .map(oldest -> oldest.isEmpty() ? null : EntryId.parse(oldest.getFirst().id()));
    }

    private Uni<List<FeedEntry>> page(EntryId after) {
        return streams.xrange(key, StreamRange.of("(" + after, "+"), READ_COUNT).map(FeedHub::entries);
    }

    private static List<FeedEntry> entries(List<StreamMessage<String, String, String>> messages) {
        List<FeedEntry> entries = new ArrayList<>(messages.size());
        for (StreamMessage<String, String, String> message : messages) {
            FeedEntry entry = FeedEntry.of(message.id(), message.payload());
            if (entry != null) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The live clients, copied (on loop). */
    private List<FeedClient> clients() {
        List<FeedClient> clients = new ArrayList<>(live.size());
        live.forEach(m -> clients.add(m.client()));
        return clients;
    }

    /** Posts {@code action} for {@code clients}: one task per event loop, collected first (nothing runs here). */
    private static void toClients(List<FeedClient> clients, Consumer<FeedClient> action) {
        Map<Context, List<FeedClient>> byLoop = new IdentityHashMap<>(4);
        for (FeedClient client : clients) {
            byLoop.computeIfAbsent(client.context, c -> new ArrayList<>()).add(client);
        }
        byLoop.forEach((context, those) -> context.runOnContext(v -> those.forEach(action)));
    }

    /** A client as the hub sees it: where it joined the read loop. */
    private record Member(FeedClient client, EntryId joinedAt) {
    }

    private record Page(String resumedAt, List<FeedEntry> entries) {
    }
}
