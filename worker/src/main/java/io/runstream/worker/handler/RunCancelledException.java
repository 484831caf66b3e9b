package io.runstream.worker.handler;

/** Thrown (or failed with) by a handler that stopped because its run was cancelled. Not an error. */
public class RunCancelledException extends RuntimeException {

    public RunCancelledException() {
        super("run cancelled", null, false, false);
    }
}
