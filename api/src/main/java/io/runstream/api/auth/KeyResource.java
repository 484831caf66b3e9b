package io.runstream.api.auth;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.api.ApiConfig;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.ProblemException;
import io.runstream.auth.ApiKeys;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /api/keys}: an admin's management of its tenant's API keys. A key is shown whole once, in the answer that
 * made it; lists show its prefix. Revoking with a grace period lets a client move to a new key before the old one
 * stops working (rotation).
 */
@Path("/api/keys")
@Produces(MediaType.APPLICATION_JSON)
public class KeyResource {

    private static final Set<String> FIELDS = Set.of("name", "scopes", "expiresIn");
    /** The longest grace period of a revocation. */
    static final Duration MAX_GRACE = Duration.ofDays(30);

    private final KeyStore keys;
    private final ApiConfig config;

    public KeyResource(KeyStore keys, ApiConfig config) {
        this.keys = keys;
        this.config = config;
    }

    /**
     * A key as listed: never the key itself.
     *
     * @param prefix how the key starts ({@code rsk_<prefix>_}), to recognise it
     */
    @RegisterForReflection
    public record KeyView(UUID id, String prefix, String name, String tenant, List<String> scopes, Instant createdAt,
                          Instant expiresAt, Instant revokedAt) {

        static KeyView of(KeyStore.StoredKey key) {
            return new KeyView(key.id(), "rsk_" + key.prefix(), key.name(), key.tenant(),
                    key.scopes().stream().sorted().map(Scope::wire).toList(), key.createdAt(), key.expiresAt(),
                    key.revokedAt());
        }
    }

    /** A key just made: {@code key} is the whole key, shown this once. */
    @RegisterForReflection
    public record NewKeyView(String key, KeyView about) {
    }

    /** Makes a key of the caller's tenant: {@code {"name": ..., "scopes": [...], "expiresIn": "P90D"}}; 201. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "NewKeyRequest")))
    @APIResponse(responseCode = "201", description = "the key, shown this once, and what it is", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = NewKeyView.class)))
    public Uni<Response> create(byte[] body, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.ADMIN);
        JsonNode root = JsonFields.readJson(JsonFields.utf8(body, config.maxBodyBytes()));
        JsonFields.onlyMembers(root, FIELDS, "a key", "name, scopes, expiresIn");
        String name = JsonFields.text(root, "name");
        if (!ApiKeys.isName(name)) {
            throw ProblemException.badRequest("'name' must be " + ApiKeys.NAME_RULE);
        }
        Set<Scope> scopes = scopes(root.get("scopes"));
        Duration expiresIn = expiresIn(JsonFields.text(root, "expiresIn"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ApiKeys.NewKey made = ApiKeys.generate();
        KeyStore.StoredKey key = new KeyStore.StoredKey(UUID.randomUUID(), made.prefix(), made.hash(), name,
                caller.tenant(), scopes, now, expiresIn == null ? null : now.plus(expiresIn), null);
        return keys.insert(key).map(x -> Response.status(Response.Status.CREATED)
                .header(HttpHeaders.LOCATION, "/api/keys/" + key.id())
                .entity(new NewKeyView(made.key(), KeyView.of(key))).build());
    }

    /** The keys of the caller's tenant, oldest first. */
    @GET
    public Uni<Map<String, List<KeyView>>> list(@Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.ADMIN);
        return keys.list(caller.tenant()).map(all -> Map.of("keys", all.stream().map(KeyView::of).toList()));
    }

    /**
     * Revokes a key of the caller's tenant: at once, or after {@code grace} (an ISO-8601 duration up to P30D) so
     * that its clients can move to a new key first. Every replica refuses it within {@code runstream.auth.cache-ttl}
     * of that time. 200 with the key; 404 for a key the tenant does not have.
     */
    @DELETE
    @Path("{id}")
    public Uni<KeyView> revoke(@PathParam("id") String id, @QueryParam("grace") String grace,
                               @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.ADMIN);
        UUID key;
        try {
            key = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("key " + id);
        }
        Duration delay = grace == null || grace.isEmpty() ? Duration.ZERO : duration("grace", grace);
        if (delay.isNegative() || delay.compareTo(MAX_GRACE) > 0) {
            throw ProblemException.badRequest("grace must be from PT0S to " + MAX_GRACE + "; was '" + grace + "'");
        }
        return keys.revoke(caller.tenant(), key, Instant.now().plus(delay).truncatedTo(ChronoUnit.MICROS))
                .map(revoked -> KeyView.of(revoked.orElseThrow(() -> ProblemException.notFound("key " + id))));
    }

    private static Set<Scope> scopes(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ProblemException.badRequest("'scopes' must be a non-empty array of " + Scope.wireNames());
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (JsonNode scope : node) {
            if (!scope.isTextual() || Scope.fromWire(scope.asText()).isEmpty()) {
                throw ProblemException.badRequest("'scopes': unknown scope " + scope + "; the scopes are "
                        + Scope.wireNames());
            }
            scopes.add(Scope.fromWire(scope.asText()).orElseThrow());
        }
        return Set.copyOf(scopes);
    }

    private static Duration expiresIn(String text) {
        if (text == null) {
            return null;
        }
        Duration value = duration("expiresIn", text);
        if (value.isNegative() || value.isZero()) {
            throw ProblemException.badRequest("'expiresIn' must be a positive duration; was '" + text + "'");
        }
        return value;
    }

    private static Duration duration(String what, String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(what + " must be an ISO-8601 duration such as PT1H or P90D; was '"
                    + text + "'");
        }
    }
}
