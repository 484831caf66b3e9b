package io.runstream.worker;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

import java.util.Map;
import java.util.Optional;

/**
 * Where each pipeline's runs go, by pipeline name: {@code runstream.pipelines."<name>".queue} (environment:
 * {@code RUNSTREAM_PIPELINES__<NAME>__QUEUE}). A pipeline not named here goes to the queue of its
 * {@code @Pipeline(queue = …)}, {@code default} unless set. Retry policies stay under
 * {@code runstream.worker.pipelines."<name>".retry}.
 */
@ConfigMapping(prefix = "runstream.pipelines")
public interface PipelinesConfig {

    /** Per-pipeline routing, by pipeline name. */
    @WithParentName
    Map<String, Routing> byName();

    /** The queue set for {@code pipeline}, if one is. */
    default Optional<String> queueOf(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing == null ? Optional.empty() : routing.queue();
    }

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        byName().forEach((name, routing) -> routing.queue()
                .ifPresent(queue -> checks.name("runstream.pipelines.\"" + name + "\".queue", queue)));
        return checks;
    }

    /** Whether {@code pipeline}'s handler is initialised at the worker's start rather than at its first run. */
    default boolean warmUp(String pipeline) {
        Routing routing = byName().get(pipeline);
        return routing != null && routing.warmUp();
    }

    /** One pipeline's routing. */
    interface Routing {
        /** The queue its runs go to when a submit names none. */
        Optional<String> queue();

        /** Initialise its handler at the worker's start ({@code init()}), not at its first run. */
        @io.smallrye.config.WithDefault("false")
        boolean warmUp();
    }
}
