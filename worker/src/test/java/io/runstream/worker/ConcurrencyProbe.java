package io.runstream.worker;

import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Test pipeline {@code probe}: sleeps {@code input.ms} and records how many probes ran at the same time. */
@ApplicationScoped
@Pipeline("probe")
public class ConcurrencyProbe implements RunHandler {

    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MAX_RUNNING = new AtomicInteger();

    @Override
    public Object handle(RunContext run) throws InterruptedException {
        return sleepCounting(run, RUNNING, MAX_RUNNING);
    }

    /** Sleeps {@code input.ms}, counting in {@code running} and the most at once in {@code max}. */
    static Object sleepCounting(RunContext run, AtomicInteger running, AtomicInteger max) throws InterruptedException {
        max.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            Thread.sleep(run.input().path("ms").asLong(100));
            return Map.of("virtual", Thread.currentThread().isVirtual());
        } finally {
            running.decrementAndGet();
        }
    }
}
