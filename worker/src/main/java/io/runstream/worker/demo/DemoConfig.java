package io.runstream.worker.demo;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Switch for the demo pipelines. Nothing injects it (the demo handlers' {@code @LookupIfProperty} reads the
 * property), so it is kept explicitly: it declares and documents the setting, which is validated like the others.
 */
@io.quarkus.arc.Unremovable
@ConfigMapping(prefix = "runstream.demo-pipelines")
public interface DemoConfig {

    /**
     * The property, for the demo handlers' {@code @LookupIfProperty}: the handler registry finds handlers by lookup,
     * which skips them when it is {@code false}.
     */
    String ENABLED = "runstream.demo-pipelines.enabled";

    /** Whether {@code echo}, {@code sleep}, {@code generate}, {@code fail} and {@code lookup} are served. Default is true. */
    @WithDefault("true")
    boolean enabled();

    /** The table (a JSON object file) the {@code lookup} pipeline's init loads. Default is lookup.json. */
    @WithDefault("lookup.json")
    String lookupFile();
}
