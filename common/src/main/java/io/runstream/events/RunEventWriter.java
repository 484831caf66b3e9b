package io.runstream.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runstream.json.Json;
import io.runstream.redis.LuaScript;
import io.runstream.redis.RedisPipeline;
import io.runstream.run.RunEventType;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The event stream writer of one run attempt (workers) or of one event the api writes itself (cancel of a queued
 * run). Entries have the fields {@code type}, {@code data} (JSON) and {@code attempt}, and the run's last status
 * entry also {@code terminal} = {@code 1}, so that readers know the end without parsing JSON. Emitting never blocks:
 * events queue up and are written in order,
 * each batch in one pipelined round trip (the XADDs, then one PUBLISH on the notification channel), shared with
 * the batches of the process' other writers ({@link RedisPipeline}).
 * {@link #flush()} completes once everything emitted so far is in Redis. A batch that fails is retried until it
 * is written, so events are never dropped (a retry after a partial write can repeat some).
 */
public final class RunEventWriter {

    private static final Logger LOG = Logger.getLogger(RunEventWriter.class);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);

    private final Redis redis;
    private final RedisPipeline events;
    private final RedisPipeline ends;
    private final String streamKey;
    private final String notifyChannel;
    private final UUID runId;
    private final int attempt;
    private final long maxlen;

    private final ReentrantLock lock = new ReentrantLock();
    private List<Request> pending = new ArrayList<>();
    /** Whether {@link #pending} holds an entry of this run's stream (else no one needs to be told of it). */
    private boolean pendingOwn;
    private final List<CompletableFuture<Void>> idleWaiters = new ArrayList<>();
    private boolean writing;
    /** The event {@link #statusHeld} holds back: written before anything else, or by {@link #writeEnd}. */
    private RunEvent held;
    private volatile String traceparent;

    /**
     * @param events the pipeline this writer's event batches go through (shared by every writer of the process)
     * @param ends   the pipeline of {@link #writeEnd}'s script (idempotent, so a pipeline that fails may repeat it)
     */
    public RunEventWriter(Redis redis, RedisPipeline events, RedisPipeline ends, String streamKey,
                          String notifyChannel, UUID runId, int attempt, long maxlen) {
        this.redis = redis;
        this.events = events;
        this.ends = ends;
        this.streamKey = streamKey;
        this.notifyChannel = notifyChannel;
        this.runId = runId;
        this.attempt = attempt;
        this.maxlen = maxlen;
    }

    /**
     * The trace context of the attempt that writes: its terminal entry carries it ({@code traceparent}), so that the
     * api's delivery of the run's end joins the run's trace. Null (tracing off): none.
     */
    public void traceparent(String traceparent) {
        this.traceparent = traceparent;
    }

    /** The run whose events this writes. */
    public UUID runId() {
        return runId;
    }

    public void status(RunStatus status) {
        emit(RunEventType.STATUS, statusData(status));
    }

    /** A status event's data, {@code {"status":"running","attempt":2}}: a wire name has nothing to escape. */
    private String statusData(RunStatus status) {
        return "{\"status\":\"" + status.wire() + "\",\"attempt\":" + attempt + "}";
    }

    /**
     * A {@code status} event held back until the first of: another event is emitted (it goes first), {@link
     * #release}, or {@link #writeEnd}, which writes it in the end's round trip — so that a run that ends at once
     * costs one write for its announcement and its end instead of two. Ignored unless it is the first event.
     */
    public void statusHeld(RunStatus status) {
        lock.lock();
        try {
            if (held == null && pending.isEmpty() && !writing) {
                held = new RunEvent(RunEventType.STATUS, statusData(status));
                return;
            }
        } finally {
            lock.unlock();
        }
        status(status);
    }

    /**
     * Writes the event {@link #statusHeld} holds back, if it still does, and {@code alongside} (null: nothing) in
     * the same batch — the activity feed entry that announces the same start.
     */
    public void release(Request alongside) {
        enqueue(null, alongside);
    }

    /**
     * Sends {@code command} — a write to another stream, such as the run's activity feed entry (null: nothing) — in
     * this writer's batches, after every event emitted before it: it is retried as they are, and a {@link #flush()}
     * waits for it too.
     */
    public void alongside(Request command) {
        if (command != null) {
            enqueue(null, command);
        }
    }

    /**
     * A {@code reset} event: this attempt starts the run over, and what earlier attempts wrote (output, progress)
     * is superseded. Written first by every attempt after the first, so that a client following the run can discard
     * what it shows instead of appending the new attempt's output to the old.
     */
    public void reset() {
        emit(RunEventType.RESET, Json.mapper().createObjectNode().put("attempt", attempt).toString());
    }

    public void output(String chunk) {
        emit(RunEventType.OUTPUT, Json.mapper().createObjectNode().put("chunk", chunk).toString());
    }

    public void progress(int percent, String message) {
        checkPercent(percent);
        emit(RunEventType.PROGRESS, Json.mapper().createObjectNode().put("percent", percent)
                .put("message", message).toString());
    }

    /** @throws IllegalArgumentException unless {@code percent} is from 0 to 100, as a progress event's must be */
    public static void checkPercent(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be from 0 to 100, was " + percent);
        }
    }

    /** An {@code error} event of an attempt that is retried; a final error goes through {@link #writeEnd}. */
    public void error(String message) {
        RunEvent error = RunEvent.error(message, true);
        emit(error.type(), error.data());
    }

    /**
     * Writes a run's final events — {@code outcome} (e.g. the {@code result}), then the terminal {@code status},
     * marked {@code terminal} — after everything emitted before, and gives the stream its time to live. Atomic and
     * written once: when the stream already ends with a terminal entry (another worker wrote the end of the same
     * run), nothing is written, so a run's {@code result} exists once even if its outcome is recorded twice over.
     *
     * @return whether this call wrote them
     */
    public Uni<Boolean> writeEnd(List<RunEvent> outcome, RunStatus status, Duration ttl) {
        return writeEnd(outcome, status, ttl, List.of());
    }

    /**
     * {@link #writeEnd(List, RunStatus, Duration)}, with {@code alongside} — the run's last activity feed entries —
     * in the same round trip, right after the end script: they cost no round trip of their own. Unlike the run's
     * events they are not conditional on the script (a repeated end, rare, repeats them; readers tolerate that).
     */
    public Uni<Boolean> writeEnd(List<RunEvent> outcome, RunStatus status, Duration ttl, List<Request> alongside) {
        if (!status.isTerminal()) {
            throw new IllegalArgumentException("a run ends in a terminal status, not " + status);
        }
        String trace = traceparent;
        List<Object> args = new ArrayList<>(List.of(maxlen, attempt, ttl.toSeconds(), notifyChannel, runId.toString(),
                statusData(status), trace == null ? "" : trace));
        RunEvent announced = takeHeld(); // nothing else was emitted after it: it goes first
        if (announced != null) {
            args.add(announced.type().wire());
            args.add(announced.data());
        }
        for (RunEvent event : outcome) {
            args.add(event.type().wire());
            args.add(event.data());
        }
        // no answer within the pipeline's timeout fails it (no timer of its own a run)
        return flush().chain(() -> WRITE_END.run(ends, redis, List.of(streamKey), args, alongside))
                .map(written -> written != null && written.toInteger() == 1);
    }

    /**
     * KEYS[1] the run's stream; ARGV: maxlen, attempt, ttl (s), notify channel, run id, status data, traceparent of
     * the terminal entry ('' for none), then pairs of event type and data. Returns 0 when the stream already ends
     * with a terminal entry, else writes and returns 1.
     */
    private static final LuaScript WRITE_END = new LuaScript("""
            local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
            if #last > 0 then
              local fields = last[1][2]
              for i = 1, #fields, 2 do
                if fields[i] == 'terminal' and fields[i + 1] == '1' then
                  return 0
                end
              end
            end
            for i = 8, #ARGV, 2 do
              redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[i], 'data', ARGV[i + 1],
                  'attempt', ARGV[2])
            end
            if ARGV[7] == '' then
              redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', 'status', 'data', ARGV[6],
                  'attempt', ARGV[2], 'terminal', '1')
            else
              redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', 'status', 'data', ARGV[6],
                  'attempt', ARGV[2], 'terminal', '1', 'traceparent', ARGV[7])
            end
            redis.call('EXPIRE', KEYS[1], ARGV[3])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1""");

    private RunEvent takeHeld() {
        lock.lock();
        try {
            RunEvent event = held;
            held = null;
            return event;
        } finally {
            lock.unlock();
        }
    }

    private void emit(RunEventType type, String data) {
        enqueue(xadd(type, data), null);
    }

    private Request xadd(RunEventType type, String data) {
        return Request.cmd(Command.XADD).arg(streamKey).arg("MAXLEN").arg("~").arg(maxlen).arg("*")
                .arg("type").arg(type.wire()).arg("data").arg(data).arg("attempt").arg(attempt);
    }

    /**
     * Queues {@code own}, an entry of the run's stream, then {@code other}, a write elsewhere (either null: none),
     * after the held event, if any, and starts writing unless it is.
     */
    private void enqueue(Request own, Request other) {
        lock.lock();
        try {
            if (held != null) {
                pending.add(xadd(held.type(), held.data()));
                pendingOwn = true;
                held = null;
            }
            if (own != null) {
                pending.add(own);
                pendingOwn = true;
            }
            if (other != null) {
                pending.add(other);
            }
            if (pending.isEmpty() || writing) {
                return;
            }
            writing = true;
        } finally {
            lock.unlock();
        }
        writeNext();
    }

    /** Completes when every event emitted before this call is written. */
    public Uni<Void> flush() {
        lock.lock();
        try {
            if (!writing && pending.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            CompletableFuture<Void> idle = new CompletableFuture<>();
            idleWaiters.add(idle);
            return Uni.createFrom().completionStage(idle);
        } finally {
            lock.unlock();
        }
    }

    private void writeNext() {
        List<Request> batch;
        boolean own = false;
        List<CompletableFuture<Void>> done = List.of();
        lock.lock();
        try {
            if (pending.isEmpty()) {
                writing = false;
                done = new ArrayList<>(idleWaiters);
                idleWaiters.clear();
                batch = null;
            } else {
                batch = pending;
                own = pendingOwn;
                pending = new ArrayList<>();
                pendingOwn = false;
            }
        } finally {
            lock.unlock();
        }
        if (batch == null) {
            done.forEach(f -> f.complete(null));
            return;
        }
        write(batch, own);
    }

    /** Writes {@code batch}, then, when it holds entries of the run's stream ({@code own}), tells the readers. */
    private void write(List<Request> batch, boolean own) {
        List<Request> commands = new ArrayList<>(batch.size() + 1);
        commands.addAll(batch);
        if (own) {
            commands.add(Request.cmd(Command.PUBLISH).arg(notifyChannel).arg(runId.toString()));
        }
        // a batch sent on a connection that died unnoticed never answers: the pipeline fails it, and it is written again
        events.send(commands)
                .subscribe().with(
                ok -> writeNext(),
                failure -> {
                    LOG.warnf("Writing %d events of run %s failed, retrying: %s", batch.size(), runId, failure.toString());
                    Uni.createFrom().voidItem().onItem().delayIt().by(RETRY_BACKOFF)
                            .subscribe().with(x -> write(batch, own));
                });
    }
}
