package io.runstream.api.auth;

import io.runstream.api.problem.Problem;
import io.runstream.auth.ApiKeys;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the caller of a request from its {@code Authorization: Bearer <key>}. What a replica read of a key — its
 * tenant and scopes, or that it is refused — it trusts for {@code runstream.auth.cache-ttl} (2 s) at most, and never
 * past the key's own expiry or revocation: a hit costs a map lookup, and a key revoked on one replica is refused by
 * every replica within that time. A presented string that does not have the form of a key is refused without a
 * database read.
 */
@ApplicationScoped
public class Authenticator {

    /** Bounds the memory that presented keys can take; past it the cache starts again empty. */
    static final int MAX_CACHED = 10_000;
    static final String REALM = "Bearer realm=\"runstream\"";

    private final KeyStore keys;
    private final AuthConfig config;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    public Authenticator(KeyStore keys, AuthConfig config) {
        this.keys = keys;
        this.config = config;
    }

    /**
     * A request refused before it reaches its endpoint, with the header that says what to do about it: 401 or 403
     * with its {@code WWW-Authenticate} challenge, 429 with {@code Retry-After}.
     */
    public static final class Refused extends RuntimeException {

        private final Problem problem;
        private final String header;
        private final String value;

        Refused(Problem problem, String challenge) {
            this(problem, "WWW-Authenticate", challenge);
        }

        public Refused(Problem problem, String header, String value) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
            this.header = header;
            this.value = value;
        }

        public Problem problem() {
            return problem;
        }

        /** Puts its header on {@code response} (a Vert.x route's). */
        public void addHeaderTo(io.vertx.core.http.HttpServerResponse response) {
            response.putHeader(header, value);
        }

        public Response toResponse() {
            return problem.toResponse().header(header, value).build();
        }
    }

    /** What was read of a presented key: its caller, or why it is refused; trusted until {@code untilNanos}. */
    private record Known(Caller caller, String refusal, long untilNanos) {
    }

    /** The caller presenting {@code authorization} (the header's value, or null); fails with {@link Refused}. */
    public Uni<Caller> caller(String authorization) {
        if (!config.enabled()) {
            return Uni.createFrom().item(Caller.UNAUTHENTICATED);
        }
        if (authorization == null || authorization.isBlank()) {
            return refused("this request needs an API key: send Authorization: Bearer <key>", REALM);
        }
        if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refused("the Authorization header must be 'Bearer <key>'", REALM + ", error=\"invalid_request\"");
        }
        return key(authorization.substring(7).trim());
    }

    /** The caller presenting API key {@code key}; fails with {@link Refused}. */
    public Uni<Caller> key(String key) {
        Known hit = known.get(key);
        if (hit != null && hit.untilNanos() - System.nanoTime() > 0) {
            return hit.caller() != null ? Uni.createFrom().item(hit.caller()) : refusedKey(hit.refusal());
        }
        String prefix = ApiKeys.prefixOf(key);
        if (prefix == null) {
            return refusedKey("not an API key of this api (they look like rsk_<12 hex digits>_<43 characters>)");
        }
        return keys.byPrefix(prefix).chain(stored -> {
            Instant now = Instant.now();
            Known read;
            if (stored.isEmpty() || !ApiKeys.matches(key, stored.get().hash())) {
                read = new Known(null, "unknown API key rsk_" + prefix, trustedUntil(null, now));
            } else {
                KeyStore.StoredKey k = stored.get();
                Instant validUntil = k.validUntil();
                if (validUntil != null && !validUntil.isAfter(now)) {
                    String why = k.revokedAt() != null && !k.revokedAt().isAfter(now) ? "was revoked" : "expired";
                    read = new Known(null, "the API key rsk_" + prefix + " " + why + " at " + validUntil,
                            trustedUntil(null, now));
                } else {
                    read = new Known(new Caller(k.tenant(), k.scopes(), "rsk_" + prefix), null,
                            trustedUntil(validUntil, now));
                }
            }
            if (known.size() >= MAX_CACHED) {
                known.clear();
            }
            known.put(key, read);
            return read.caller() != null ? Uni.createFrom().item(read.caller()) : refusedKey(read.refusal());
        });
    }

    private long trustedUntil(Instant validUntil, Instant now) {
        long ttl = config.cacheTtl().toNanos();
        if (validUntil != null) {
            ttl = Math.min(ttl, Duration.between(now, validUntil).toNanos());
        }
        return System.nanoTime() + ttl;
    }

    private static Uni<Caller> refusedKey(String detail) {
        return refused(detail, REALM + ", error=\"invalid_token\"");
    }

    private static Uni<Caller> refused(String detail, String challenge) {
        return Uni.createFrom().failure(new Refused(Problem.of(Response.Status.UNAUTHORIZED, detail), challenge));
    }

    /** 403 for a caller without {@code scope}. */
    public static Refused forbidden(io.runstream.auth.Scope scope) {
        return new Refused(Problem.of(Response.Status.FORBIDDEN, "this API key lacks the scope " + scope.wire()
                + " that this request needs"), REALM + ", error=\"insufficient_scope\", scope=\"" + scope.wire() + "\"");
    }
}
