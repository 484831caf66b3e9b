package io.runstream.worker;

import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Test pipeline {@code verify}, whose runs go to queue {@code verification}: returns its input, after failing its
 * first attempt when {@code input.failFirst} is true.
 */
@ApplicationScoped
@Pipeline(value = "verify", queue = "verification")
public class Verify implements RunHandler {

    @Override
    public Object handle(RunContext run) {
        if (run.input().path("failFirst").asBoolean() && run.attempt() == 1) {
            throw new IllegalStateException("first attempt fails");
        }
        return run.input();
    }
}
