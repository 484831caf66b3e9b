package io.runstream.api.auth;

import io.runstream.api.problem.Outages;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The {@code api_keys} table: a key's hash, tenant, scopes and life, never the key itself. */
@ApplicationScoped
public class KeyStore {

    private final Pool pool;

    public KeyStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * A key as stored.
     *
     * @param revokedAt from when it is refused (ahead of now during a revocation's grace period), or null
     */
    public record StoredKey(UUID id, String prefix, byte[] hash, String name, String tenant, Set<Scope> scopes,
                            Instant createdAt, Instant expiresAt, Instant revokedAt) {

        /** Until when it is valid, or null when it has no end. */
        public Instant validUntil() {
            if (expiresAt == null) {
                return revokedAt;
            }
            return revokedAt == null || expiresAt.isBefore(revokedAt) ? expiresAt : revokedAt;
        }

        static StoredKey of(Row row) {
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String scope : row.getArrayOfStrings("scopes")) {
                Scope.fromWire(scope).ifPresent(scopes::add); // a scope of a newer version means nothing here
            }
            return new StoredKey(row.getUUID("id"), row.getString("prefix"), row.getBuffer("secret_hash").getBytes(),
                    row.getString("name"), row.getString("tenant"), Set.copyOf(scopes), instant(row, "created_at"),
                    instant(row, "expires_at"), instant(row, "revoked_at"));
        }
    }

    /** The key whose visible prefix is {@code prefix}, or empty. */
    public Uni<Optional<StoredKey>> byPrefix(String prefix) {
        return pool.preparedQuery("SELECT * FROM api_keys WHERE prefix = $1").execute(Tuple.of(prefix))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(KeyStore::first);
    }

    public Uni<Void> insert(StoredKey key) {
        return pool.preparedQuery("""
                        INSERT INTO api_keys (id, prefix, secret_hash, name, tenant, scopes, created_at, expires_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""")
                .execute(Tuple.tuple().addUUID(key.id()).addString(key.prefix())
                        .addBuffer(io.vertx.mutiny.core.buffer.Buffer.buffer(key.hash())).addString(key.name())
                        .addString(key.tenant())
                        .addArrayOfString(key.scopes().stream().map(Scope::wire).toArray(String[]::new))
                        .addOffsetDateTime(utc(key.createdAt())).addOffsetDateTime(utc(key.expiresAt())))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .replaceWithVoid();
    }

    /** The keys of {@code tenant}, oldest first. */
    public Uni<List<StoredKey>> list(String tenant) {
        return pool.preparedQuery("SELECT * FROM api_keys WHERE tenant = $1 ORDER BY created_at, id")
                .execute(Tuple.of(tenant))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> {
                    List<StoredKey> keys = new ArrayList<>(rows.size());
                    rows.forEach(row -> keys.add(StoredKey.of(row)));
                    return keys;
                });
    }

    /**
     * Revokes key {@code id} of {@code tenant} from {@code at} on, unless it is already revoked sooner.
     *
     * @return the key after it, or empty when {@code tenant} has no such key
     */
    public Uni<Optional<StoredKey>> revoke(String tenant, UUID id, Instant at) {
        return pool.preparedQuery("""
                        UPDATE api_keys SET revoked_at = LEAST(COALESCE(revoked_at, $3), $3)
                         WHERE tenant = $1 AND id = $2 RETURNING *""")
                .execute(Tuple.of(tenant, id, utc(at)))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(KeyStore::first);
    }

    private static Optional<StoredKey> first(RowSet<Row> rows) {
        return rows.rowCount() == 0 ? Optional.empty() : Optional.of(StoredKey.of(rows.iterator().next()));
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
