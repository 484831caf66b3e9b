package io.runstream.worker.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.worker.handler.GiveUpException;
import io.runstream.worker.handler.RunContext;

/** Input reading shared by the demo pipelines. */
final class Demo {

    private Demo() {
    }

    /** Whole number {@code input.<name>}, or {@code fallback} when absent; fails the run when it is not one. */
    static long nonNegative(RunContext run, String name, long fallback) {
        JsonNode value = run.input().get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
            throw new GiveUpException("input." + name + " must be a whole number >= 0, was " + value);
        }
        return value.asLong();
    }

    /** Longest stretch slept without looking at cancellation, in ms. */
    static final long SLICE_MS = 20;

    /**
     * Sleeps {@code ms}, waking every {@link #SLICE_MS} to look for a cancel.
     *
     * @throws io.runstream.worker.handler.RunCancelledException when the run is cancelled meanwhile
     */
    static void pause(RunContext run, long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000;
        for (long left = ms; left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
            run.throwIfCancelled();
            Thread.sleep(Math.min(left, SLICE_MS));
        }
        run.throwIfCancelled();
    }
}
