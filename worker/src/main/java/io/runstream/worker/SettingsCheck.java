package io.runstream.worker;

import io.quarkus.runtime.StartupEvent;
import io.runstream.config.RunstreamConfig;
import io.runstream.config.SettingChecks;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Stops the worker at start when a setting is out of its range, naming every such setting ({@link SettingChecks}). */
@Singleton
public class SettingsCheck {

    /** First of the start-up observers, so that nothing starts with a setting out of range. */
    void check(@Observes @Priority(1) StartupEvent event, RunstreamConfig runstream, WorkerConfig worker,
               PipelinesConfig pipelines) {
        pipelines.check(worker.check(runstream.check(new SettingChecks()))).orFail();
    }
}
