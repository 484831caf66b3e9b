package io.runstream.api.sse;

import io.runstream.api.run.RunView;
import io.runstream.run.RunEventType;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.opentelemetry.api.trace.Tracer;
import io.runstream.trace.Traces;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one reader of a run's event stream in this api process, shared by every client of the run here.
 *
 * <h2>Threads</h2>
 * A tail is confined to one event loop, {@link #context} (that of the client that created it): every method but
 * {@link #post} runs there, so it needs no lock. It reaches a client only by posting a task to the client's own
 * event loop ({@link SseClient#post}); it never calls into a client. So no client callback — a response's end or
 * close handler, which unregisters the client — can run while the tail is iterating its members or half-way
 * through a change; such a handler in turn only posts {@link #leave} back here. Every asynchronous completion (a
 * Redis reply, a PostgreSQL read, a timer) is posted back here before it touches the tail's state.
 *
 * <h2>Reading</h2>
 * The tail reads the stream once for all its clients: XRANGE after the last id it read, on every notification (and
 * on every keep-alive tick, in case one was lost). It keeps the most recent events it read ({@code history}), so
 * that a client arriving at a point they cover — usually from the start — is served from memory and goes live at
 * once. A client whose cursor is older catches up with XRANGE reads of its own until it reaches the history. A read
 * brings a batch of events; their frames are joined once and every client gets the batch in one write.
 * <p>
 * A read in progress is marked by {@code reading}, with a generation number: a read that fails, throws, times out
 * or is given up on by the keep-alive tick (in progress longer than {@link #STUCK}) clears the mark, and a reply to
 * a read that was given up on is ignored, so the tail cannot stay stuck.
 *
 * <h2>Ends</h2>
 * After the run's terminal {@code status} event a client gets {@code end}: the final Run as PostgreSQL has it, read
 * once per tail. A client of a run that PostgreSQL has terminal while its stream has no terminal event (expired, or
 * not written yet) waits {@code terminal-grace} for it, then gets {@code end} from PostgreSQL.
 */
final class RunTail {

    /** What every tail of a hub shares. */
    record Shared(Redis redis, Function<UUID, String> streamKey, int batch, int history, Duration terminalGrace,
                  Function<UUID, Uni<Optional<RunView>>> snapshot, Function<RunView, String> encode,
                  Consumer<RunTail> onClosed, io.vertx.core.Vertx vertx, Tracer tracer) {
    }

    private static final Logger LOG = Logger.getLogger(RunTail.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** A read in progress for longer than this is given up on by the keep-alive tick. */
    static final Duration STUCK = READ_TIMEOUT.multipliedBy(2);

    final UUID runId;
    final Context context;
    private final Shared shared;
    private final String key;

    private final Map<SseClient, Member> members = new LinkedHashMap<>();
    private final ArrayDeque<StreamEvent> history = new ArrayDeque<>();
    /** The cursor of the first client: the first read starts there. */
    private EntryId firstCursor;
    /** Whether the first read is done; from then on the history holds every entry after {@link #heldFrom}. */
    private boolean started;
    /** The id after which the history is complete (an entry dropped from it, or where the first read began). */
    private EntryId heldFrom;
    private int heldFromAttempt;
    /** Whether the entry {@link #heldFrom} names was not in the stream when the first read looked for it. */
    private boolean heldFromMissing;
    /** Id of the last entry read. */
    private EntryId lastId;
    private StreamEvent terminal;

    private boolean reading;
    private boolean readAgain;
    private long readStarted;
    private int generation;
    private List<Runnable> afterRead = new ArrayList<>();

    private String endJson;
    private boolean endLoading;
    private List<Consumer<String>> endWaiters = new ArrayList<>();
    private int terminalInDatabaseTicks;
    private boolean closed;

    RunTail(UUID runId, Context context, Shared shared) {
        this.runId = runId;
        this.context = context;
        this.shared = shared;
        this.key = shared.streamKey().apply(runId);
    }

    /** Runs {@code action} on this tail's event loop. The only method that may be called from another thread. */
    void post(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    /**
     * Registers {@code client}, which connected when PostgreSQL had the run as {@code snapshot} and has every event
     * up to {@code cursor} ({@code 0-0}: none). False when this tail has closed (its last client left): the caller registers with a new one.
     */
    boolean join(SseClient client, RunView snapshot, EntryId cursor) {
        if (closed) {
            return false;
        }
        if (client.ended()) {
            return true;
        }
        Member member = new Member(client, snapshot, cursor);
        members.put(client, member);
        if (started) {
            admit(member);
        } else if (!reading) {
            firstCursor = member.cursor;
            read();
        } // else: admitted when the first read is done
        return true;
    }

    /** Forgets {@code client}; the last one to leave closes the tail. */
    void leave(SseClient client) {
        if (members.remove(client) != null && members.isEmpty()) {
            closed = true;
            generation++; // a reply still on its way finds nobody to deliver to
            shared.onClosed().accept(this);
        }
    }

    /** New events were announced, or may have been missed: read them, once for every client. */
    void poke() {
        if (closed || firstCursor == null) {
            return;
        }
        if (reading) {
            readAgain = true;
        } else {
            read();
        }
    }

    /**
     * Every keep-alive period: a comment to every client, a read (a notification may have been lost), a read stuck
     * for too long given up on, and the end from PostgreSQL for a run that stays terminal there while its stream
     * brings no terminal event (its worker died between recording the outcome and writing it).
     */
    void tick() {
        if (closed) {
            return;
        }
        forEachClientLoop(members.values(), SseClient::keepAlive);
        if (reading && System.nanoTime() - readStarted > STUCK.toNanos()) {
            LOG.warnf("A read of run %s's events has been in progress for over %s; reading again", runId, STUCK);
            reading = false;
            generation++;
        }
        poke();
        if (terminal == null && members.values().stream().anyMatch(m -> m.live && !m.finished)) {
            shared.snapshot().apply(runId).subscribe().with(run -> post(() -> {
                boolean terminalThere = run.map(r -> RunStatus.fromWire(r.status()).orElseThrow().isTerminal())
                        .orElse(true);
                terminalInDatabaseTicks = terminalThere ? terminalInDatabaseTicks + 1 : 0;
                if (terminalInDatabaseTicks >= 2 && terminal == null) {
                    List.copyOf(members.values()).stream().filter(m -> m.live && !m.finished)
                            .forEach(this::endFromDatabase);
                }
            }), failure -> LOG.debugf("Status check of run %s failed: %s", runId, failure));
        }
    }

    /** Ends every client without an {@code end} event (the api is stopping): they reconnect and resume. */
    void closeAll() {
        forEachClientLoop(members.values(), SseClient::close);
    }

    // ---- reading the stream for everyone ----

    private void read() {
        if (closed) {
            return;
        }
        reading = true;
        readAgain = false;
        readStarted = System.nanoTime();
        int readNumber = ++generation;
        String from = started ? "(" + lastId : firstCursor.isStart() ? "-" : firstCursor.toString();
        xrange(from).subscribe().with(
                entries -> post(() -> readDone(readNumber, entries, null)),
                failure -> post(() -> readDone(readNumber, null, failure)));
    }

    private void readDone(int readNumber, Response entries, Throwable failure) {
        if (readNumber != generation) {
            return; // given up on, or the tail closed
        }
        reading = false;
        boolean more = false;
        try {
            if (failure != null) {
                LOG.warnf("Reading events of run %s failed; the next notification or tick reads again: %s", runId,
                        failure.toString());
                if (!started) {
                    // nobody is live yet: let the clients reconnect rather than wait for a tick
                    forEachClientLoop(List.copyOf(members.values()), SseClient::close);
                }
                return;
            }
            List<StreamEvent> events = parse(entries);
            more = entries != null && entries.size() == shared.batch();
            boolean first = !started;
            if (first) {
                startAt(firstCursor, events);
            }
            if (!events.isEmpty()) {
                append(events);
                EventBatch batch = EventBatch.of(events);
                List<Member> live = members.values().stream().filter(m -> m.live && !m.finished).toList();
                forEachClientLoop(live, client -> client.deliver(batch));
                for (Member member : live) {
                    member.advanceTo(lastId);
                    afterAdvance(member);
                }
            }
            if (first) {
                List.copyOf(members.values()).forEach(this::admit);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Delivering events of run %s failed; reading again at the next notification", runId);
        }
        if (more || readAgain) {
            read();
        } else {
            List<Runnable> waiting = afterRead;
            afterRead = new ArrayList<>();
            waiting.forEach(Runnable::run);
        }
    }

    /** The first read began at {@code cursor}, inclusively: its first entry, if it is there, is not new. */
    private void startAt(EntryId cursor, List<StreamEvent> events) {
        started = true;
        heldFrom = cursor;
        lastId = cursor;
        if (!cursor.isStart()) {
            if (!events.isEmpty() && events.getFirst().id().equals(cursor)) {
                StreamEvent boundary = events.removeFirst();
                heldFromAttempt = boundary.attempt();
                if (boundary.terminal()) {
                    terminal = boundary;
                }
            } else {
                heldFromMissing = true;
            }
        }
    }

    private void append(List<StreamEvent> events) {
        for (StreamEvent event : events) {
            history.addLast(event);
            if (history.size() > shared.history()) {
                StreamEvent dropped = history.removeFirst();
                heldFrom = dropped.id();
                heldFromAttempt = dropped.attempt();
                heldFromMissing = false;
            }
            if (terminal == null && event.terminal()) {
                terminal = event;
            }
        }
        lastId = events.getLast().id();
    }

    /** Runs {@code action} once the tail has read everything there was when this was called. */
    private void readThen(Runnable action) {
        afterRead.add(action);
        if (!reading) {
            read();
        }
    }

    // ---- bringing one client up to date ----

    /** Brings a member that just joined (or caught up on its own) up to the tail, then makes it live. */
    private void admit(Member member) {
        if (!members.containsKey(member.client) || member.live) {
            return;
        }
        if (isAtOrAfter(member.cursor, heldFrom)) {
            fromHistory(member, member.resumedAt(heldFrom) && heldFromMissing);
        } else {
            catchUp(member, true);
        }
    }

    private static boolean isAtOrAfter(EntryId cursor, EntryId from) {
        return cursor.compareTo(from) >= 0;
    }

    /** Sends the member what the history holds after its cursor; from then on it gets every batch read. */
    private void fromHistory(Member member, boolean gap) {
        int seen = attemptAt(member.cursor);
        List<StreamEvent> missed = new ArrayList<>();
        for (StreamEvent event : history) {
            if (event.id().isAfter(member.cursor)) {
                missed.add(event);
            }
        }
        EventBatch batch = EventBatch.of(missed);
        send(member, seen, gap, batch);
        member.live = true;
        if (!batch.isEmpty()) {
            member.advanceTo(batch.lastId());
        }
        afterAdvance(member);
    }

    /** The attempt of the entry {@code id}, when the tail knows it. */
    private int attemptAt(EntryId id) {
        if (id.equals(heldFrom)) {
            return heldFromAttempt;
        }
        for (StreamEvent event : history) {
            if (event.id().equals(id)) {
                return event.attempt();
            }
        }
        return 0;
    }

    /**
     * Posts to a member's client: the attempt at its cursor, a {@code gap} when the entry it resumed from is no
     * longer retained, then {@code batch}.
     */
    private void send(Member member, int seenAttempt, boolean gap, EventBatch batch) {
        Buffer gapFrame = gap ? gapFrame(member.snapshot) : null;
        member.client.post(() -> {
            member.client.seedAttempt(seenAttempt);
            if (gapFrame != null) {
                member.client.send(gapFrame);
            }
            member.client.deliver(batch);
        });
    }

    /** Reads a member's missed events older than the history with reads of its own, then hands it to the history. */
    private void catchUp(Member member, boolean first) {
        EntryId from = member.cursor;
        xrange(from.isStart() ? "-" : first ? from.toString() : "(" + from).subscribe().with(
                entries -> post(() -> caughtUp(member, first, from, entries)),
                failure -> post(() -> {
                    LOG.warnf("Catch-up of run %s failed, the client will reconnect: %s", runId, failure.toString());
                    member.client.post(member.client::close);
                }));
    }

    private void caughtUp(Member member, boolean first, EntryId from, Response entries) {
        if (!members.containsKey(member.client)) {
            return;
        }
        List<StreamEvent> events = parse(entries);
        boolean gap = false;
        int seen = 0;
        if (first && !from.isStart()) {
            if (!events.isEmpty() && events.getFirst().id().equals(from)) {
                seen = events.removeFirst().attempt();
            } else {
                gap = true;
            }
        }
        EventBatch batch = EventBatch.of(events);
        send(member, seen, gap, batch);
        if (!batch.isEmpty()) {
            member.advanceTo(batch.lastId());
        }
        if (events.isEmpty() || isAtOrAfter(member.cursor, heldFrom)) {
            fromHistory(member, false);
        } else {
            catchUp(member, false);
        }
    }

    // ---- ending clients ----

    /**
     * A span of the delivery of the run's end to one client, in the run's trace: a child of the span of the attempt
     * that wrote the terminal event (nothing with tracing off).
     */
    private void traceDelivery(StreamEvent end) {
        io.opentelemetry.context.Context parent = Traces.parent(end.traceparent());
        if (io.opentelemetry.api.trace.Span.fromContext(parent).getSpanContext().isValid()) {
            shared.tracer().spanBuilder("sse deliver").setParent(parent)
                    .setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER)
                    .setAttribute("runstream.run.id", runId.toString()).startSpan().end();
        }
    }

    /** After a member was sent more: ends it after the terminal event, or starts its wait for one. */
    private void afterAdvance(Member member) {
        if (member.finished) {
            return;
        }
        if (terminal != null && isAtOrAfter(member.cursor, terminal.id())) {
            member.finished = true;
            traceDelivery(terminal);
            String id = terminal.id().toString();
            withEnd(json -> member.client.post(json == null ? member.client::close
                    : () -> member.client.finish(endFrame(id, json))));
        } else if (terminal == null && member.terminalAtConnect && !member.waiting) {
            member.waiting = true;
            if (nothingAtOrAfter(member.cursor) && !endedMoments(member.snapshot)) {
                endFromDatabase(member); // the stream expired (or never existed): PostgreSQL has the final word
            } else {
                // its terminal event may still be on its way: the worker writes it after the outcome commits
                shared.vertx().setTimer(Math.max(1, shared.terminalGrace().toMillis()),
                        t -> post(() -> readThen(() -> {
                            if (terminal == null && members.containsKey(member.client)) {
                                endFromDatabase(member);
                            }
                        })));
            }
        }
    }

    /** Whether the stream held nothing at or after {@code cursor} when the first read looked. */
    private boolean nothingAtOrAfter(EntryId cursor) {
        return history.isEmpty() && cursor.equals(heldFrom) && cursor.equals(lastId)
                && (cursor.isStart() || heldFromMissing);
    }

    /**
     * Whether the run ended so recently that its final events may still be on their way: they are written after
     * the outcome commits (by the worker, or by the api for a cancelled queued run), so an empty stream then means
     * "not yet", not "expired".
     */
    private boolean endedMoments(RunView snapshot) {
        return snapshot.completedAt() == null
                || snapshot.completedAt().plus(shared.terminalGrace()).isAfter(Instant.now());
    }

    /** Ends a member with the run as PostgreSQL has it: its stream will not bring a terminal event. */
    private void endFromDatabase(Member member) {
        if (member.finished) {
            return;
        }
        member.finished = true;
        String id = member.cursor.isStart() ? null : member.cursor.toString();
        withEnd(json -> member.client.post(json == null ? member.client::close
                : () -> member.client.finish(endFrame(id, json))));
    }

    /** Calls {@code then} with the final Run's JSON (null if it could not be read), read once per tail. */
    private void withEnd(Consumer<String> then) {
        if (endJson != null) {
            then.accept(endJson);
            return;
        }
        endWaiters.add(then);
        if (endLoading) {
            return;
        }
        endLoading = true;
        shared.snapshot().apply(runId).subscribe().with(
                run -> post(() -> endLoaded(run.map(shared.encode()).orElse(null))),
                failure -> post(() -> {
                    LOG.warnf("Cannot read run %s for its end event; closing its streams: %s", runId, failure);
                    endLoaded(null);
                }));
    }

    private void endLoaded(String json) {
        endLoading = false;
        endJson = json;
        List<Consumer<String>> waiting = endWaiters;
        endWaiters = new ArrayList<>();
        waiting.forEach(w -> w.accept(json));
    }

    private static Buffer endFrame(String id, String json) {
        return Buffer.buffer(StreamEvent.frame(id, RunEventType.END.wire(), json));
    }

    private Buffer gapFrame(RunView snapshot) {
        return Buffer.buffer(StreamEvent.frame(null, RunEventType.GAP.wire(),
                "{\"snapshot\":" + shared.encode().apply(snapshot) + "}"));
    }

    // ---- helpers ----

    /**
     * Posts {@code action} for the members' clients, one task per event loop for all its clients (collected
     * first; nothing runs here).
     */
    private static void forEachClientLoop(Iterable<Member> targets, Consumer<SseClient> action) {
        Map<Context, List<SseClient>> byLoop = new IdentityHashMap<>(4);
        for (Member member : targets) {
            byLoop.computeIfAbsent(member.client.context, c -> new ArrayList<>()).add(member.client);
        }
        byLoop.forEach((loop, clients) -> loop.runOnContext(v -> clients.forEach(action)));
    }

    private Uni<Response> xrange(String from) {
        return shared.redis().send(Request.cmd(Command.XRANGE).arg(key).arg(from).arg("+").arg("COUNT")
                        .arg(shared.batch()))
                // a read on a connection that died unnoticed never answers: fail it, the next poke reads again
                .ifNoItem().after(READ_TIMEOUT).fail();
    }

    static List<StreamEvent> parse(Response entries) {
        List<StreamEvent> events = new ArrayList<>(entries == null ? 0 : entries.size());
        if (entries == null) {
            return events;
        }
        for (Response entry : entries) {
            String id = entry.get(0).toString();
            Response fields = entry.get(1);
            String type = null;
            String data = null;
            int attempt = 0;
            boolean terminal = false;
            String traceparent = null;
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                switch (fields.get(i).toString()) {
                    case "type" -> type = fields.get(i + 1).toString();
                    case "data" -> data = fields.get(i + 1).toString();
                    case "attempt" -> attempt = fields.get(i + 1).toInteger();
                    case "terminal" -> terminal = "1".equals(fields.get(i + 1).toString());
                    case "traceparent" -> traceparent = fields.get(i + 1).toString();
                    default -> { }
                }
            }
            if (type != null && data != null) {
                events.add(StreamEvent.of(id, type, data, attempt, terminal, traceparent));
            }
        }
        return events;
    }

    /** A client as the tail sees it. Confined to the tail's event loop. */
    private static final class Member {
        final SseClient client;
        /** The run as PostgreSQL had it when the client connected. */
        final RunView snapshot;
        /** Id of the last event sent to the client (or where it resumed; {@code 0-0}: from the start). */
        EntryId cursor;
        /** Whether PostgreSQL had the run terminal when the client connected. */
        final boolean terminalAtConnect;
        /** Whether it gets every batch the tail reads. */
        boolean live;
        /** Whether its {@code end} (or close) has been sent. */
        boolean finished;
        /** Whether it waits for a terminal event that PostgreSQL says should come. */
        boolean waiting;

        Member(SseClient client, RunView snapshot, EntryId cursor) {
            this.client = client;
            this.snapshot = snapshot;
            this.cursor = cursor;
            this.terminalAtConnect = RunStatus.fromWire(snapshot.status()).map(RunStatus::isTerminal).orElse(false);
        }

        void advanceTo(EntryId id) {
            if (id.isAfter(cursor)) {
                cursor = id;
            }
        }

        boolean resumedAt(EntryId id) {
            return !cursor.isStart() && cursor.equals(id);
        }
    }
}
