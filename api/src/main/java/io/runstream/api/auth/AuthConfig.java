package io.runstream.api.auth;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Who may call the api (docs/security.md). */
@ConfigMapping(prefix = "runstream.auth")
public interface AuthConfig {

    /**
     * Whether every {@code /api} request needs an API key. Off, every caller is an admin of the tenant
     * {@code default}: the prod profile refuses to start so unless {@code runstream.auth.allow-disabled} is also set.
     * Default is true.
     */
    @WithDefault("true")
    boolean enabled();

    /** Confirms that a prod api is meant to run with {@code runstream.auth.enabled=false}. Default is false. */
    @WithDefault("false")
    boolean allowDisabled();

    /**
     * How long a replica trusts what it read of a key: a key revoked, or past its expiry, is refused by every replica
     * within this time. Default is 2s.
     */
    @WithDefault("2s")
    Duration cacheTtl();

    /** How long a read token ({@code POST /api/runs/{id}/tokens}) lets its bearer follow the run. Default is 15m. */
    @WithDefault("15m")
    Duration readTokenTtl();

    /** Adds what is wrong with these settings to {@code checks}; {@code prod}: the api runs in the prod profile. */
    default SettingChecks check(SettingChecks checks, boolean prod) {
        if (!enabled() && prod && !allowDisabled()) {
            checks.problem("runstream.auth.enabled=false: the prod profile refuses to serve the api without API keys "
                    + "unless runstream.auth.allow-disabled=true confirms it (RUNSTREAM_AUTH_ALLOW_DISABLED)");
        }
        return checks.atLeast("runstream.auth.cache-ttl", cacheTtl(), Duration.ZERO)
                .atLeast("runstream.auth.read-token-ttl", readTokenTtl(), Duration.ofSeconds(1));
    }
}
