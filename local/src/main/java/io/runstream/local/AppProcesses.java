package io.runstream.local;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.ScanParams;
import redis.clients.jedis.ScanResult;
import redis.clients.jedis.StreamEntry;
import redis.clients.jedis.StreamEntryID;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The packaged api and workers, started as processes on a database and key prefix of their own, on the Redis and
 * PostgreSQL of a {@link LocalInfrastructure}; for end-to-end tests and benchmarks. Their output goes to
 * {@code <module>/target/<kind>-logs/<name>/}. The repository root is {@code runstream.home} (default {@code ..}).
 */
public final class AppProcesses implements AutoCloseable {

    /**
     * The JUnit tag of the end-to-end tests that also run against the native executables: {@code ./mvnw verify
     * -Dnative} runs only these in {@code e2e/}, with {@code runstream.native} naming the apps to start native.
     */
    public static final String NATIVE_TAG = "native";

    private static final Path ROOT = Path.of(System.getProperty("runstream.home", "..")).toAbsolutePath().normalize();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    public final LocalInfrastructure infra;
    public final String database;
    public final String keyPrefix;
    public final int apiPort = LocalInfrastructure.freePort();
    /** The api's management interface ({@code /q/health}, {@code /q/metrics}): a port of its own. */
    public final int apiManagementPort = freshPort();

    /** A client without a key: what a stranger sends. */
    public final HttpClient plainHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** An admin key of the tenant {@code default}, made in the apps' database before they start. */
    public final String adminKey;
    /** A client that sends {@link #adminKey} with every request that carries no key of its own. */
    public final HttpClient http;
    private final Path logs;
    private Process api;
    private final List<Process> workers = new ArrayList<>();
    /** Each worker's management port, its only one (health and metrics), in the order of {@link #workers}. */
    private final List<Integer> workerPorts = new ArrayList<>();
    /** Api replicas beside the first, on ports of their own. */
    private final List<Process> replicas = new ArrayList<>();

    /** Apps of an end-to-end test {@code name} on the shared servers. */
    public AppProcesses(String name) throws IOException {
        this("e2e", name, LocalInfrastructure.shared());
    }

    /** Apps of an end-to-end test {@code name} on the given servers (e.g. ones the test stops and starts). */
    public AppProcesses(String name, LocalInfrastructure infra) throws IOException {
        this("e2e", name, infra);
    }

    /**
     * @param kind  {@code e2e} or {@code bench}: names the database, key prefix and log folder
     * @param name  names the log folder
     * @param infra the servers
     */
    public AppProcesses(String kind, String name, LocalInfrastructure infra) throws IOException {
        this.infra = infra;
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        database = "rs_" + kind + "_" + id;
        keyPrefix = "rs-" + kind + "-" + id;
        // one folder per instance: its logs tell this test only (apps restarted within it append to theirs)
        logs = ROOT.resolve(kind + "/target/" + kind + "-logs/" + name + "-" + id);
        Files.createDirectories(logs);
        infra.ensureMigratedDatabase(database);
        adminKey = infra.createKey(database, "default", "e2e-admin", "admin");
        http = new KeyedHttpClient(plainHttp, adminKey);
        // if the JVM that started the apps goes away, they go too: orphans would hold ports and connections
        Runtime.getRuntime().addShutdownHook(new Thread(this::destroyAll, "app-processes-stop"));
    }

    private void destroyAll() {
        List<Process> all = new ArrayList<>(workers);
        all.addAll(replicas);
        all.add(api);
        all.stream().filter(p -> p != null && p.isAlive()).forEach(Process::destroyForcibly);
    }

    /** Starts a worker and the api and waits until both are ready. */
    public AppProcesses start(Map<String, String> extraEnv) {
        startWorker(extraEnv);
        startApi(extraEnv);
        return this;
    }

    /**
     * Starts the api (when {@link #start} was not used, or again after it stopped, on the same port) and waits until
     * it is ready.
     */
    public void startApi(Map<String, String> extraEnv) {
        api = launch("api", "api", apiPort, apiManagementPort, extraEnv);
        awaitReadyOrDestroy(apiManagementPort, api);
    }

    /**
     * Starts one more api replica, on a port of its own, on the same database and Redis keys, and waits until it is
     * ready; returns its port.
     */
    public int startApiReplica(Map<String, String> extraEnv) {
        int port = freshPort();
        int managementPort = freshPort(port);
        Process replica = launch("api", "api-" + (replicas.size() + 2), port, managementPort, extraEnv);
        replicas.add(replica);
        awaitReadyOrDestroy(managementPort, replica);
        return port;
    }

    /** Kills every api replica started by {@link #startApiReplica} with SIGKILL, as a crash would. */
    public void killApiReplicas() throws InterruptedException {
        for (Process replica : replicas) {
            replica.destroyForcibly();
            replica.waitFor();
        }
    }

