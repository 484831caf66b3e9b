package io.runstream.worker.consume;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The worker's two stages over its task stream: up to {@code running} items at once go through {@code run}, which
 * yields what is left of each — its settlement; up to {@code settling} settlements at once go through
 * {@code settle}. An item holds its running slot until its settlement holds a settling slot, so when settling falls
 * behind, its slots fill, then the running ones, and no more items are asked of the stream.
 *
 * <p>What {@code Multi.merge(n)} twice over did, without its cost per item: a merge looks through all of its
 * {@code n} inner streams each time one ends, and the worker's second one has {@code max-settling} (500) of them.
 * Here every count changes in one drain loop that a single thread runs at a time (a work-in-progress counter, no
 * lock); callbacks that end a stage only enqueue or count, then call the loop, and what the loop starts it starts
 * after taking it off the shared queue.
 *
 * @param <T> an item of the stream (a task)
 * @param <S> what is left of it after its run (its settlement)
 */
final class TwoStages<T, S> implements MultiSubscriber<T> {

    private static final Logger LOG = Logger.getLogger(TwoStages.class);

    private final Function<T, Uni<S>> run;
    private final Function<S, Uni<Void>> settle;
    private final int running;
    private final int settling;
    /** Settlements whose run ended, waiting for a settling slot, oldest first. */
    private final Queue<S> ready = new ConcurrentLinkedQueue<>();
    /** Settlements ended since the drain loop last counted them. */
    private final AtomicInteger settled = new AtomicInteger();
    /** Runs that failed (which {@code run} must not do) since the drain loop last counted them: their slots are free. */
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile Flow.Subscription upstream;
    /** Settlements in progress; touched only inside the drain loop. */
    private int inSettling;

    /**
     * @param run    the first stage; it should never fail (a failure is logged and frees the item's slot)
     * @param settle the second stage; a failure is logged
     */
    TwoStages(Function<T, Uni<S>> run, int running, Function<S, Uni<Void>> settle, int settling) {
        if (running < 1 || settling < 1) {
            throw new IllegalArgumentException("each stage needs a slot at least: " + running + ", " + settling);
        }
        this.run = run;
        this.settle = settle;
        this.running = running;
        this.settling = settling;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        subscription.request(running);
    }

    @Override
    public void onItem(T item) {
        applied(run, item).subscribe().with(settlement -> {
            ready.add(settlement);
            drain();
        }, failure -> {
            LOG.errorf(failure, "A task's run failed; its slot is free again");
            lost.incrementAndGet();
            drain();
        });
    }

    @Override
    public void onFailure(Throwable failure) {
        LOG.errorf(failure, "The task channel stopped");
    }

    @Override
    public void onCompletion() {
        LOG.debug("The task channel completed");
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            inSettling -= settled.getAndSet(0);
            long freed = lost.getAndSet(0);
            List<S> starting = List.of();
            S next;
            while (inSettling < settling && (next = ready.poll()) != null) {
                if (starting.isEmpty()) {
                    starting = new ArrayList<>();
                }
                starting.add(next);
                inSettling++;
            }
            freed += starting.size();
            for (S settlement : starting) {
                start(settlement);
            }
            Flow.Subscription subscription = upstream;
            if (freed > 0 && subscription != null) {
                subscription.request(freed);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void start(S settlement) {
        applied(settle, settlement).subscribe().with(x -> {
            settled.incrementAndGet();
            drain();
        }, failure -> {
            LOG.errorf(failure, "A task's settlement failed");
            settled.incrementAndGet();
            drain();
        });
    }

    /** {@code stage} applied to {@code input}; a stage that throws instead of failing its Uni fails it. */
    private static <A, R> Uni<R> applied(Function<A, Uni<R>> stage, A input) {
        try {
            return stage.apply(input);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }
}
