package io.runstream.api.outbox;

import io.runstream.batch.Batcher;
import io.runstream.run.RunStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outbox rows this api wrote and has not cleared yet. The statement that inserts runs also writes one outbox row
 * listing them ({@link RunStore#submit(java.util.List)}); the row goes once every one of its runs is settled here —
 * its task is in Redis, or the run was removed again because it could not be — so a row lists several single
 * submits that were inserted together and is deleted after the last of their XADDs. Deletes are batched and not
 * waited for: a row that stays (a failed delete, or this api died) only makes the sweeper dispatch its queued runs
 * again, and a worker skips a second task of a run already started.
 */
@ApplicationScoped
public class Outbox {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    private static final int DELETE_BATCH = 1000;

    private final Map<Long, AtomicInteger> unsettled = new ConcurrentHashMap<>();
    private final Batcher<Long, Void> deletes;

    public Outbox(RunStore store) {
        this.deletes = Batcher.ofAll(store::dispatched, DELETE_BATCH, 1);
    }

    /** Outbox row {@code row} lists {@code runs} runs, to be settled one by one. Before any of them is settled. */
    public void expect(long row, int runs) {
        unsettled.put(row, new AtomicInteger(runs));
    }

    /** One run of outbox row {@code row} needs it no more; the last one deletes the row. */
    public void settled(long row) {
        AtomicInteger left = unsettled.get(row);
        if (left == null || left.decrementAndGet() > 0) {
            return;
        }
        unsettled.remove(row);
        deletes.submit(row).subscribe().with(x -> { }, f -> LOG.debugf("Outbox row %d not deleted (the sweeper "
                + "will dispatch its runs again): %s", row, f));
    }
}