    /** The api's readiness status code now. */
    public int apiReadiness() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(apiManagement("/q/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Starts one more worker and waits until it is ready; returns its index. */
    public int startWorker(Map<String, String> extraEnv) {
        int port = freshPort();
        Process worker = launch("worker", "worker", 0, port, extraEnv);
        workers.add(worker);
        workerPorts.add(port);
        awaitReadyOrDestroy(port, worker);
        return workers.size() - 1;
    }

    /** Kills worker {@code index} with SIGKILL, as a crash would. */
    public void killWorker(int index) throws InterruptedException {
        Process worker = workers.get(index);
        worker.destroyForcibly();
        worker.waitFor();
    }

    /** Stops worker {@code index} with SIGTERM and waits for it to exit; returns its exit code. */
    public int terminateWorker(int index) throws InterruptedException {
        return terminate(workers.get(index));
    }

    /** Starts worker {@code index} again after it stopped, and waits until it is ready. */
    public void restartWorker(int index, Map<String, String> extraEnv) {
        int port = freshPort();
        Process worker = launch("worker", "worker", 0, port, extraEnv);
        workers.set(index, worker);
        workerPorts.set(index, port);
        awaitReadyOrDestroy(port, worker);
    }

    /**
     * A free port other than the api's two and {@code taken}: the api's are chosen before the api listens, and another
     * app on one of them would answer the api's readiness check.
     */
    private int freshPort(int... taken) {
        while (true) {
            int port = LocalInfrastructure.freePort();
            if (port != apiPort && port != apiManagementPort && Arrays.stream(taken).noneMatch(t -> t == port)) {
                return port;
            }
        }
    }

    /**
     * Waits for {@code process} to be ready on its management port; kills it if it is not, so no failed start leaves
     * an orphan behind.
     */
    private void awaitReadyOrDestroy(int port, Process process) {
        try {
            awaitReady(port, process);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Stops the api with SIGTERM and waits for it to exit; returns its exit code. */
    public int terminateApi() throws InterruptedException {
        return terminate(api);
    }

    /** Kills the api with SIGKILL, as a crash would. */
    public void killApi() throws InterruptedException {
        api.destroyForcibly();
        api.waitFor();
    }

    /** The api's process id. */
    public long apiPid() {
        return api.pid();
    }

    /** Worker {@code index}'s process id. */
    public long workerPid(int index) {
        return workers.get(index).pid();
    }

    /** The api's resident set size now, in MiB (Linux). */
    public long apiRssMib() throws IOException {
        return rssMib(api);
    }

    /** Worker {@code index}'s resident set size now, in MiB (Linux). */
    public long workerRssMib(int index) throws IOException {
        return rssMib(workers.get(index));
    }

    private static long rssMib(Process process) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).findFirst().orElse(-1);
    }

    /** How many {@code result} events each run's event stream holds, in the order of {@code runIds}. */
    public List<Long> resultEventsPerRun(List<String> runIds) {
        try (Jedis jedis = new Jedis(URI.create(infra.redisUri()))) {
            return runIds.stream().map(id -> jedis.xrange(keyPrefix + ":{run:" + id + "}:events",
                            (StreamEntryID) null, (StreamEntryID) null, Integer.MAX_VALUE).stream()
                    .map(StreamEntry::getFields).filter(f -> "result".equals(f.get("type"))).count()).toList();
        }
    }

    /**
     * What the apps have recorded, counted: rows of runs, schedules, keys and the outbox in PostgreSQL, and the
     * run and queue keys in Redis. Two equal footprints around a request mean it wrote nothing.
     */
    public Map<String, Long> footprint() {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection db = LocalInfrastructure.connect(infra.jdbcUrl(database), infra.username(),
                infra.password()); Statement statement = db.createStatement()) {
            for (String table : List.of("runs", "schedules", "api_keys", "outbox")) {
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
                    rows.next();
                    counts.put(table, rows.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot count what " + database + " holds: " + e.getMessage(), e);
        }
        try (Jedis jedis = new Jedis(URI.create(infra.redisUri()))) {
            counts.put("redis run keys", (long) jedis.keys(keyPrefix + ":{run:*").size());
            counts.put("redis queue keys", (long) jedis.keys(keyPrefix + ":{q:*").size());
        }
        return counts;
    }

    public URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + path);
    }

    /** A path on worker {@code index}'s management interface, e.g. {@code /q/metrics}. */
    public URI workerManagement(int index, String path) {
        return URI.create("http://127.0.0.1:" + workerPorts.get(index) + path);
    }

    /** A path on the api's management interface, e.g. {@code /q/health/ready} or {@code /q/metrics}. */
    public URI apiManagement(String path) {
        return URI.create("http://127.0.0.1:" + apiManagementPort + path);
    }

    public Path log(String app) {
        return logs.resolve(app + ".log");
    }

    /**
     * Starts {@code app} serving its API on {@code port} (the api; 0 for the worker, which has none) and health and
     * metrics on {@code managementPort}, on loopback only.
     */
    private Process launch(String app, String logName, int port, int managementPort, Map<String, String> extraEnv) {
        Path log = log(logName);
        List<String> command = command(app);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(Path.of(command.get(command.size() - 1)).getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        if (port > 0) {
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        }
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_REDIS_HOSTS", infra.redisUri());
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", infra.reactiveUrl(database));
        env.put("QUARKUS_DATASOURCE_USERNAME", infra.username());
        env.put("QUARKUS_DATASOURCE_PASSWORD", infra.password());
        env.put("RUNSTREAM_KEY_PREFIX", keyPrefix);
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false"); // text lines, which tests read; JsonLogsEndToEndTest sets true
        // worker settings stay with the workers: an incoming channel setting would declare that channel in the api
        extraEnv.forEach((name, value) -> {
            if (app.equals("worker") || !(name.startsWith("MP_MESSAGING_INCOMING_") || name.startsWith("RUNSTREAM_WORKER_"))) {
                env.put(name, value);
            }
        });
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + app + ": " + e.getMessage(), e);
        }
    }

