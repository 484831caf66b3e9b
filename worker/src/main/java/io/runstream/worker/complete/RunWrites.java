package io.runstream.worker.complete;

import io.runstream.batch.Batcher;
import io.runstream.run.RunStore;
import io.runstream.run.RunStore.End;
import io.runstream.run.RunStore.Start;
import io.runstream.run.RunStore.StartedRun;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

import java.util.Optional;
import java.util.UUID;

/**
 * The worker's two hot writes, batched per process: one starter (attempts begun) and one completer (attempts
 * ended). Each gathers what its runs ask while its statement is in flight and sends it as the next statement
 * ({@link RunStore#start(java.util.List)}, {@link RunStore#end(java.util.List)}), with one batch in flight at a
 * time; a lone request goes at once. Under load the worker's two statements per run become two per batch.
 *
 * <p>Deadlock-free by construction: every batch locks its rows in id order before it updates them, and this
 * process has at most one batch of each kind in flight, so batches of any number of workers wait for each other
 * in one order instead of holding what the other needs. Fencing is the statements' (attempt numbers, task
 * entries); the task is acknowledged only after the batch that recorded its outcome committed.
 *
 * <p>The returned Unis are lazy: each subscription (a {@link StoreRetry} retry among them) asks again.
 */
@Singleton
public class RunWrites {

    /** Most runs in one statement: large enough for a worker's whole concurrency, small enough to stay short. */
    static final int BATCH = 500;

    private final Batcher<Start, Optional<StartedRun>> starts;
    private final Batcher<End, Boolean> ends;

    public RunWrites(RunStore store) {
        this.starts = new Batcher<>(store::start, BATCH, 1);
        this.ends = new Batcher<>(store::end, BATCH, 1);
    }

    /** {@link RunStore#start(UUID, String)}, in the next batch of starts. */
    public Uni<Optional<StartedRun>> start(UUID id, String taskId) {
        return Uni.createFrom().deferred(() -> starts.submit(new Start(id, taskId)));
    }

    /** {@link RunStore#end(java.util.List)} of one attempt, in the next batch of ends; whether it applied. */
    public Uni<Boolean> end(End end) {
        return Uni.createFrom().deferred(() -> ends.submit(end));
    }
}
