package io.runstream.api.auth;

import io.runstream.api.problem.Outages;
import io.runstream.api.problem.Problem;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;

/**
 * Read tokens: what a browser's {@code EventSource}, which cannot send an {@code Authorization} header, presents as
 * {@code ?token=} to follow one run's events — that run's and nothing else, until it expires
 * ({@code runstream.auth.read-token-ttl}, 15 min). A token is {@code <payload>.<HMAC-SHA256 of it>} in base64url,
 * the payload naming the run, its tenant and the expiry; nothing is stored per token. The signing secret is made
 * once per database, kept in {@code runstream_meta}, and shared so by every replica; a token outlives the revocation
 * of the key that asked for it, for its short life at most.
 */
@ApplicationScoped
public class ReadTokens {

    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final Pool pool;
    private final AuthConfig config;
    /** The signing secret once read (it never changes), or null until then. */
    private volatile byte[] secret;

    public ReadTokens(Pool pool, AuthConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** A token to read run {@code run} of {@code tenant}, and when it expires. */
    public record Issued(String token, Instant expiresAt) {
    }

    public Uni<Issued> issue(UUID run, String tenant) {
        Instant expiresAt = Instant.now().plus(config.readTokenTtl()).truncatedTo(ChronoUnit.SECONDS);
        String payload = VERSION + "|" + run + "|" + tenant + "|" + expiresAt.getEpochSecond();
        return secret().map(key -> new Issued(B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(sign(key, payload)), expiresAt));
    }

    /**
     * The caller that {@code token} makes of its bearer for run {@code run}: reading it, in its tenant.
     * Fails with {@link Authenticator.Refused} (401) for a token that is malformed, forged, expired or another run's.
     */
    public Uni<Caller> caller(String token, UUID run) {
        return secret().map(key -> {
            int dot = token.indexOf('.');
            String payload;
            byte[] signature;
            try {
                payload = new String(Base64.getUrlDecoder().decode(token.substring(0, Math.max(dot, 0))),
                        StandardCharsets.UTF_8);
                signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw refused("not a read token of this api");
            }
            if (dot <= 0 || !MessageDigest.isEqual(sign(key, payload), signature)) {
                throw refused("not a read token of this api");
            }
            String[] parts = payload.split("\\|");
            if (parts.length != 4 || !parts[0].equals(VERSION)) {
                throw refused("not a read token of this api");
            }
            if (!parts[1].equals(run.toString())) {
                throw refused("this read token is for another run");
            }
            Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts[3]));
            if (!Instant.now().isBefore(expiresAt)) {
                throw refused("this read token expired at " + expiresAt);
            }
            return new Caller(parts[2], Set.of(Scope.RUNS_READ), "read-token");
        });
    }

    private static Authenticator.Refused refused(String detail) {
        return new Authenticator.Refused(Problem.of(Response.Status.UNAUTHORIZED, detail),
                Authenticator.REALM + ", error=\"invalid_token\"");
    }

    private static byte[] sign(byte[] key, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** The signing secret: made by the first replica that needs it, read by the others. */
    private Uni<byte[]> secret() {
        byte[] known = secret;
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        byte[] mine = new byte[32];
        new SecureRandom().nextBytes(mine);
        return pool.preparedQuery("""
                        INSERT INTO runstream_meta (name, value) VALUES ('read-token-secret', $1)
                        ON CONFLICT (name) DO NOTHING""")
                .execute(Tuple.of(HexFormat.of().formatHex(mine)))
                .chain(() -> pool.query("SELECT value FROM runstream_meta WHERE name = 'read-token-secret'").execute())
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> {
                    byte[] read = HexFormat.of().parseHex(rows.iterator().next().getString(0));
                    secret = read;
                    return read;
                });
    }
}
