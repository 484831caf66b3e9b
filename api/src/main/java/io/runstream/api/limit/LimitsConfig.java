package io.runstream.api.limit;

import io.runstream.config.SettingChecks;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * What one tenant may take of each api replica (docs/security.md): its request rate and its concurrent SSE streams;
 * and what one client may, whatever its tenant: its concurrent SSE streams.
 * The limits hold per replica, so a deployment of n replicas serves a tenant up to n times each.
 */
@ConfigMapping(prefix = "runstream.limits")
public interface LimitsConfig {

    /**
     * Requests a tenant may make per second, on each replica, on average; beyond it (and its burst) a request is
     * answered 429 with Retry-After. Default is 5000.
     */
    @WithDefault("5000")
    int requestsPerSecond();

    /** Requests a tenant may make at once above its average rate, on each replica. Default is 5000. */
    @WithDefault("5000")
    int burst();

    /** SSE streams a tenant may hold open at once, on each replica; one more is answered 429. Default is 5000. */
    @WithDefault("5000")
    int sseConnections();

    /**
     * SSE streams one client (a remote address: the forwarded one where {@code quarkus.http.proxy.*} trusts a proxy)
     * may hold open at once, on each replica, whatever its tenant; one more is answered 429. Default is 2000.
     */
    @WithDefault("2000")
    int sseConnectionsPerClient();

    /**
     * Runs a tenant may have queued or running at once, across replicas (counted in PostgreSQL each second, or twenty
     * times as long as the last count took, so it may be passed by up to one interval's submissions of the other
     * replicas); a submit over it is answered 429 and records nothing. Default is 1000000.
     */
    @WithDefault("1000000")
    int runsInFlight();

    /**
     * A tenant's own limits, where they differ: {@code runstream.limits.tenants."<tenant>".requests-per-second}
     * ({@code RUNSTREAM_LIMITS_TENANTS__<TENANT>__REQUESTS_PER_SECOND}), {@code .burst}, {@code .sse-connections},
     * {@code .runs-in-flight}.
     */
    Map<String, Tenant> tenants();

    /** One tenant's limits; what it leaves out is the default. */
    interface Tenant {
        OptionalInt requestsPerSecond();

        OptionalInt burst();

        OptionalInt sseConnections();

        OptionalInt runsInFlight();
    }

    /** {@code tenant}'s own value of a setting ({@code own}) where it has one, else {@code otherwise}. */
    default int limit(String tenant, Function<Tenant, OptionalInt> own, int otherwise) {
        Tenant tenantLimits = tenants().get(tenant);
        return tenantLimits == null ? otherwise : own.apply(tenantLimits).orElse(otherwise);
    }

    /** Adds what is wrong with these settings to {@code checks}. */
    default SettingChecks check(SettingChecks checks) {
        checks.atLeast("runstream.limits.requests-per-second", requestsPerSecond(), 1)
                .atLeast("runstream.limits.burst", burst(), 1)
                .atLeast("runstream.limits.sse-connections", sseConnections(), 1)
                .atLeast("runstream.limits.sse-connections-per-client", sseConnectionsPerClient(), 1)
                .atLeast("runstream.limits.runs-in-flight", runsInFlight(), 1);
        tenants().forEach((tenant, own) -> {
            String at = "runstream.limits.tenants.\"" + tenant + "\".";
            own.requestsPerSecond().ifPresent(v -> checks.atLeast(at + "requests-per-second", v, 1));
            own.burst().ifPresent(v -> checks.atLeast(at + "burst", v, 1));
            own.sseConnections().ifPresent(v -> checks.atLeast(at + "sse-connections", v, 1));
            own.runsInFlight().ifPresent(v -> checks.atLeast(at + "runs-in-flight", v, 1));
        });
        return checks;
    }
}
