package io.runstream.local;

import io.runstream.auth.Scope;
import io.runstream.migrate.CreateKey;
import io.runstream.migrate.Migrate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the whole system on one machine, the "combined deployment": Redis and PostgreSQL (the configured ones, or
 * embedded ones where none answers), then the packaged api and worker as child processes, their output prefixed
 * with {@code [api]} and {@code [worker]}. Prints where the API listens once it is ready; Ctrl-C (or SIGTERM)
 * stops the apps gracefully, then the embedded servers.
 *
 * <p>The api listens on {@code QUARKUS_HTTP_PORT} (default 8080); health and metrics are on each app's management
 * interface, the api's on {@code RUNSTREAM_API_MANAGEMENT_PORT} (default 9000), the worker's on
 * {@code RUNSTREAM_WORKER_MANAGEMENT_PORT} (default 9001), both on localhost only. Other variables (e.g. {@code RUNSTREAM_KEY_PREFIX},
 * {@code RUNSTREAM_WORKER_CONCURRENCY}) pass through to both apps. Where no datasource is configured, the runs
 * are kept in the database {@code runstream}.
 */
public final class Launcher {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("runstream.home", ".")).toAbsolutePath().normalize();
        Path apiJar = home.resolve("api/target/quarkus-app/quarkus-run.jar");
        Path workerJar = home.resolve("worker/target/quarkus-app/quarkus-run.jar");
        for (Path jar : List.of(apiJar, workerJar)) {
            if (!Files.isRegularFile(jar)) {
                System.err.println("runstream: " + jar + " is missing; build first: ./mvnw -DskipTests package");
                System.exit(2);
            }
        }

        Map<String, String> env = System.getenv();
        LocalInfrastructure infra = LocalInfrastructure.shared();
        boolean databaseConfigured = env.containsKey("QUARKUS_DATASOURCE_REACTIVE_URL");
        String database = "runstream";
        // the schema first, as runstream-migrate does in a deployment: the apps only check it is there
        Migrate.Target target;
        if (databaseConfigured) {
            target = Migrate.Target.ofEnvironment(env);
            Migrate.apply(target);
        } else {
            infra.ensureMigratedDatabase(database);
            target = new Migrate.Target(infra.jdbcUrl(database), infra.username(), infra.password());
        }
        // auth is on, as in production, and there are no default credentials: a fresh admin key for this session
        String adminKey = CreateKey.create(target, new CreateKey.Request("default", "start-local " + Instant.now(),
                List.of(Scope.ADMIN), null));
        System.out.println("runstream: using " + infra.describe());

        int apiPort = Integer.parseInt(env.getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        int apiManagementPort = Integer.parseInt(env.getOrDefault("RUNSTREAM_API_MANAGEMENT_PORT", "9000"));
        int workerManagementPort = Integer.parseInt(env.getOrDefault("RUNSTREAM_WORKER_MANAGEMENT_PORT", "9001"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<Process> apps = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAll(apps), "runstream-stop"));
        apps.add(start("worker", java, workerJar, Map.of("QUARKUS_MANAGEMENT_PORT",
                Integer.toString(workerManagementPort)), infra, database, databaseConfigured));
        apps.add(start("api", java, apiJar, Map.of("QUARKUS_HTTP_PORT", Integer.toString(apiPort),
                "QUARKUS_MANAGEMENT_PORT", Integer.toString(apiManagementPort)), infra, database, databaseConfigured));

        String api = "http://localhost:" + apiPort;
        if (!awaitReady("http://localhost:" + apiManagementPort + "/q/health/ready", apps)) {
            System.err.println("runstream: the api did not become ready within " + READY_TIMEOUT.toSeconds() + " s");
            System.exit(1);
        }
        System.out.println("runstream: API listening on " + api + "  (health and metrics: api http://localhost:"
                + apiManagementPort + "/q/health, worker http://localhost:" + workerManagementPort
                + "/q/health; Ctrl-C stops everything)");
        System.out.println("runstream: admin key of tenant 'default' (shown this once; more with POST /api/keys): "
                + adminKey);
        System.out.println("runstream: try  curl -H 'Authorization: Bearer " + adminKey + "' " + api + "/api/pipelines");
        System.out.println("runstream: dashboard at " + api + "/dashboard/ (sign in with the key above)");
        for (Process app : apps) {
            int code = app.waitFor();
            if (code != 0 && code != 143 && code != 130) {
                System.err.println("runstream: a process exited with " + code + "; stopping");
                System.exit(code);
            }
        }
    }

    private static Process start(String name, String java, Path jar, Map<String, String> ports,
                                 LocalInfrastructure infra, String database, boolean databaseConfigured)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.putAll(ports);
        // a local system: health and metrics answer on this machine only
        env.put("QUARKUS_MANAGEMENT_HOST", "localhost");
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false"); // a terminal: text lines
        env.put("QUARKUS_REDIS_HOSTS", infra.redisUri());
        if (!databaseConfigured) {
            env.put("QUARKUS_DATASOURCE_REACTIVE_URL", infra.reactiveUrl(database));
            env.put("QUARKUS_DATASOURCE_USERNAME", infra.username());
            env.put("QUARKUS_DATASOURCE_PASSWORD", infra.password());
        }
        Process process = builder.start();
        Thread pump = new Thread(() -> prefix(process, "[" + name + "] ", System.out), name + "-output");
        pump.setDaemon(true);
        pump.start();
        return process;
    }

    private static void prefix(Process process, String prefix, PrintStream out) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                out.println(prefix + line);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private static boolean awaitReady(String url, List<Process> apps) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (apps.stream().anyMatch(p -> !p.isAlive())) {
                return false;
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250); // polling an HTTP endpoint from a plain main(); no test framework here
        }
        return false;
    }

    private static void stopAll(List<Process> apps) {
        apps.forEach(Process::destroy);
        for (Process app : apps) {
            try {
                if (!app.waitFor(40, TimeUnit.SECONDS)) {
                    app.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
