package io.runstream.api.auth;

import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.auth.Scope;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;

import java.util.Set;

/**
 * Who is calling: the tenant whose runs, schedules and keys the request may see, and what it may do there.
 *
 * @param tenant the tenant
 * @param scopes what it may do
 * @param key    the prefix of its key ({@code rsk_<prefix>}), or null when auth is off
 */
public record Caller(String tenant, Set<Scope> scopes, String key) {

    /** Every caller when auth is off: an admin of the tenant {@code default}. */
    public static final Caller UNAUTHENTICATED = new Caller("default", Set.of(Scope.ADMIN), null);

    static final String ATTRIBUTE = "runstream.caller";

    public boolean allows(Scope scope) {
        return scopes.contains(scope) || scopes.contains(Scope.ADMIN);
    }

    /** This caller, when it has {@code scope}. @throws Authenticator.Refused 403 when it has not */
    public Caller require(Scope scope) {
        if (!allows(scope)) {
            throw Authenticator.forbidden(scope);
        }
        return this;
    }

    /** The caller of {@code context} when it has {@code scope}. @throws Authenticator.Refused 403 when it has not */
    public static Caller require(RoutingContext context, Scope scope) {
        return of(context).require(scope);
    }

    /** The caller of the request {@code context}, as {@link AuthFilter} found it. */
    public static Caller of(RoutingContext context) {
        Caller caller = context.get(ATTRIBUTE);
        if (caller == null) {
            // a request AuthFilter did not see (not under /api): a defect, refused rather than served to nobody
            throw new ProblemException(Problem.of(Response.Status.FORBIDDEN, "no caller is known for this request"));
        }
        return caller;
    }
}
