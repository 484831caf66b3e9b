package io.runstream.batch;

import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Coalesces single operations — Redis commands, SQL statements — into batches without waiting for a timer: an item submitted while fewer than
 * {@code maxInFlight} batches are in flight goes out at once (so a lone item pays no extra latency); items
 * submitted meanwhile queue up and leave together, up to {@code maxBatch} at a time, as soon as a batch returns.
 * Under load that turns N round trips into N / batch-size, with no added delay when idle.
 *
 * @param <T> what is submitted
 * @param <R> the result per item
 */
public final class Batcher<T, R> {

    /**
     * Sends one batch.
     *
     * @param <T> what is submitted
     * @param <R> the result per item
     */
    @FunctionalInterface
    public interface Sender<T, R> {
        /** Sends {@code items}; the result holds one entry per item, in the same order. */
        Uni<List<R>> send(List<T> items);
    }

    private record Pending<T, R>(T item, CompletableFuture<R> result) {
    }

    private final Sender<T, R> sender;
    private final int maxBatch;
    private final int maxInFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private List<Pending<T, R>> queued = new ArrayList<>();
    private int inFlight;

    public Batcher(Sender<T, R> sender, int maxBatch, int maxInFlight) {
        if (maxBatch < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("maxBatch and maxInFlight must be positive, were " + maxBatch + " and "
                    + maxInFlight);
        }
        this.sender = sender;
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
    }

    /** A batcher whose batch result is one value for all items (e.g. the count a multi-id XACK returns). */
    public static <T> Batcher<T, Void> ofAll(Function<List<T>, Uni<?>> sender, int maxBatch, int maxInFlight) {
        return new Batcher<>(items -> sender.apply(items).map(x -> nulls(items.size())), maxBatch, maxInFlight);
    }

    private static List<Void> nulls(int n) {
        List<Void> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(null);
        }
        return list;
    }

    /** Queues {@code item}; the Uni completes with its result once its batch has been answered. */
    public Uni<R> submit(T item) {
        CompletableFuture<R> result = new CompletableFuture<>();
        List<Pending<T, R>> batch = null;
        lock.lock();
        try {
            queued.add(new Pending<>(item, result));
            if (inFlight < maxInFlight) {
                inFlight++;
                batch = take();
            }
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            send(batch);
        }
        return Uni.createFrom().completionStage(result);
    }

    /** Removes up to {@code maxBatch} queued items; call with the lock held. */
    private List<Pending<T, R>> take() {
        if (queued.size() <= maxBatch) {
            List<Pending<T, R>> all = queued;
            queued = new ArrayList<>();
            return all;
        }
        List<Pending<T, R>> head = new ArrayList<>(queued.subList(0, maxBatch));
        queued = new ArrayList<>(queued.subList(maxBatch, queued.size()));
        return head;
    }

    private void send(List<Pending<T, R>> batch) {
        List<T> items = new ArrayList<>(batch.size());
        batch.forEach(p -> items.add(p.item()));
        Uni<List<R>> sent;
        try {
            sent = sender.send(items);
        } catch (RuntimeException e) {
            sent = Uni.createFrom().failure(e);
        }
        // the batch's slot is given back whatever completing its items does
        sent.subscribe().with(results -> {
            try {
                if (results.size() != batch.size()) {
                    IllegalStateException wrong = new IllegalStateException("a batch of " + batch.size()
                            + " items returned " + results.size() + " results");
                    batch.forEach(p -> p.result().completeExceptionally(wrong));
                } else {
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).result().complete(results.get(i));
                    }
                }
            } finally {
                next();
            }
        }, failure -> {
            try {
                batch.forEach(p -> p.result().completeExceptionally(failure));
            } finally {
                next();
            }
        });
    }

    private void next() {
        List<Pending<T, R>> batch = null;
        lock.lock();
        try {
            if (queued.isEmpty()) {
                inFlight--;
            } else {
                batch = take();
            }
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            send(batch);
        }
    }
}
