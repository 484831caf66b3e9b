package io.runstream.worker;

import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test pipeline {@code limited} ({@code max-concurrency=1} in the tests' settings): sleeps {@code input.ms} and
 * records how many of its runs ran at the same time.
 */
@ApplicationScoped
@Pipeline("limited")
public class LimitProbe implements RunHandler {

    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MAX_RUNNING = new AtomicInteger();

    @Override
    public Object handle(RunContext run) throws InterruptedException {
        return ConcurrencyProbe.sleepCounting(run, RUNNING, MAX_RUNNING);
    }

    /** Test pipeline {@code rated} ({@code rate-limit=2/1s} in the tests' settings): returns at once. */
    @ApplicationScoped
    @Pipeline("rated")
    public static class Rated implements RunHandler {
        @Override
        public Object handle(RunContext run) {
            return Map.of();
        }
    }
}
