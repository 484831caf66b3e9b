package io.runstream.worker.attempt;

import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Releases the held {@code status: running} of attempts once their {@code running-event-delay} is over, with one
 * timer for all of them instead of one a run: every attempt waits the same delay, so they fall due in the order they
 * were held, and a queue in that order says which are due. At most one timer is armed, for the head of the queue;
 * when it fires it takes every attempt due by then — or due within a quarter of the delay, so that a steady stream of
 * starts wakes the timer about four times a delay rather than once an attempt — and arms the next. An attempt is
 * thus never released later than its delay (and at most a quarter of it sooner); releasing one whose run already ended
 * does nothing. Idle, no timer is armed.
 *
 * <p>The due attempts are taken off the queue and the timer re-armed before any is released: releasing runs the
 * attempt's writes, which must not run while this state is half-way.
 *
 * @param <T> what is held ({@link Attempt}; anything in tests)
 */
final class HeldStarts<T> {

    private record Held<T>(T attempt, long dueNanos) {
    }

    private final Queue<Held<T>> queue = new ConcurrentLinkedQueue<>();
    /** Whether a timer is armed; only the one armed takes from the queue, so entries leave it one timer at a time. */
    private final AtomicBoolean armed = new AtomicBoolean();
    private final Vertx vertx;
    private final long delayNanos;
    private final long slackNanos;
    private final Consumer<T> release;

    /** @param release what an attempt's delay ends with (called outside of this queue's state) */
    HeldStarts(Vertx vertx, Duration delay, Consumer<T> release) {
        if (delay.isNegative() || delay.isZero()) {
            throw new IllegalArgumentException("a held start waits a positive delay, not " + delay);
        }
        this.vertx = vertx;
        this.delayNanos = delay.toNanos();
        this.slackNanos = delayNanos / 4;
        this.release = release;
    }

    /** Holds {@code attempt}'s start until its delay, from now, is over. */
    void hold(T attempt) {
        queue.add(new Held<>(attempt, System.nanoTime() + delayNanos));
        arm();
    }

    /** How many attempts wait now (released or not yet taken off). */
    int size() {
        return queue.size();
    }

    private void arm() {
        Held<T> head = queue.peek();
        if (head != null && armed.compareAndSet(false, true)) {
            long wait = TimeUnit.NANOSECONDS.toMillis(head.dueNanos() - System.nanoTime());
            vertx.setTimer(Math.max(1, wait), timer -> fire());
        }
    }

    private void fire() {
        long until = System.nanoTime() + slackNanos;
        List<T> due = new ArrayList<>();
        for (Held<T> head = queue.peek(); head != null && head.dueNanos() - until <= 0; head = queue.peek()) {
            queue.poll();
            due.add(head.attempt());
        }
        armed.set(false);
        arm(); // a start held while this timer took its due ones may have found it armed
        due.forEach(release);
    }
}
