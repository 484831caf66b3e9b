package io.runstream.worker.attempt;

import io.runstream.worker.consume.Lane;
import io.runstream.run.RunStore;
import io.runstream.events.RunEventWriter;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.json.Json;
import io.runstream.worker.handler.RunContext;

import java.util.UUID;

/** One attempt of a run: what its handler sees ({@link RunContext}), and its event writer and stop flags. */
public final class Attempt implements RunContext {

    private final RunStore.StartedRun run;
    private final Lane lane;
    private final JsonNode input;
    private final RunEventWriter events;
    private volatile boolean cancelled;
    private volatile boolean stopping;

    Attempt(RunStore.StartedRun run, Lane lane, RunEventWriter events) {
        this.run = run;
        this.lane = lane;
        this.input = Json.tree(run.inputJson());
        this.events = events;
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
        return input;
    }

    @Override
    public void output(String chunk) {
        events.output(chunk);
    }

    @Override
    public void progress(int percent, String message) {
        events.progress(percent, message);
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
