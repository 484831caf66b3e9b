package io.runstream.worker.demo;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Switch for the demo pipelines. */
@ConfigMapping(prefix = "runstream.demo-pipelines")
public interface DemoConfig {

    /** Whether {@code echo}, {@code sleep}, {@code generate} and {@code fail} are served. Default is true. */
    @WithDefault("true")
    boolean enabled();
}
