package io.runstream.api.run;

import io.runstream.batch.Batcher;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/**
 * Records new runs (without an Idempotency-Key) in PostgreSQL, batched: runs submitted while an INSERT is in
 * flight go together in the next one, a single multi-row statement in autocommit. Under load that turns one
 * statement and one commit per run into one per batch; a lone submit pays no extra latency. Submits with an
 * Idempotency-Key take the one-row path, where a duplicate key must fail alone.
 */
@ApplicationScoped
public class NewRuns {

    private static final int BATCH = 256;
    private static final int IN_FLIGHT = 4;

    private static final String INSERT = """
            INSERT INTO runs (id, pipeline, queue, status, input, attempt, created_at, updated_at, dispatched)
            SELECT id, pipeline, queue, 'queued', input, 0, created_at, created_at, false
              FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                AS r(id, pipeline, queue, input, created_at)""";

    private final Batcher<RunEntity, Void> inserts;

    public NewRuns(Pool pool) {
        this.inserts = Batcher.ofAll(runs -> pool.preparedQuery(INSERT).execute(columns(runs)), BATCH, IN_FLIGHT);
    }

    /** Inserts {@code run} (status queued, not yet dispatched); completes once it is committed. */
    public Uni<Void> insert(RunEntity run) {
        return inserts.submit(run);
    }

    private static Tuple columns(List<RunEntity> runs) {
        int n = runs.size();
        UUID[] ids = new UUID[n];
        String[] pipelines = new String[n];
        String[] queues = new String[n];
        String[] inputs = new String[n];
        OffsetDateTime[] created = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            RunEntity run = runs.get(i);
            ids[i] = run.id;
            pipelines[i] = run.pipeline;
            queues[i] = run.queue;
            inputs[i] = run.input;
            created[i] = run.createdAt.atOffset(ZoneOffset.UTC);
        }
        return Tuple.of(ids, pipelines, queues, inputs, created);
    }
}
