package io.runstream.worker.demo;

import io.quarkus.arc.lookup.LookupIfProperty;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Demo pipeline {@code generate}: emits {@code input.chunks} (default 20) {@code output} events, one token each,
 * {@code input.delayMs} (default 20) apart, like a language model's token stream; the result is the whole text.
 * Honours cancel.
 */
@ApplicationScoped
@LookupIfProperty(name = DemoConfig.ENABLED, stringValue = "true", lookupIfMissing = true)
@Pipeline("generate")
public class Generate implements RunHandler {

    @Override
    public Object handle(RunContext run) throws InterruptedException {
        long chunks = Demo.nonNegative(run, "chunks", 20);
        long delayMs = Demo.nonNegative(run, "delayMs", 20);
        StringBuilder text = new StringBuilder();
        for (long i = 0; i < chunks; i++) {
            if (i > 0) {
                Demo.pause(run, delayMs);
            }
            run.throwIfCancelled();
            String token = "token-" + i + " ";
            run.output(token);
            text.append(token);
        }
        return text.toString();
    }
}
