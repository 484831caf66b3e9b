package io.runstream.api.auth;

import io.runstream.api.limit.TenantLimits;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every {@code /api} request before anything else looks at it (an unknown path included, so the api's
 * routes are not told to strangers), counts it against its tenant's request rate ({@link TenantLimits}: 429 over it)
 * and leaves its {@link Caller} on the request; each endpoint then checks the
 * scope it needs ({@code Caller.require}) and sees only its caller's tenant. The event stream, a Vert.x route, asks
 * {@link Authenticator} itself.
 */
public class AuthFilter {

    private final Authenticator authenticator;
    private final TenantLimits limits;

    public AuthFilter(Authenticator authenticator, TenantLimits limits) {
        this.authenticator = authenticator;
        this.limits = limits;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request, RoutingContext routing) {
        if (!routing.normalizedPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        return authenticator.caller(request.getHeaderString(HttpHeaders.AUTHORIZATION))
                .map(caller -> {
                    limits.admit(caller.tenant());
                    routing.put(Caller.ATTRIBUTE, caller);
                    return (Response) null;
                })
                .onFailure(Authenticator.Refused.class)
                .recoverWithItem(e -> ((Authenticator.Refused) e).toResponse());
    }
}
