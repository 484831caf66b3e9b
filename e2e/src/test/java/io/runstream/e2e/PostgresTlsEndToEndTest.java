package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import io.runstream.local.LocalInfrastructure;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The apps and {@code runstream-migrate} on a PostgreSQL that takes TLS connections only (its {@code pg_hba.conf}
 * rejects every other), each verifying the server's certificate and name ({@code verify-full}) against the one
 * certificate it is given — with nothing but the settings the README documents. A run goes through, and every
 * connection the apps hold to their database is encrypted ({@code pg_stat_ssl}).
 */
class PostgresTlsEndToEndTest {

    private static Path dir;
    private static EmbeddedPostgres pg;
    private static AppProcesses apps;
    private static String jdbcTls;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("runstream-pg-tls");
        Path certificate = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        selfSigned(certificate, key);
        int port = LocalInfrastructure.freePort();
        Path data = dir.resolve("data");
        pg = LocalInfrastructure.startPostgres(port, data, Map.of("ssl", "on",
                "ssl_cert_file", certificate.toString(), "ssl_key_file", key.toString()));
        String tls = "sslmode=verify-full&sslrootcert=" + certificate;
        jdbcTls = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?" + tls;
        // from now on: TLS or nothing
        Files.writeString(data.resolve("pg_hba.conf"), "hostssl all all 127.0.0.1/32 trust\n"
                + "hostnossl all all all reject\n");
        try (Connection c = LocalInfrastructure.connect(jdbcTls, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("SELECT pg_reload_conf()");
        }
        LocalInfrastructure infra = LocalInfrastructure.of(LocalInfrastructure.shared().redisUri(), "127.0.0.1", port,
                "postgres", "").withJdbcParameters(tls);
        apps = new AppProcesses("postgres-tls", infra).start(Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_POSTGRESQL_SSL_MODE", "verify-full",
                "QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM", "true",
                "QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS", certificate.toString(),
                "QUARKUS_DATASOURCE_REACTIVE_HOSTNAME_VERIFICATION_ALGORITHM", "HTTPS"));
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
        if (pg != null) {
            pg.close();
        }
    }

    /** runstream-migrate takes TLS through its URL's query, as the JDBC driver names it. */
    @Test
    void theMigrationCommandsTargetCarriesTheUrlsTlsParameters() {
        String url = "postgresql://127.0.0.1:" + pg.getPort() + "/" + apps.database + jdbcTls.replaceAll(".*\\?", "?");
        io.runstream.migrate.Migrate.Result result = io.runstream.migrate.Migrate.apply(
                io.runstream.migrate.Migrate.Target.ofReactiveUrl(url, "postgres", ""));
        assertThat(result.applied()).as("already migrated, over TLS, by the apps' start").isZero();
        assertThat(result.version()).isNotBlank();
    }

    @Test
    void plainConnectionsAreRefused() {
        assertThatThrownBy(() -> LocalInfrastructure.connect(jdbcTls.replaceAll("\\?.*", "?sslmode=disable"),
                "postgres", "").close()).isInstanceOf(SQLException.class).hasMessageContaining("no encryption");
    }

    @Test
    void aRunGoesThroughOverTlsOnly() throws Exception {
        RunstreamClient client = new RunstreamClient(apps);
        String id = client.submit("echo", "{\"over\":\"tls\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.status(id).equals("completed"));
        assertThat(client.run(id).get("result").get("over").asText()).isEqualTo("tls");
        try (Connection c = LocalInfrastructure.connect(jdbcTls, "postgres", "");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT count(*) FILTER (WHERE NOT s.ssl), count(*) FROM pg_stat_activity a "
                     + "JOIN pg_stat_ssl s USING (pid) WHERE a.datname = '" + apps.database + "'")) {
            r.next();
            assertThat(r.getLong(2)).as("the apps' connections to their database").isPositive();
            assertThat(r.getLong(1)).as("of which not encrypted").isZero();
        }
    }

    /**
     * A self-signed certificate for 127.0.0.1 (its subject alternative name, so {@code verify-full} holds) and its
     * key, as PEM files PostgreSQL reads; made with the JDK's keytool.
     */
    private static void selfSigned(Path certificate, Path key) throws Exception {
        Path store = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "pg", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        Files.writeString(certificate, pem("CERTIFICATE", keys.getCertificate("pg").getEncoded()));
        Files.writeString(key, pem("PRIVATE KEY", keys.getKey("pg", "changeit".toCharArray()).getEncoded()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
