package io.runstream.api;

import io.quarkus.runtime.StartupEvent;
import io.runstream.api.auth.AuthConfig;
import io.runstream.config.RunstreamConfig;
import io.runstream.config.SettingChecks;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/** Stops the api at start when a setting is out of its range, naming every such setting ({@link SettingChecks}). */
@Singleton
public class SettingsCheck {

    /** First of the start-up observers, so that nothing starts with a setting out of range. */
    void check(@Observes @Priority(1) StartupEvent event, RunstreamConfig runstream, ApiConfig api, AuthConfig auth,
               io.runstream.api.limit.LimitsConfig limits) {
        boolean prod = "prod".equals(io.quarkus.runtime.configuration.ConfigUtils.getProfiles().getFirst());
        limits.check(auth.check(api.check(runstream.check(new SettingChecks())), prod)).orFail();
    }
}
