package io.runstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runstream.local.AppProcesses;
import io.runstream.local.Fuzzer;
import io.runstream.local.LocalInfrastructure;
import io.runstream.local.SseRecorder;
import io.runstream.local.SseRecorder.Event;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs the peer benchmark's scenarios (see {@code shared/peers/bullmq/README.md}) against Runstream and prints one
 * {@code key=value} line per scenario and path, in the peer harness' field names where they mean the same.
 * <ul>
 *   <li>{@code path=queue}: the queue layer alone — the {@code bench-queue} app (our connector's producer and a
 *   consumer at the worker's concurrency in one process, no PostgreSQL), the peer harness' shape.</li>
 *   <li>{@code path=http}: the full path — HTTP submit → PostgreSQL → task stream → worker → PostgreSQL (and SSE
 *   for the streamed scenarios), with the packaged api and worker as processes. Times come from PostgreSQL's
 *   timestamps of each run and from the Redis entry ids of its events, so they are what the system recorded.</li>
 * </ul>
 *
 * <pre>
 * java -jar bench/target/runstream-bench-*.jar [--smoke] [scenario ...]
 * </pre>
 * {@code --smoke} runs the scenarios with tiny counts (the build does, so the driver cannot rot).
 */
public final class Bench {

    static final List<String> SCENARIOS = List.of("noop-throughput", "single-add-latency", "streamed-output",
            "fanout", "crash-recovery", "crash-recovery-fast", "startup", "scaling", "priority-jump", "delayed-start", "fuzz",
            "schedule-tick", "runs-view");

    private static final Path ROOT = Path.of(System.getProperty("runstream.home", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final boolean smoke;
    private final PrintStream out;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    Bench(boolean smoke, PrintStream out) {
        this.smoke = smoke;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        List<String> names = new ArrayList<>(Arrays.asList(args));
        boolean smoke = names.remove("--smoke");
        if (names.isEmpty()) {
            names = SCENARIOS;
        }
        Bench bench = new Bench(smoke, System.out);
        for (String name : names) {
            bench.run(name);
        }
        System.exit(0); // the SSE clients' HTTP client keeps threads alive
    }

    /** Runs scenario {@code name}; prints and returns its result lines. */
    List<String> run(String name) throws Exception {
        List<String> lines = switch (name) {
            case "noop-throughput" -> List.of(queueLayer(name, smoke ? 500 : 20_000, smoke ? 100 : 1_000, 50),
                    line(name, noopThroughput(true)), line(name, noopThroughput(false)));
            case "single-add-latency" -> List.of(queueLayer(name, smoke ? 50 : 2_000, smoke ? 20 : 200, 1),
                    line(name, singleAddLatency()));
            case "streamed-output" -> List.of(line(name, streamedOutput()));
            case "fanout" -> List.of(line(name, fanout()));
            case "crash-recovery" -> List.of(line(name, crashRecovery(false)));
            case "crash-recovery-fast" -> List.of(line(name, crashRecovery(true)));
            case "startup" -> List.of(line(name, startup()));
            case "scaling" -> List.of(line(name, scaling()));
            case "priority-jump" -> List.of(line(name, priorityJump()));
            case "delayed-start" -> List.of(line(name, delayedStart()));
            case "schedule-tick" -> List.of(line(name, scheduleTick()));
            case "runs-view" -> List.of(line(name, runsView()));
            case "fuzz" -> List.of(line(name, fuzz()));
            default -> throw new IllegalArgumentException("unknown scenario '" + name + "'; known: " + SCENARIOS);
        };
        lines.forEach(out::println);
        return lines;
    }

    /** The line of a full-path scenario; {@code native=} names the apps that ran as native executables. */
    private static String line(String scenario, Map<String, Object> result) {
        String nativeApps = System.getProperty("runstream.native", "");
        return "system=runstream path=http scenario=" + scenario + " native=" + (nativeApps.isBlank() ? "none" : nativeApps)
                + " " + result.entrySet().stream()
                .map(e -> e.getKey() + "=" + format(e.getValue())).collect(Collectors.joining(" "));
    }

    // --- queue layer --------------------------------------------------------------------------------------------

    /** Runs {@code scenario} in the bench-queue app on a stream of its own; returns the app's result line. */
    private String queueLayer(String scenario, int runs, int warmup, int concurrency) throws Exception {
        Path jar = ROOT.resolve("bench-queue/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the project first (./mvnw -DskipTests install)");
        }
        Path log = ROOT.resolve("bench/target/bench-logs/queue-" + scenario + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_REDIS_HOSTS", LocalInfrastructure.shared().redisUri());
        env.put("BENCH_SCENARIO", scenario);
        env.put("BENCH_RUNS", Integer.toString(runs));
        env.put("BENCH_WARMUP", Integer.toString(warmup));
        env.put("BENCH_CONCURRENCY", Integer.toString(concurrency));
        env.put("BENCH_STREAM", "rs-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                + ":{q:bench}:tasks");
        Process app = builder.start();
        if (!app.waitFor(10, TimeUnit.MINUTES)) {
            app.destroyForcibly();
            throw new IllegalStateException("the queue-layer benchmark did not end in 10 minutes; see " + log);
        }
        return Files.readAllLines(log).stream().filter(l -> l.startsWith("system=runstream path=queue")).findFirst()
                .orElseThrow(() -> new IllegalStateException("the queue-layer benchmark exited with " + app.exitValue()
                        + " and no result; see " + log));
    }

    // --- hostile requests ---------------------------------------------------------------------------------------

    /**
     * The long fuzz run (issue 14): {@code -Dbench.fuzz.requests} (default 100,000; smoke 2,000) malformed and hostile
     * requests ({@link Fuzzer}, seed {@code -Dbench.fuzz.seed}) over 16 connections to the packaged api, auth on.
     * Reports the answers by status, those outside 4xx, the hangs (no answer in 10 s), whether anything was recorded,
     * and whether the api is still ready and serves a run after.
     */
    private Map<String, Object> fuzz() throws Exception {
        int requests = smoke ? 2_000 : Integer.getInteger("bench.fuzz.requests", 100_000);
        long seed = Long.getLong("bench.fuzz.seed", System.currentTimeMillis());
        try (AppProcesses apps = apps("fuzz")) {
            apps.start(Map.of("RUNSTREAM_WORKERS_HEARTBEAT_INTERVAL", "1s"));
            Fuzzer.Keys keys = Fuzzer.prepare(apps);
            Map<String, Long> before = apps.footprint();
            Fuzzer.Report report = new Fuzzer("127.0.0.1", apps.apiPort, keys, seed).run(requests, 16);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("requests", report.sent());
            r.put("seed", seed);
            r.put("seconds", report.seconds100() / 100.0);
            r.put("requests_per_s", report.rate());
            r.put("hangs", report.hangs());
            r.put("outside_4xx", report.outside4xx());
            report.byStatus().forEach((status, n) -> r.put(status < 0 ? "closed_unanswered" : "status_" + status, n));
            r.put("recorded_nothing", apps.footprint().equals(before));
            r.put("ready_after", apps.apiReadiness() == 200);
            String after = submit(apps, "echo", "{}").get(30, TimeUnit.SECONDS);
            awaitRuns(apps, 1, "id = '" + after + "' AND status = 'completed'");
            r.put("served_after", true);
            r.put("api_rss_mib", apps.apiRssMib());
            report.samples().forEach(sample -> out.println("# " + sample));
            return r;
        }
    }

    // --- full path ----------------------------------------------------------------------------------------------

    private AppProcesses apps(String scenario) throws IOException {
        return new AppProcesses("bench", scenario, LocalInfrastructure.shared());
    }

    /**
     * N no-op ({@code echo}) runs ({@code -Dbench.noop.runs}, default 20,000) while one worker at concurrency 50
     * ({@code -Dbench.noop.concurrency}) reading 150 tasks ahead ({@code -Dbench.noop.read-ahead}: tuned as
     * graphile-worker's is, whose local queue takes 500 jobs ahead; 0 is the worker's default) consumes them, after
     * a warm-up: submitted in
     * batches of 1,000 ({@code POST /api/runs/batch}, one awaited after the other, as the PostgreSQL peers'
     * {@code addJobs} / {@code insert} are), or one by one over 64 persistent HTTP connections
     * ({@link KeepAliveSubmitter}).
     */
    private Map<String, Object> noopThroughput(boolean bulk) throws Exception {
        int runs = smoke ? 200 : Integer.getInteger("bench.noop.runs", 20_000);
        int warmup = smoke ? 50 : 1_000;
        int batch = smoke ? 50 : 1_000;
        int concurrency = Integer.getInteger("bench.noop.concurrency", 50);
        int readAhead = Integer.getInteger("bench.noop.read-ahead", 150);
        try (AppProcesses apps = apps("noop-throughput")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", Integer.toString(concurrency),
                    "RUNSTREAM_WORKER_READ_AHEAD", Integer.toString(readAhead)));
            submitConcurrently(apps, warmup, 64, "echo", "{}", id -> { });
            awaitRuns(apps, warmup, "status IN ('completed', 'failed')");
            Map<String, Object> cpuPerRun;
            double submitSeconds;
            try (Connection poller = connect(apps)) {
                // the driver's own counting is the driver's CPU, not PostgreSQL's, and stays in its one backend
                long pollerBackend = (Long) query(poller, "SELECT pg_backend_pid()::bigint AS pid, "
                        + "set_config('max_parallel_workers_per_gather', '0', false)").get("pid");
                CpuMeter cpu = new CpuMeter(apps.apiPid(), apps.workerPid(0), apps.infra.redisUri(), pollerBackend);
                cpu.start();
                long started = System.nanoTime();
                if (bulk) {
                    submitInBatches(apps, runs, batch, "echo", "{}");
                } else {
                    new KeepAliveSubmitter("127.0.0.1", apps.apiPort, apps.adminKey).submit("/api/runs",
                            "{\"pipeline\":\"echo\",\"input\":{}}", runs, 64);
                }
                submitSeconds = (System.nanoTime() - started) / 1e9;
                awaitNewest(poller, batch, "status IN ('completed', 'failed')");
                awaitRuns(poller, warmup + runs, "status IN ('completed', 'failed')");
                cpuPerRun = cpu.perRun(runs);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("submit", bulk ? "bulk" + batch : "single64");
            try (Connection db = connect(apps)) {
                r.putAll(query(db, """
                        SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                               count(*) FILTER (WHERE status <> 'completed') AS not_completed,
                               count(*) / EXTRACT(EPOCH FROM max(completed_at) - min(created_at)) AS runs_per_s,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - created_at) * 1000) AS e2e_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - created_at) * 1000) AS e2e_p99_ms
                          FROM (SELECT * FROM runs ORDER BY created_at OFFSET %d) measured""".formatted(warmup)));
                // the share of the runs' row updates that touched no index (the start and end of each run)
                r.putAll(query(db, """
                        SELECT round(n_tup_hot_upd::numeric / nullif(n_tup_upd, 0), 3) AS postgres_hot_update_share
                          FROM pg_stat_user_tables WHERE relname = 'runs'"""));
            }
            r.put("runs", runs);
            r.put("concurrency", concurrency);
            r.put("read_ahead", readAhead);
            r.put("enqueue_per_s", runs / submitSeconds);
            r.put("api_rss_mib", apps.apiRssMib());
            r.put("worker_rss_mib", apps.workerRssMib(0));
            r.putAll(cpuPerRun);
            apps.stop();
            return r;
        }
    }

    /**
     * Priority jump-ahead under a backlog: 5,000 {@code sleep} runs of priority 4 (200 ms each) fill a worker at
     * concurrency 4 (a slot frees every ~50 ms), then 50 {@code echo} runs of priority 1 are submitted one after the
     * other, each once the one before started. Per priority-1 run: submit → start, and how many priority-4 runs
     * started in between: 0 when it took the next free slot (the issue asks for "within one free slot"); 1 when a
     * slot freed while its submit was still on its way (the api's INSERT and XADD, the worker's start statement).
     */
    private Map<String, Object> priorityJump() throws Exception {
        int backlog = smoke ? 200 : 5_000;
        int urgent = smoke ? 5 : 50;
        try (AppProcesses apps = apps("priority-jump")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "4"));
            submitInBatches(apps, backlog, smoke ? 50 : 1_000,
                    "{\"pipeline\":\"sleep\",\"priority\":4,\"input\":{\"ms\":200}}");
            awaitRuns(apps, 4, "status = 'running'");
            for (int i = 0; i < urgent; i++) {
                submitInBatches(apps, 1, 1, "{\"pipeline\":\"echo\",\"priority\":1}");
                awaitRuns(apps, i + 1, "priority = 1 AND started_at IS NOT NULL");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("backlog", backlog);
            r.put("urgent", urgent);
            try (Connection db = connect(apps)) {
                r.putAll(query(db, """
                        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_ms) AS jump_start_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY wait_ms) AS jump_start_p99_ms,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY overtaken) AS overtaken_p50,
                               max(overtaken) AS overtaken_max,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY queued_ms) AS jump_queued_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY queued_ms) AS jump_queued_p99_ms,
                               (SELECT count(*) FROM runs WHERE priority = 4 AND status = 'queued') AS backlog_left
                          FROM (SELECT EXTRACT(EPOCH FROM u.started_at - u.created_at) * 1000 AS wait_ms,
                                       -- from its task's entry in Redis (the entry id's time) to its start
                                       EXTRACT(EPOCH FROM u.started_at) * 1000
                                           - split_part(u.task_id, '-', 1)::bigint AS queued_ms,
                                       (SELECT count(*) FROM runs b WHERE b.priority = 4
                                           AND b.started_at > u.created_at AND b.started_at < u.started_at) AS overtaken
                                  FROM runs u WHERE u.priority = 1) urgent"""));
            }
            apps.stop();
            return r;
        }
    }

    /**
     * Delayed runs: 500 {@code echo} runs, each with {@code runAt} 2 s ahead plus 10 ms per run (due over 5 s), on a
     * worker at concurrency 50; per run, its start less its time (the start error: the worker's poll of the delayed
     * sets, the move, the read and the start statement). None may start early.
     */
    private Map<String, Object> delayedStart() throws Exception {
        int runs = smoke ? 20 : 500;
        try (AppProcesses apps = apps("delayed-start")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "50"));
            Instant first = Instant.now().plusSeconds(2);
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < runs; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"pipeline\":\"echo\",\"runAt\":\"")
                        .append(first.plusMillis(10L * i)).append("\"}");
            }
            submitInBatches(apps, 1, 1, batch.toString());
            awaitRuns(apps, runs, "status = 'completed'");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            try (Connection db = connect(apps)) {
                r.putAll(query(db, """
                        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY error_ms) AS start_error_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY error_ms) AS start_error_p99_ms,
                               min(error_ms) AS start_error_min_ms, max(error_ms) AS start_error_max_ms,
                               count(*) FILTER (WHERE error_ms < 0) AS started_early
                          FROM (SELECT EXTRACT(EPOCH FROM started_at - scheduled_for) * 1000 AS error_ms
                                  FROM runs WHERE scheduled_for IS NOT NULL) delayed"""));
            }
            apps.stop();
            return r;
        }
    }

    /**
     * Schedules: 20 schedules ticking every second ({@code * * * * * *}, overlap allow) for 15 s, beside a second api
     * replica, on a worker at concurrency 50; per run, when it was recorded and when it started, less its tick
     * (the tick error: the ticker's wake-up, its transaction, the dispatch, the worker's read and start). Every tick
     * must make exactly one run.
     */
    private Map<String, Object> scheduleTick() throws Exception {
        int schedules = smoke ? 2 : 20;
        long seconds = smoke ? 4 : 15;
        try (AppProcesses apps = apps("schedule-tick")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "50"));
            apps.startApiReplica(Map.of());
            for (int i = 0; i < schedules; i++) {
                post(apps, "/api/schedules", "{\"name\":\"tick-" + i + "\",\"pipeline\":\"echo\","
                        + "\"cron\":\"* * * * * *\",\"overlap\":\"allow\"}");
            }
            try (Connection db = connect(apps)) {
                awaitRuns(db, (int) (schedules * seconds), "schedule_name IS NOT NULL");
                for (int i = 0; i < schedules; i++) {
                    post(apps, "/api/schedules/tick-" + i + "/pause");
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("schedules", schedules);
                r.putAll(query(db, """
                        SELECT count(*) AS runs, count(DISTINCT (schedule_name, schedule_tick)) AS distinct_ticks,
                               (SELECT count(*) FROM (SELECT schedule_name, max(schedule_tick) - min(schedule_tick)
                                                        AS span, count(*) AS n FROM runs GROUP BY schedule_name) s
                                 WHERE EXTRACT(EPOCH FROM span) + 1 <> n) AS schedules_with_gaps
                          FROM runs"""));
                awaitRuns(db, ((Number) r.get("runs")).intValue(), "status = 'completed'");
                r.putAll(query(db, """
                        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY record_ms) AS tick_to_record_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY record_ms) AS tick_to_record_p99_ms,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY start_ms) AS tick_to_start_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY start_ms) AS tick_to_start_p99_ms,
                               max(start_ms) AS tick_to_start_max_ms,
                               count(*) FILTER (WHERE record_ms < 0) AS made_early
                          FROM (SELECT EXTRACT(EPOCH FROM created_at - schedule_tick) * 1000 AS record_ms,
                                       EXTRACT(EPOCH FROM started_at - schedule_tick) * 1000 AS start_ms
                                  FROM runs) ticks"""));
                apps.stop();
                return r;
            }
        }
    }

    /**
     * What the dashboard's runs view asks, with {@code -Dbench.view.runs} (default 1,000,000) runs in PostgreSQL:
     * two tenants interleaved, five pipelines, mostly completed, spread over 30 days (ids ordered by time, as
     * UUIDv7s are). Each question is asked 50 times after 10 unmeasured; p50 and p99 of the answer time as the
     * client sees it, for the tenant {@code default}: the first page, by status, by pipeline, by both (a rare pair),
     * the 20th page (cursor), one run by id.
     */
    private Map<String, Object> runsView() throws Exception {
        int runs = smoke ? 20_000 : Integer.getInteger("bench.view.runs", 1_000_000);
        try (AppProcesses apps = apps("runs-view")) {
            apps.start(Map.of());
            try (Connection db = connect(apps); Statement s = db.createStatement()) {
                s.execute("""
                        INSERT INTO runs (id, pipeline, queue, status, input, result, attempt, created_at, started_at,
                                          completed_at, updated_at, tenant)
                        SELECT (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0')
                                 || substr(md5(i::text), 1, 20))::uuid,
                               'pipeline-' || (i %% 5), 'default',
                               CASE WHEN i %% 100 < 90 THEN 'completed' WHEN i %% 100 < 95 THEN 'failed'
                                    WHEN i %% 100 < 98 THEN 'queued' WHEN i %% 100 < 99 THEN 'running'
                                    ELSE 'cancelled' END,
                               '{"i":' || i || '}', '{"ok":true}', 1, t, t, t + interval '2 seconds', t,
                               CASE WHEN i %% 2 = 0 THEN 'default' ELSE 'other' END
                          FROM (SELECT i, now() - interval '30 days' * (1 - i::float / %d) AS t
                                  FROM generate_series(1, %d) i) g""".formatted(runs, runs));
                s.execute("ANALYZE runs");
            }
            String rare = "/api/runs?status=cancelled&pipeline=pipeline-3&limit=50";
            String first = "/api/runs?limit=50";
            String deep = first;
            for (int page = 1; page < 20; page++) {
                deep = first + "&cursor=" + JSON.readTree(get(apps, deep)).get("next").asText();
            }
            String one = "/api/runs/" + JSON.readTree(get(apps, first)).get("items").get(0).get("id").asText();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            for (Map.Entry<String, String> question : Map.of("first_page", first,
                    "by_status", "/api/runs?status=failed&limit=50", "by_pipeline", "/api/runs?pipeline=pipeline-2&limit=50",
                    "rare_pair", rare, "page_20", deep, "by_id", one).entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                double[] millis = new double[50];
                for (int i = -10; i < millis.length; i++) {
                    long start = System.nanoTime();
                    get(apps, question.getValue());
                    if (i >= 0) {
                        millis[i] = (System.nanoTime() - start) / 1e6;
                    }
                }
                Arrays.sort(millis);
                r.put(question.getKey() + "_p50_ms", percentile(millis, 0.5));
                r.put(question.getKey() + "_p99_ms", percentile(millis, 0.99));
            }
            apps.stop();
            return r;
        }
    }

    /** GETs {@code path}; its body, unless it does not succeed. */
    private static String get(AppProcesses apps, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = apps.http.send(HttpRequest.newBuilder(apps.api(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return response.body();
    }

    /** N sequential submits with one worker at concurrency 1: submit latency and submit → handler start. */
    private Map<String, Object> singleAddLatency() throws Exception {
        int runs = smoke ? 50 : Integer.getInteger("bench.single.runs", 2_000);
        int warmup = smoke ? 20 : 200;
        try (AppProcesses apps = apps("single-add-latency")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "1"));
            for (int i = 0; i < warmup; i++) {
                submit(apps, "echo", "{}").join();
            }
            awaitRuns(apps, warmup, "status IN ('completed', 'failed')");
            double[] addMillis = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                submit(apps, "echo", "{}").join();
                addMillis[i] = (System.nanoTime() - t0) / 1e6;
            }
            awaitRuns(apps, warmup + runs, "status IN ('completed', 'failed')");
            Arrays.sort(addMillis);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            r.put("add_p50_ms", percentile(addMillis, 0.5));
            r.put("add_p99_ms", percentile(addMillis, 0.99));
            try (Connection db = connect(apps)) {
                r.putAll(query(db, """
                        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM started_at - created_at) * 1000) AS start_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM started_at - created_at) * 1000) AS start_p99_ms,
                               count(*) FILTER (WHERE status <> 'completed') AS not_completed
                          FROM (SELECT * FROM runs ORDER BY created_at OFFSET %d) measured""".formatted(warmup)));
            }
            apps.stop();
            return r;
        }
    }

    /**
     * N {@code generate} runs of E output events each, worker concurrency 50, one SSE client per run connected as
     * soon as its submit is answered (it catches up on what it missed, as the peer's listener reads from 0-0).
     */
    private Map<String, Object> streamedOutput() throws Exception {
        int runs = smoke ? 20 : 500;
        int events = smoke ? 10 : 100;
        String input = "{\"chunks\":" + events + ",\"delayMs\":0}";
        try (AppProcesses apps = apps("streamed-output")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "50"));
            List<SseRecorder> warm = Collections.synchronizedList(new ArrayList<>());
            submitConcurrently(apps, smoke ? 5 : 50, 64, "generate", input, id -> warm.add(follow(apps, id)));
            awaitClosed(warm);

            List<SseRecorder> clients = Collections.synchronizedList(new ArrayList<>());
            long t0 = System.currentTimeMillis();
            submitConcurrently(apps, runs, 64, "generate", input, id -> clients.add(follow(apps, id)));
            awaitClosed(clients);
            long received = 0;
            long distinct = 0;
            long lastReceipt = t0;
            List<Long> latencies = new ArrayList<>();
            for (SseRecorder client : clients) {
                List<Event> outputs = client.events().stream().filter(e -> e.type().equals("output")).toList();
                received += outputs.size();
                distinct += outputs.stream().map(Event::id).distinct().count();
                for (Event e : outputs) {
                    latencies.add(e.receivedAtMillis() - e.writtenAtMillis());
                    lastReceipt = Math.max(lastReceipt, e.receivedAtMillis());
                }
            }
            latencies.sort(Long::compare);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            r.put("events_per_run", events);
            r.put("concurrency", 50);
            r.put("received", received);
            r.put("events_per_s", received / ((lastReceipt - t0) / 1e3));
            r.put("lost", (long) runs * events - distinct);
            r.put("dup", received - distinct);
            r.put("deliver_p50_ms", percentile(latencies, 0.5));
            r.put("deliver_p99_ms", percentile(latencies, 0.99));
            r.put("clients_ended_ok", clients.stream().filter(c -> c.closed().join() == 200
                    && !c.events().isEmpty() && c.events().getLast().type().equals("end")).count());
            apps.stop();
            return r;
        }
    }

    /** One {@code generate} run followed by N SSE clients, all connected before it starts producing. */
    private Map<String, Object> fanout() throws Exception {
        int clientsWanted = smoke ? 20 : 1_000;
        int events = smoke ? 20 : 100;
        try (AppProcesses apps = apps("fanout")) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "1"));
            // a long sleep keeps the worker busy, so every client is connected before the run produces anything
            String blocker = submit(apps, "sleep", "{\"ms\":600000}").join();
            awaitRuns(apps, 1, "status = 'running'");
            String id = submit(apps, "generate", "{\"chunks\":" + events + ",\"delayMs\":10}").join();
            List<SseRecorder> clients = new ArrayList<>();
            for (int i = 0; i < clientsWanted; i++) {
                clients.add(follow(apps, id));
            }
            for (SseRecorder client : clients) {
                client.connected().get(1, TimeUnit.MINUTES);
            }
            long connectedRss = apps.apiRssMib();
            post(apps, "/api/runs/" + blocker + "/cancel");
            awaitClosed(clients);
            List<Long> latencies = new ArrayList<>();
            long complete = 0;
            for (SseRecorder client : clients) {
                List<Event> outputs = client.events().stream().filter(e -> e.type().equals("output")).toList();
                if (client.closed().join() == 200 && outputs.size() == events
                        && outputs.stream().map(Event::id).distinct().count() == events) {
                    complete++;
                }
                outputs.forEach(e -> latencies.add(e.receivedAtMillis() - e.writtenAtMillis()));
            }
            latencies.sort(Long::compare);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("clients", clientsWanted);
            r.put("events", events);
            r.put("clients_complete", complete);
            r.put("delivered", latencies.size());
            r.put("lost", (long) clientsWanted * events - latencies.size());
            r.put("deliver_p50_ms", percentile(latencies, 0.5));
            r.put("deliver_p99_ms", percentile(latencies, 0.99));
            r.put("deliver_max_ms", latencies.isEmpty() ? -1 : latencies.getLast());
            r.put("api_rss_connected_mib", connectedRss);
            apps.stop();
            return r;
        }
    }

    /**
     * N runs of 200 ms queued, then a worker at concurrency N takes them all; it is SIGKILLed as soon as every run
     * has started and a new worker is started at once. Recovery = kill → every run ended.
     */
    private Map<String, Object> crashRecovery(boolean fast) throws Exception {
        int runs = smoke ? 20 : 200;
        Map<String, String> env = new HashMap<>(Map.of("RUNSTREAM_WORKER_CONCURRENCY", Integer.toString(runs)));
        if (fast) {
            env.put("MP_MESSAGING_INCOMING_TASKS_VISIBILITY_TIMEOUT_MS", "5000");
            env.put("MP_MESSAGING_INCOMING_TASKS_RECLAIM_INTERVAL_MS", "1000");
            env.put("MP_MESSAGING_INCOMING_TASKS_HEARTBEAT_INTERVAL_MS", "2000");
        }
        try (AppProcesses apps = apps(fast ? "crash-recovery-fast" : "crash-recovery")) {
            // a first worker only makes the pipelines known; the runs are queued while no worker runs
            apps.start(env);
            apps.terminateWorker(0);
            List<String> ids = Collections.synchronizedList(new ArrayList<>());
            submitConcurrently(apps, runs, 64, "sleep", "{\"ms\":200}", ids::add);
            int doomed = apps.startWorker(env);
            awaitRuns(apps, runs, "started_at IS NOT NULL");
            long killed = System.nanoTime();
            apps.killWorker(doomed);
            Map<String, Object> atKill;
            try (Connection db = connect(apps)) {
                atKill = query(db, "SELECT count(*) FILTER (WHERE status = 'completed') AS completed_at_kill, "
                        + "count(*) FILTER (WHERE status = 'running') AS running_at_kill FROM runs");
            }
            apps.startWorker(env);
            double workerReady = (System.nanoTime() - killed) / 1e9;
            awaitRuns(apps, runs, "status IN ('completed', 'failed')");
            double recovery = (System.nanoTime() - killed) / 1e9;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            r.put("work_ms", 200);
            r.put("visibility_timeout_ms", fast ? 5000 : 30000);
            r.putAll(atKill);
            r.put("recovery_s", recovery);
            r.put("new_worker_ready_s", workerReady);
            try (Connection db = connect(apps)) {
                r.putAll(query(db, "SELECT count(*) FILTER (WHERE status <> 'completed') AS completed_never, "
                        + "count(*) FILTER (WHERE attempt > 1) AS reexecuted FROM runs"));
            }
            r.put("completed_twice", apps.resultEventsPerRun(ids).stream().filter(n -> n > 1).count());
            apps.stop();
            return r;
        }
    }

    /** Start time (process start → ready) and idle RSS of the worker and the api, each started alone. */
    private Map<String, Object> startup() throws Exception {
        try (AppProcesses apps = apps("startup")) {
            Map<String, Object> r = new LinkedHashMap<>();
            warmHttpClient(apps);
            long t0 = System.nanoTime();
            apps.startWorker(Map.of());
            r.put("worker_ready_s", (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            apps.startApi(Map.of());
            r.put("api_ready_s", (System.nanoTime() - t0) / 1e9);
            settle();
            r.put("worker_idle_rss_mib", apps.workerRssMib(0));
            r.put("api_idle_rss_mib", apps.apiRssMib());
            r.put("jvm", Runtime.version().toString());
            apps.stop();
            return r;
        }
    }

    /**
     * One request and answer through the client that polls the apps' readiness, to a throw-away local server: the
     * first request of a fresh JVM loads the HTTP client (~60 ms), which a native app's start, tens of milliseconds,
     * would otherwise include.
     */
    private static void warmHttpClient(AppProcesses apps) throws IOException, InterruptedException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            apps.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort()
                    + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding());
        } finally {
            server.stop(0);
        }
    }

    /**
     * What a queue-lag autoscaler relies on: a backlog of CPU-light runs (50 ms of waiting each) is drained by one
     * worker, then two more workers start, and the completion rate rises with them while the lag drains.
     */
    private Map<String, Object> scaling() throws Exception {
        int concurrency = 5;
        // smoke: longer runs, so the backlog outlasts the two new workers' start-up with few runs and little CPU,
        // and the speed-up still shows (one worker: 25 runs/s, three: 75)
        int workMs = smoke ? 200 : 50;
        int backlog = smoke ? 1_000 : 6_000;
        long windowMillis = smoke ? 2_000 : 10_000;
        Map<String, String> env = Map.of("RUNSTREAM_WORKER_CONCURRENCY", Integer.toString(concurrency));
        try (AppProcesses apps = apps("scaling")) {
            apps.start(env);
            submitConcurrently(apps, backlog, 64, "sleep", "{\"ms\":" + workMs + "}", id -> { });
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("backlog", backlog);
            r.put("concurrency_per_worker", concurrency);
            r.put("work_ms", workMs);
            r.put("lag_before", lag(apps));
            r.put("one_worker_runs_per_s", completionRate(apps, windowMillis));
            r.put("lag_one_worker", lag(apps));
            apps.startWorker(env);
            apps.startWorker(env);
            settle(); // the new workers' first seconds are JIT warm-up on a shared machine
            r.put("three_workers_runs_per_s", completionRate(apps, windowMillis));
            r.put("lag_three_workers", lag(apps));
            long drainStart = System.nanoTime();
            awaitRuns(apps, backlog, "status IN ('completed', 'failed')");
            r.put("drained_after_s", (System.nanoTime() - drainStart) / 1e9);
            r.put("lag_after", lag(apps));
            r.put("speedup", ((Number) r.get("three_workers_runs_per_s")).doubleValue()
                    / ((Number) r.get("one_worker_runs_per_s")).doubleValue());
            apps.stop();
            return r;
        }
    }

    /** Runs completed per second over the next {@code windowMillis}, from PostgreSQL's completion times. */
    private static double completionRate(AppProcesses apps, long windowMillis) throws Exception {
        try (Connection db = connect(apps)) {
            long start = System.currentTimeMillis();
            Thread.sleep(windowMillis); // a measurement window of the load driver, not a test wait
            Map<String, Object> row = query(db, ("SELECT count(*) AS n FROM runs WHERE completed_at >= "
                    + "to_timestamp(%d / 1000.0) AND completed_at < to_timestamp(%d / 1000.0)")
                    .formatted(start, start + windowMillis));
            return ((Number) row.get("n")).doubleValue() / (windowMillis / 1e3);
        }
    }

    /** Tasks of the default queue not yet delivered to any worker, as the api reports them. */
    private static long lag(AppProcesses apps) throws IOException, InterruptedException {
        HttpResponse<String> response = apps.http.send(HttpRequest.newBuilder(apps.api("/api/queues")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode queue : JSON.readTree(response.body())) {
            if (queue.path("name").asText().equals("default")) {
                return queue.path("lag").asLong(-1);
            }
        }
        throw new IllegalStateException("no default queue in " + response.body());
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private void submitConcurrently(AppProcesses apps, int runs, int inFlight, String pipeline, String input,
                                    Consumer<String> onAccepted) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<Void>> all = new ArrayList<>(runs);
        for (int i = 0; i < runs; i++) {
            slots.acquire();
            all.add(submit(apps, pipeline, input).thenAccept(onAccepted).whenComplete((x, f) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    /** Submits {@code runs} runs in batches of {@code batch}, each request awaited before the next. */
    private static void submitInBatches(AppProcesses apps, int runs, int batch, String pipeline, String input)
            throws Exception {
        submitInBatches(apps, runs, batch, "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}");
    }

    /** Submits {@code runs} copies of run {@code item} (its JSON) in batches of {@code batch}, one after the other. */
    private static void submitInBatches(AppProcesses apps, int runs, int batch, String item) throws Exception {
        for (int sent = 0; sent < runs; sent += batch) {
            String body = String.join(",", Collections.nCopies(Math.min(batch, runs - sent), item));
            HttpResponse<String> response = apps.http.send(HttpRequest.newBuilder(apps.api("/api/runs/batch"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"runs\":[" + body + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("batch submit answered " + response.statusCode() + ": "
                        + response.body());
            }
        }
    }

    /** Submits a run; completes with its id. */
    private static CompletableFuture<String> submit(AppProcesses apps, String pipeline, String input) {
        return apps.http.sendAsync(HttpRequest.newBuilder(apps.api("/api/runs"))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"pipeline\":\"" + pipeline + "\",\"input\":" + input + "}")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    if (response.statusCode() != 202) {
                        throw new IllegalStateException("submit answered " + response.statusCode() + ": "
                                + response.body());
                    }
                    return id(response.body());
                });
    }

    private static String id(String body) {
        try {
            return JSON.readTree(body).get("id").asText();
        } catch (IOException e) {
            throw new IllegalStateException("not a run: " + body, e);
        }
    }

    private static void post(AppProcesses apps, String path) throws IOException, InterruptedException {
        post(apps, path, null);
    }

    /** POSTs {@code json} (null: no body) to {@code path}; fails unless it succeeds. */
    private static void post(AppProcesses apps, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(apps.api(path));
        if (json != null) {
            request.header("content-type", "application/json");
        }
        HttpResponse<String> response = apps.http.send(request.POST(json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    private SseRecorder follow(AppProcesses apps, String runId) {
        return SseRecorder.open(apps.http, apps.api("/api/runs/" + runId + "/events"), null, threads);
    }

    private static void awaitClosed(List<SseRecorder> clients) throws Exception {
        for (SseRecorder client : List.copyOf(clients)) {
            client.closed().get(10, TimeUnit.MINUTES);
        }
    }

    /** Waits until at least {@code total} runs match {@code condition} (SQL), by counting in PostgreSQL. */
    private static void awaitRuns(AppProcesses apps, int total, String condition) throws Exception {
        try (Connection db = connect(apps)) {
            awaitRuns(db, total, condition);
        }
    }

    /**
     * Waits until the {@code newest} runs match {@code condition}: a walk of the primary key's last entries, so that
     * waiting costs PostgreSQL next to nothing while the runs, mostly in order, are worked off; then count them all.
     */
    private static void awaitNewest(Connection db, int newest, String condition) throws Exception {
        awaitCount(db, "SELECT count(*) FROM (SELECT * FROM runs ORDER BY id DESC LIMIT " + newest + ") newest WHERE "
                + condition, newest, "the newest " + newest + " runs did not reach " + condition);
    }

    /**
     * Counts over {@code db} until {@code total} runs match. Every 20 ms: the count scans the runs' status index,
     * and the figures come from the runs' own timestamps, not from when this loop noticed.
     */
    private static void awaitRuns(Connection db, int total, String condition) throws Exception {
        awaitCount(db, "SELECT count(*) FROM runs WHERE " + condition, total,
                total + " runs did not reach " + condition);
    }

    private static void awaitCount(Connection db, String count, long total, String failure) throws Exception {
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        try (Statement s = db.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = s.executeQuery(count)) {
                    rs.next();
                    if (rs.getLong(1) >= total) {
                        return;
                    }
                }
                Thread.sleep(20); // a load driver polling its result, not a test
            }
        }
        throw new IllegalStateException(failure + " within 10 minutes");
    }

    private static void settle() throws InterruptedException {
        Thread.sleep(2_000); // let start-up garbage and JIT threads settle before reading RSS
    }

    private static Connection connect(AppProcesses apps) throws SQLException {
        return DriverManager.getConnection(apps.infra.jdbcUrl(apps.database), apps.infra.username(),
                apps.infra.password());
    }

    private static Map<String, Object> query(Connection db, String sql) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
            }
        }
        return row;
    }

    private static double percentile(double[] sorted, double p) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    private static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * p)));
    }

    private static String format(Object value) {
        if (value instanceof Double || value instanceof Float || value instanceof java.math.BigDecimal) {
            return String.format(Locale.ROOT, "%.3f", ((Number) value).doubleValue());
        }
        return String.valueOf(value);
    }
}
