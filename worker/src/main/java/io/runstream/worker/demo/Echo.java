package io.runstream.worker.demo;

import io.quarkus.arc.lookup.LookupIfProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.ReactiveRunHandler;
import io.runstream.worker.handler.RunContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Demo pipeline {@code echo}: the result is the input. */
@ApplicationScoped
@LookupIfProperty(name = DemoConfig.ENABLED, stringValue = "true", lookupIfMissing = true)
@Pipeline("echo")
public class Echo implements ReactiveRunHandler {

    @Override
    public Uni<JsonNode> handle(RunContext run) {
        return Uni.createFrom().item(run.input());
    }
}
