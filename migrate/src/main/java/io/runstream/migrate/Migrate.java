package io.runstream.migrate;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Brings a PostgreSQL database to the schema this version of Runstream needs (the Flyway migrations in
 * {@code db/migration}), then exits. It runs once before the apps start — {@code ./start-local} does it, a
 * Kubernetes Job, a Compose service and a systemd unit do it in a deployment — so the api and the worker carry no
 * JDBC driver, Flyway, Agroal or Narayana, and check only that the schema is there ({@code SchemaCheck}).
 * Concurrent runs are safe: Flyway holds a PostgreSQL advisory lock while it migrates, and a migrated database is
 * left as it is.
 *
 * <p>It reads the same variables as the apps: {@code QUARKUS_DATASOURCE_REACTIVE_URL} (default
 * {@code postgresql://127.0.0.1:5432/runstream}; user and password in it are honoured, its query parameters such as
 * {@code sslmode} are passed on), {@code QUARKUS_DATASOURCE_USERNAME} (default {@code postgres}) and
 * {@code QUARKUS_DATASOURCE_PASSWORD}.
 *
 * <pre>
 * java -jar migrate/target/runstream-migrate-*.jar
 * runstream-migrate: schema at version 5 (1 migration applied) in 412 ms
 * </pre>
 */
public final class Migrate {

    /** Where the migrations are on the class path. */
    public static final String LOCATION = "classpath:db/migration";
    static final String DEFAULT_URL = "postgresql://127.0.0.1:5432/runstream";

    private Migrate() {
    }

    /**
     * A database to migrate.
     *
     * @param jdbcUrl  its JDBC URL
     * @param user     the user to connect as
     * @param password its password, or null
     */
    public record Target(String jdbcUrl, String user, String password) {

        /**
         * The database of a Vert.x PostgreSQL connection URI ({@code postgresql://[user[:password]@]host[:port]/db
         * [?params]}), as the apps are configured; {@code user} and {@code password} apply where the URI has none.
         *
         * @throws IllegalArgumentException naming what is wrong with {@code uri}
         */
        public static Target ofReactiveUrl(String uri, String user, String password) {
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a PostgreSQL connection URI: '" + uri + "' (" + e.getMessage()
                        + ")", e);
            }
            if (!"postgresql".equals(parsed.getScheme()) && !"postgres".equals(parsed.getScheme())) {
                throw new IllegalArgumentException("not a PostgreSQL connection URI (postgresql://host:port/db): '"
                        + uri + "'");
            }
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("the PostgreSQL connection URI '" + uri + "' names no host (one "
                        + "host: the migrations run against the primary)");
            }
            String database = parsed.getRawPath() == null || parsed.getRawPath().length() <= 1 ? "postgres"
                    : parsed.getRawPath().substring(1);
            StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(parsed.getHost());
            if (parsed.getPort() > 0) {
                jdbc.append(':').append(parsed.getPort());
            }
            jdbc.append('/').append(database);
            if (parsed.getRawQuery() != null) {
                jdbc.append('?').append(parsed.getRawQuery());
            }
            String info = parsed.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                user = decode(colon < 0 ? info : info.substring(0, colon));
                if (colon >= 0) {
                    password = decode(info.substring(colon + 1));
                }
            }
            return new Target(jdbc.toString(), user, password);
        }

        /** The database the apps' variables in {@code env} name. */
        public static Target ofEnvironment(Map<String, String> env) {
            return ofReactiveUrl(env.getOrDefault("QUARKUS_DATASOURCE_REACTIVE_URL", DEFAULT_URL),
                    env.getOrDefault("QUARKUS_DATASOURCE_USERNAME", "postgres"),
                    env.get("QUARKUS_DATASOURCE_PASSWORD"));
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return jdbcUrl + " as " + user; // never the password
        }
    }

    /**
     * What a migration did.
     *
     * @param version the schema version now
     * @param applied how many migrations this call applied
     */
    public record Result(String version, int applied) {
    }

    /** Applies the migrations that {@code target} lacks; returns its version afterwards. */
    public static Result apply(Target target) {
        MigrateResult result = Flyway.configure(Migrate.class.getClassLoader())
                .dataSource(target.jdbcUrl(), target.user(), target.password())
                .locations(LOCATION)
                .validateMigrationNaming(true)
                .load()
                .migrate();
        String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                : result.initialSchemaVersion;
        return new Result(version, result.migrationsExecuted);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("create-key")) {
            CreateKey.main(List.of(args).subList(1, args.length));
            return;
        }
        if (args.length > 0) {
            System.err.println("runstream-migrate takes no arguments (or create-key: " + CreateKey.USAGE + "); it "
                    + "reads QUARKUS_DATASOURCE_REACTIVE_URL, QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD");
            System.exit(2);
        }
        long started = System.nanoTime();
        try {
            Target target = Target.ofEnvironment(System.getenv());
            Result result = apply(target);
            System.out.printf("runstream-migrate: %s at schema version %s (%d migration%s applied) in %d ms%n",
                    target, result.version(), result.applied(), result.applied() == 1 ? "" : "s",
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
            System.err.println("runstream-migrate: failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
