package io.runstream.worker.demo;

import io.quarkus.arc.lookup.LookupIfProperty;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;

/** Demo pipeline {@code sleep}: waits {@code input.ms} (default 100) and returns {@code {"slept": ms}}; honours cancel. */
@ApplicationScoped
@LookupIfProperty(name = DemoConfig.ENABLED, stringValue = "true", lookupIfMissing = true)
@Pipeline("sleep")
public class Sleep implements RunHandler {

    @Override
    public Object handle(RunContext run) throws InterruptedException {
        long ms = Demo.nonNegative(run, "ms", 100);
        Demo.pause(run, ms);
        return Map.of("slept", ms);
    }
}
