package io.runstream.worker.demo;

import io.quarkus.arc.lookup.LookupIfProperty;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;

/**
 * Demo pipeline {@code fail}: fails with {@code input.message}; with {@code input.times = k} only the first k
 * attempts fail and later ones return {@code {"attempt": n}}.
 */
@ApplicationScoped
@LookupIfProperty(name = DemoConfig.ENABLED, stringValue = "true", lookupIfMissing = true)
@Pipeline("fail")
public class Fail implements RunHandler {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Fail.class);

    @Override
    public Object handle(RunContext run) {
        String message = run.input().path("message").asText("failed on purpose");
        if (run.input().has("times") && run.attempt() > Demo.nonNegative(run, "times", 0)) {
            return Map.of("attempt", run.attempt());
        }
        // a handler's own line: the worker puts the run's id, attempt, pipeline and queue into its logging context
        LOG.infof("Attempt %d fails on purpose", run.attempt());
        throw new DemoFailure(message);
    }

    /** The failure this pipeline is asked for. */
    static final class DemoFailure extends RuntimeException {
        DemoFailure(String message) {
            super(message, null, false, false);
        }
    }
}
