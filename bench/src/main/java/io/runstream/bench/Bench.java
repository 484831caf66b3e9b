package io.runstream.bench;

import io.runstream.local.AppProcesses;
import io.runstream.local.LocalInfrastructure;

import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

/**
 * Runs the peer benchmark's scenarios (see {@code shared/peers/bullmq/README.md}) against Runstream's full path:
 * HTTP submit → PostgreSQL → task stream → worker → PostgreSQL, with the packaged api and one worker as
 * processes. Prints one {@code key=value} line per scenario, in the peer harness' field names where they mean the
 * same. Times come from PostgreSQL's timestamps of each run (created, started, completed), so they are what the
 * system recorded, not what a client saw.
 *
 * <pre>
 * java -jar bench/target/runstream-bench-*.jar [--smoke] [scenario ...]
 * </pre>
 * Scenarios: {@code noop-throughput}, {@code single-add-latency}. {@code --smoke} runs them with tiny counts.
 */
public final class Bench {

    private final boolean smoke;
    private final PrintStream out;

    Bench(boolean smoke, PrintStream out) {
        this.smoke = smoke;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        List<String> names = new ArrayList<>(Arrays.asList(args));
        boolean smoke = names.remove("--smoke");
        if (names.isEmpty()) {
            names = List.of("noop-throughput", "single-add-latency");
        }
        Bench bench = new Bench(smoke, System.out);
        for (String name : names) {
            bench.run(name);
        }
    }

    /** Runs scenario {@code name}; returns its result line. */
    String run(String name) throws Exception {
        Map<String, Object> result = switch (name) {
            case "noop-throughput" -> noopThroughput();
            case "single-add-latency" -> singleAddLatency();
            default -> throw new IllegalArgumentException("unknown scenario '" + name
                    + "'; known: noop-throughput, single-add-latency");
        };
        String line = "system=runstream path=http scenario=" + name + " " + result.entrySet().stream()
                .map(e -> e.getKey() + "=" + format(e.getValue())).collect(Collectors.joining(" "));
        out.println(line);
        return line;
    }

    /**
     * N no-op ({@code echo}) runs submitted by 64 concurrent HTTP clients while one worker at concurrency 50
     * consumes them; after a warm-up.
     */
    private Map<String, Object> noopThroughput() throws Exception {
        int runs = smoke ? 200 : Integer.getInteger("bench.noop.runs", 20_000);
        int warmup = smoke ? 50 : 1_000;
        try (AppProcesses apps = new AppProcesses("bench", "noop-throughput", LocalInfrastructure.shared())) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "50"));
            submitConcurrently(apps, warmup, 64);
            awaitAllEnded(apps, warmup);
            long started = System.nanoTime();
            submitConcurrently(apps, runs, 64);
            double submitSeconds = (System.nanoTime() - started) / 1e9;
            awaitAllEnded(apps, warmup + runs);
            Map<String, Object> r = new LinkedHashMap<>();
            try (Connection db = connect(apps)) {
                r.putAll(query(db, """
                        SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                               count(*) FILTER (WHERE status <> 'completed') AS not_completed,
                               count(*) / EXTRACT(EPOCH FROM max(completed_at) - min(created_at)) AS runs_per_s,
                               percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - created_at) * 1000) AS e2e_p50_ms,
                               percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM completed_at - created_at) * 1000) AS e2e_p99_ms
                          FROM (SELECT * FROM runs ORDER BY created_at OFFSET %d) measured""".formatted(warmup)));
            }
            r.put("runs", runs);
            r.put("concurrency", 50);
            r.put("enqueue_per_s", runs / submitSeconds);
            r.put("api_rss_mib", apps.apiRssMib());
            apps.stop();
            return r;
        }
    }

    /** N sequential submits with one worker at concurrency 1: submit latency and submit → handler start. */
    private Map<String, Object> singleAddLatency() throws Exception {
        int runs = smoke ? 50 : Integer.getInteger("bench.single.runs", 2_000);
        int warmup = smoke ? 20 : 200;
        try (AppProcesses apps = new AppProcesses("bench", "single-add-latency", LocalInfrastructure.shared())) {
            apps.start(Map.of("RUNSTREAM_WORKER_CONCURRENCY", "1"));
            for (int i = 0; i < warmup; i++) {
                submit(apps).join();
            }
            awaitAllEnded(apps, warmup);
            double[] addMillis = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                submit(apps).join();
                addMillis[i] = (System.nanoTime() - t0) / 1e6;
            }
            awaitAllEnded(apps, warmup + runs);
            Arrays.sort(addMillis);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("runs", runs);
            r.put("add_p50_ms", addMillis[(int) (runs * 0.5)]);
            r.put("add_p99_ms", addMillis[Math.min(runs - 1, (int) (runs * 0.99))]);
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

    private static void submitConcurrently(AppProcesses apps, int runs, int inFlight) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<Void>> all = new ArrayList<>(runs);
        for (int i = 0; i < runs; i++) {
            slots.acquire();
            all.add(submit(apps).whenComplete((x, f) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    private static CompletableFuture<Void> submit(AppProcesses apps) {
        return apps.http.sendAsync(HttpRequest.newBuilder(apps.api("/api/runs"))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"pipeline\":\"echo\",\"input\":{}}")).build(),
                        HttpResponse.BodyHandlers.discarding())
                .thenAccept(response -> {
                    if (response.statusCode() != 202) {
                        throw new IllegalStateException("submit answered " + response.statusCode());
                    }
                });
    }

    /** Waits until {@code total} runs have ended, by counting in PostgreSQL (deadline: 10 minutes). */
    private static void awaitAllEnded(AppProcesses apps, int total) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        try (Connection db = connect(apps); Statement s = db.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM runs WHERE status IN ('completed', 'failed')")) {
                    rs.next();
                    if (rs.getLong(1) >= total) {
                        return;
                    }
                }
                Thread.sleep(50); // a load driver polling its result, not a test
            }
        }
        throw new IllegalStateException("runs did not end within 10 minutes");
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

    private static String format(Object value) {
        if (value instanceof Double || value instanceof Float || value instanceof java.math.BigDecimal) {
            return String.format(Locale.ROOT, "%.3f", ((Number) value).doubleValue());
        }
        return String.valueOf(value);
    }

}
