package io.runstream.worker.attempt;

import io.runstream.worker.consume.Lane;
import io.runstream.run.RunStore;
import io.runstream.events.RunEventWriter;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.Span;
import io.runstream.feed.ActivityFeed;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.json.Json;
import io.runstream.log.RunMdc;
import io.runstream.worker.handler.RunContext;
import io.vertx.mutiny.redis.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** One attempt of a run: what its handler sees ({@link RunContext}), and its event writer and stop flags. */
public final class Attempt implements RunContext {

    /** At most one progress event a second per attempt goes to the activity feed (every one to the run's stream). */
    private static final long FEED_PROGRESS_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RunStore.StartedRun run;
    private final Lane lane;
    /** The run's input, parsed on the first {@link #input()} (many handlers never read it); null until then. */
    private final AtomicReference<JsonNode> input = new AtomicReference<>();
    private final RunEventWriter events;
    private final ActivityFeed feed;
    /** This attempt's span (a no-op one with tracing off). */
    private final Span span;
    /** The submit's trace context its task carried: a retry's task carries it on. */
    private final String taskTraceparent;
    /** When the last progress event went to the feed ({@link System#nanoTime}); none yet: {@code Long.MIN_VALUE}. */
    private final AtomicLong fedProgress = new AtomicLong(Long.MIN_VALUE);
    /** The {@code started} feed event while it is held back ({@link #holdStart}); null once appended. */
    private final AtomicReference<FeedEvent> heldStart = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile boolean stopping;

    Attempt(RunStore.StartedRun run, Lane lane, RunEventWriter events, ActivityFeed feed, Span span,
            String taskTraceparent) {
        this.span = span;
        this.taskTraceparent = taskTraceparent;
        this.run = run;
        this.lane = lane;
        this.events = events;
        this.feed = feed;
    }

    @Override
    public UUID runId() {
        return run.id();
    }

    @Override
    public String pipeline() {
        return run.pipeline();
    }

    @Override
    public int attempt() {
        return run.attempt();
    }

    @Override
    public JsonNode input() {
        JsonNode parsed = input.get();
        if (parsed != null) {
            return parsed;
        }
        // callers racing on the first read may each parse; all of them get the instance that was set first
        JsonNode fresh = Json.tree(run.inputJson());
        JsonNode first = input.compareAndExchange(null, fresh);
        return first == null ? fresh : first;
    }

    @Override
    public void output(String chunk) {
        events.output(chunk);
    }

    @Override
    public void progress(int percent, String message) {
        events.progress(percent, message);
        long now = System.nanoTime();
        long last = fedProgress.get();
        boolean due = percent == 100 || last == Long.MIN_VALUE || now - last >= FEED_PROGRESS_NANOS;
        if (due && fedProgress.compareAndSet(last, now)) {
            appendToFeed(feedEvent(FeedEventType.PROGRESS).with(d -> d.put("percent", percent).put("message", message)));
        }
    }

    /**
     * Holds this attempt's {@code started} feed event back, as its {@code status: running} event is: it goes with
     * the next event of the attempt, at {@link #releaseStart}, or beside the run's end script ({@link #endOfFeed}) — so
     * that a run that ends at once writes its start and its end to the feed in the round trip of its end.
     *
     * <p>Every feed entry of an attempt travels in its event writer's batches or beside its end script, so the feed
     * has them in the order of the run's own stream, and the run's end waits for them.
     */
    void holdStart() {
        heldStart.set(feedEvent(FeedEventType.STARTED));
    }

    /** Writes the held {@code status: running} event and, with it, the held {@code started} feed entry, if held. */
    public void releaseStart() {
        FeedEvent started = heldStart.getAndSet(null);
        events.release(started == null ? null : feed.xadd(started));
    }

    /** Appends {@code events} to the activity feed, after the held {@code started} event if it is still held. */
    public void appendToFeed(FeedEvent... events) {
        for (FeedEvent event : withHeldStart(events)) {
            this.events.alongside(feed.xadd(event));
        }
    }

    /** The feed entries that go beside the run's end script: the held {@code started}, if held, then {@code end}. */
    public List<Request> endOfFeed(FeedEvent end) {
        return feed.xadds(withHeldStart(end));
    }

    private List<FeedEvent> withHeldStart(FeedEvent... events) {
        FeedEvent started = heldStart.getAndSet(null);
        if (started == null) {
            return List.of(events);
        }
        List<FeedEvent> all = new ArrayList<>(events.length + 1);
        all.add(started);
        all.addAll(List.of(events));
        return all;
    }

    /** An activity feed event about this attempt. */
    public FeedEvent feedEvent(FeedEventType type) {
        return FeedEvent.of(type, run.id(), run.tenant(), run.pipeline(), lane.queue(), run.attempt());
    }

    /** Runs {@code log} with this attempt's run id, attempt, pipeline and queue in the logging context. */
    public void logged(Runnable log) {
        RunMdc.log(run.id(), run.attempt(), run.pipeline(), lane.queue(), log);
    }

    /** The trace context of the submit that queued the run (null: none), for the task of a retry. */
    public String taskTraceparent() {
        return taskTraceparent;
    }

    /** Ends this attempt's span: its outcome is settled (or given up). */
    public void endSpan() {
        span.end();
    }


    @Override
    public boolean isCancelled() {
        return cancelled || stopping;
    }

    /** The run was cancelled by a client: the handler should stop, and the run ends {@code cancelled}. */
    void cancel() {
        cancelled = true;
    }

    /** The worker is stopping: the handler should stop, and the run is left for another worker. */
    void stop() {
        stopping = true;
    }

    boolean cancelledByClient() {
        return cancelled;
    }

    boolean stopping() {
        return stopping;
    }

    /** The queue and priority its task came from, where a retry goes too. */
    public Lane lane() {
        return lane;
    }

    /** The writer of this attempt's events. */
    public RunEventWriter events() {
        return events;
    }
}
