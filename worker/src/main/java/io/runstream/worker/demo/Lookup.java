package io.runstream.worker.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.runstream.json.Json;
import io.runstream.worker.handler.GiveUpException;
import io.runstream.worker.handler.Pipeline;
import io.runstream.worker.handler.RunContext;
import io.runstream.worker.handler.RunHandler;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Demo pipeline {@code lookup}, a handler with an init step: its init loads a table (a JSON object) from the file
 * {@code runstream.demo-pipelines.lookup-file}, once; a run returns {@code {"key": k, "value": table[k]}} for
 * {@code input.key}. While the file is missing or unreadable its init fails, and after a few failures in a row the
 * pipeline's circuit opens (docs/reliability.md).
 */
@ApplicationScoped
@LookupIfProperty(name = DemoConfig.ENABLED, stringValue = "true", lookupIfMissing = true)
@Pipeline("lookup")
public class Lookup implements RunHandler {

    private final Path file;
    private volatile JsonNode table;

    public Lookup(DemoConfig config) {
        this.file = Path.of(config.lookupFile());
    }

    @Override
    public void init() throws IOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IOException("cannot read the lookup table " + file.toAbsolutePath() + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        JsonNode loaded = Json.tree(text);
        if (!loaded.isObject()) {
            throw new IOException("the lookup table " + file.toAbsolutePath() + " is not a JSON object");
        }
        table = loaded;
    }

    @Override
    public Object handle(RunContext run) {
        String key = run.input().path("key").asText(null);
        if (key == null) {
            throw new GiveUpException("input.key must be a string");
        }
        JsonNode value = table.get(key);
        if (value == null) {
            throw new GiveUpException("no key '" + key + "' in the lookup table " + file);
        }
        return Map.of("key", key, "value", value);
    }

    @Override
    public void close() {
        table = null;
    }
}