    /**
     * How an app is started: its native executable ({@code target/runstream-<app>-*-runner}, from
     * {@code ./mvnw package -Dnative}) when the system property {@code runstream.native} names it (e.g.
     * {@code -Drunstream.native=worker}, or {@code api,worker}), else its fast-jar on this JVM with its start-up cache
     * and the JVM options its build put beside it ({@code jvm.options}), as deploy/jvm-app.sh starts it.
     */
    static List<String> command(String app) {
        if (List.of(System.getProperty("runstream.native", "").split(",")).contains(app)) {
            Path target = ROOT.resolve(app + "/target");
            try (var files = Files.list(target)) {
                Path runner = files.filter(f -> f.getFileName().toString().matches("runstream-" + app + "-.*-runner"))
                        .filter(Files::isExecutable).findFirst()
                        .orElseThrow(() -> new IllegalStateException("runstream.native names " + app + " but " + target
                                + " has no native executable: build it with ./mvnw package -Dnative -pl " + app));
                return List.of(runner.toString());
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + target + ": " + e.getMessage(), e);
            }
        }
        Path jar = ROOT.resolve(app + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the apps before running the e2e tests");
        }
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(javaCommand));
        command.addAll(jvmOptions(jar.getParent()));
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /**
     * The JVM options its build made for an app, as deploy/jvm-app.sh applies them: the start-up cache for this JDK
     * (the AOT cache {@code app.aot}, JDK 25+, trained by the integration tests, else the AppCDS archive
     * {@code app-cds.jsa}, else none), then the app's own options, {@code jvm.options} as an argument file (the
     * worker's: its collector, heap and JIT), when there is one.
     */
    static List<String> jvmOptions(Path appDir) {
        List<String> options = new ArrayList<>();
        if (Files.isRegularFile(appDir.resolve("app.aot"))) {
            options.add("-XX:AOTCache=" + appDir.resolve("app.aot"));
        } else if (Files.isRegularFile(appDir.resolve("app-cds.jsa"))) {
            options.add("-XX:SharedArchiveFile=" + appDir.resolve("app-cds.jsa"));
        }
        if (Files.isRegularFile(appDir.resolve("jvm.options"))) {
            options.add("@" + appDir.resolve("jvm.options"));
        }
        return options;
    }

    private void awaitReady(int port, Process process) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("a process died at start; see " + logs);
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for port " + port, e);
            }
            try {
                // polling a process that is starting (no test framework in main code), finely: a native app is
                // ready in tens of milliseconds, and the benchmarks' start-up figures are this loop's
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for port " + port, e);
            }
        }
        throw new IllegalStateException("an app did not become ready on port " + port + " within " + READY_TIMEOUT
                + "; see " + logs);
    }

    /** Stops every app with SIGTERM and returns their exit codes (api first, then the workers). */
    public int[] stop() throws InterruptedException {
        int[] codes = new int[1 + workers.size()];
        codes[0] = terminate(api);
        for (int i = 0; i < workers.size(); i++) {
            codes[i + 1] = terminate(workers.get(i));
        }
        for (Process replica : replicas) {
            terminate(replica);
        }
        return codes;
    }

    /** Stops {@code apps} with SIGTERM, then drops what they kept; nothing when they never started (null). */
    public static void stopAndClose(AppProcesses apps) throws InterruptedException {
        if (apps != null) {
            apps.stop();
            apps.close();
        }
    }

    private static int terminate(Process process) throws InterruptedException {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        List<Process> all = new ArrayList<>(workers);
        all.addAll(replicas);
        all.add(api);
        for (Process p : all) {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
        infra.dropDatabase(database);
        deleteKeys();
    }

    /** Deletes this instance's Redis keys (events keep a 24 h TTL otherwise); quietly, if Redis is gone. */
    private void deleteKeys() {
        try (Jedis jedis = new Jedis(URI.create(infra.redisUri()))) {
            ScanParams match = new ScanParams().match(keyPrefix + ":*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, match);
                if (!page.getResult().isEmpty()) {
                    jedis.unlink(page.getResult().toArray(String[]::new));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        } catch (RuntimeException e) {
            // a test that stopped its own Redis: nothing left to clean
        }
    }
}
