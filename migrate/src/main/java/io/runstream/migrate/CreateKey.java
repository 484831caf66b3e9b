package io.runstream.migrate;

import io.runstream.auth.ApiKeys;
import io.runstream.auth.Scope;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * {@code runstream-migrate create-key}: makes an API key in the database and prints it, once — how a deployment gets
 * the first admin key of a tenant (there are no default credentials); keys after it are made with
 * {@code POST /api/keys}. The key goes to standard output alone, what was made to standard error.
 *
 * <pre>
 * java -jar migrate/target/runstream-migrate-*.jar create-key --tenant acme --name bootstrap --scopes admin
 * </pre>
 */
public final class CreateKey {

    static final String USAGE = "usage: runstream-migrate create-key --tenant <tenant> --name <name> "
            + "[--scopes <scope>[,<scope>...]] [--expires-in <ISO-8601 duration, e.g. P90D>]; scopes: "
            + String.join(", ", Scope.wireNames()) + " (default admin)";

    private CreateKey() {
    }

    /** A key to make. @param expiresIn null: no expiry */
    public record Request(String tenant, String name, List<Scope> scopes, Duration expiresIn) {

        public Request {
            if (!ApiKeys.isTenant(tenant)) {
                throw new IllegalArgumentException("--tenant must be " + ApiKeys.TENANT_RULE + "; was '" + tenant + "'");
            }
            if (!ApiKeys.isName(name)) {
                throw new IllegalArgumentException("--name must be " + ApiKeys.NAME_RULE);
            }
            if (scopes.isEmpty()) {
                throw new IllegalArgumentException("--scopes names no scope");
            }
            if (expiresIn != null && (expiresIn.isNegative() || expiresIn.isZero())) {
                throw new IllegalArgumentException("--expires-in must be a positive duration; was " + expiresIn);
            }
            scopes = List.copyOf(scopes);
        }

        /** From the command's arguments (after {@code create-key}). @throws IllegalArgumentException naming what is wrong */
        static Request parse(List<String> args) {
            String tenant = null;
            String name = null;
            List<Scope> scopes = List.of(Scope.ADMIN);
            Duration expiresIn = null;
            for (int i = 0; i < args.size(); i += 2) {
                String option = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args.get(i + 1);
                switch (option) {
                    case "--tenant" -> tenant = value;
                    case "--name" -> name = value;
                    case "--scopes" -> {
                        List<Scope> parsed = new ArrayList<>();
                        for (String scope : value.split(",")) {
                            parsed.add(Scope.fromWire(scope.trim()).orElseThrow(() -> new IllegalArgumentException(
                                    "unknown scope '" + scope.trim() + "'")));
                        }
                        scopes = parsed;
                    }
                    case "--expires-in" -> {
                        try {
                            expiresIn = Duration.parse(value);
                        } catch (DateTimeParseException e) {
                            throw new IllegalArgumentException("--expires-in must be an ISO-8601 duration such as "
                                    + "P90D; was '" + value + "'");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + option + "'");
                }
            }
            if (tenant == null || name == null) {
                throw new IllegalArgumentException("--tenant and --name are required");
            }
            return new Request(tenant, name, scopes, expiresIn);
        }
    }

    /** Makes the key in {@code target} (which must be migrated) and returns it: the only time it is seen whole. */
    public static String create(Migrate.Target target, Request request) {
        ApiKeys.NewKey key = ApiKeys.generate();
        Properties properties = new Properties();
        properties.setProperty("user", target.user());
        if (target.password() != null) {
            properties.setProperty("password", target.password());
        }
        Instant now = Instant.now();
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), properties);
             PreparedStatement insert = connection.prepareStatement("""
                     INSERT INTO api_keys (id, prefix, secret_hash, name, tenant, scopes, created_at, expires_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
            insert.setObject(1, UUID.randomUUID());
            insert.setString(2, key.prefix());
            insert.setBytes(3, key.hash());
            insert.setString(4, request.name());
            insert.setString(5, request.tenant());
            insert.setArray(6, connection.createArrayOf("text", request.scopes().stream().map(Scope::wire).toArray()));
            insert.setTimestamp(7, Timestamp.from(now));
            insert.setTimestamp(8, request.expiresIn() == null ? null : Timestamp.from(now.plus(request.expiresIn())));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot record the key in " + target + " (has runstream-migrate run?): "
                    + e.getMessage(), e);
        }
        return key.key();
    }

    static void main(List<String> args) {
        Request request;
        try {
            request = Request.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("runstream-migrate create-key: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try {
            String key = create(Migrate.Target.ofEnvironment(System.getenv()), request);
            System.err.printf("runstream-migrate: key '%s' of tenant %s (scopes %s) made; it is shown this once:%n",
                    request.name(), request.tenant(), request.scopes().stream().map(Scope::wire).toList());
            System.out.println(key);
        } catch (RuntimeException e) {
            System.err.println("runstream-migrate create-key: failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
