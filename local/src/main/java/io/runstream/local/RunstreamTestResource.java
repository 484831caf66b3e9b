package io.runstream.local;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives a {@code @QuarkusTest} class real Redis and PostgreSQL of its own: a fresh database (dropped afterwards)
 * and a fresh Redis key prefix, on the servers {@link LocalInfrastructure} found or started.
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
 * class RunResourceTest { ... }
 * }</pre>
 *
 * <p>The database is migrated before the app starts, as {@code runstream-migrate} does in a deployment.
 *
 * <p>Init args simulate outages: {@code redis=unreachable} or {@code postgres=unreachable} point the app at a port
 * where nothing listens (the database is then not migrated); {@code schema=none} leaves the database unmigrated; {@code redis=dedicated} starts a Redis for the
 * class alone, which its tests may pause or stop; {@code redis-user=NAME} connects to Redis as that ACL user.
 */
public class RunstreamTestResource implements QuarkusTestResourceLifecycleManager {

    /**
     * Where the app under {@code @QuarkusTest} or {@code @QuarkusIntegrationTest} serves health and metrics: its
     * management interface, on the free port {@link #start} chose for the class.
     */
    public static int managementTestPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.management.test-port", Integer.class);
    }

    private String database;
    private Map<String, String> settings = Map.of();
    private LocalInfrastructure.OwnRedis dedicatedRedis;
    private Map<String, String> args = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        args = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        LocalInfrastructure infra = LocalInfrastructure.shared();
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        database = "rs_test_" + id;
        if ("unreachable".equals(args.get("postgres")) || "none".equals(args.get("schema"))) {
            infra.ensureDatabase(database);
        } else {
            infra.ensureMigratedDatabase(database);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.redis.hosts", infra.redisUri());
        config.put("quarkus.datasource.reactive.url", infra.reactiveUrl(database));
        config.put("quarkus.datasource.username", infra.username());
        config.put("quarkus.datasource.password", infra.password());
        config.put("runstream.key-prefix", "rs-test-" + id);
        // health and metrics on a free port of the class's own: a @QuarkusTest reads quarkus.management.test-port, a
        // @QuarkusIntegrationTest's packaged app quarkus.management.port
        String management = Integer.toString(LocalInfrastructure.freePort());
        config.put("quarkus.management.test-port", management);
        config.put("quarkus.management.port", management);
        String deadPort = Integer.toString(LocalInfrastructure.freePort());
        if ("unreachable".equals(args.get("redis"))) {
            config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + deadPort);
        }
        if ("unreachable".equals(args.get("postgres"))) {
            config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + deadPort + "/" + database);
        }
        if ("dedicated".equals(args.get("redis"))) {
            dedicatedRedis = LocalInfrastructure.startRedis(LocalInfrastructure.freePort());
            config.put("quarkus.redis.hosts", dedicatedRedis.uri());
        }
        if (args.containsKey("redis-user")) {
            config.put("quarkus.redis.hosts", infra.redisUri().replace("redis://", "redis://" + args.get("redis-user")
                    + ":any@"));
        }
        settings = Map.copyOf(config);
        return config;
    }

    /**
     * Gives a test the settings its app was started with (database, key prefix, Redis): a field
     * {@code @RunstreamTestResource.Settings Map<String, String>} — for tests of the packaged app, which cannot
     * inject the app's beans.
     */
    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(settings, new TestInjector.AnnotatedAndMatchesType(Settings.class, Map.class));
    }

    /** Marks the field that receives the app's settings. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.FIELD)
    public @interface Settings {
    }

    @Override
    public void stop() {
        if (dedicatedRedis != null) {
            dedicatedRedis.close();
        }
        if (database != null) {
            LocalInfrastructure.shared().dropDatabase(database);
        }
    }
}
