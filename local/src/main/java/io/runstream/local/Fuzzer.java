package io.runstream.local;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends malformed and hostile HTTP requests to every endpoint of the api, each one a request the api must refuse —
 * bad or missing keys, scopes that do not fit, bodies that are not JSON or not valid runs, schedules or keys, wrong
 * content types, bad ids, filters and headers, and requests that break HTTP itself — and counts the answers: every one
 * must be a 4xx, none may take longer than the timeout. Requests go over raw sockets (so they can be as broken as
 * wanted), several connections at once, kept alive where the api keeps them.
 *
 * <pre>{@code
 * Fuzzer.Report report = new Fuzzer("127.0.0.1", port, Fuzzer.Keys.of(admin, reader, runId), 42).run(10_000, 16);
 * }</pre>
 */
public final class Fuzzer {

    /** The keys and run the requests use: they must exist, so that what is refused is the request, not the key. */
    public record Keys(String admin, String reader, String run, String otherTenantsRun) {
    }

    /** One request: what it is (for a report), and its bytes; {@code raw} ones break HTTP and get a connection of their own. */
    record Shot(String kind, byte[] bytes, boolean raw) {
        /** The request's start and the start of its body, printable, for a report. */
        String excerpt() {
            String text = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.ISO_8859_1);
            int body = text.indexOf("\r\n\r\n");
            String head = text.substring(0, body < 0 ? Math.min(text.length(), 160) : Math.min(body, 400))
                    .replaceAll("Bearer \\S+", "Bearer …").replace("\r\n", " | ");
            String start = body < 0 ? "" : text.substring(body + 4, Math.min(text.length(), body + 4 + 120));
            return (head + " || " + start).replaceAll("[^\\x20-\\x7e]", "?");
        }
    }

    /** What came back: counts by status, the requests answered outside 4xx or not at all (a sample of each). */
    public record Report(long sent, long seconds100, Map<Integer, Long> byStatus, long hangs, long outside4xx,
                         List<String> samples) {
        /** Requests per second. */
        public double rate() {
            return sent * 100.0 / Math.max(1, seconds100);
        }

        @Override
        public String toString() {
            return "sent=" + sent + " seconds=" + seconds100 / 100.0 + " per_s=" + Math.round(rate()) + " hangs=" + hangs
                    + " outside_4xx=" + outside4xx + " by_status=" + byStatus + (samples.isEmpty() ? ""
                    : " samples=" + samples);
        }
    }

    private static final int TIMEOUT_MS = 10_000;
    private static final String UNKNOWN_RUN = "01a205d1-c2a0-7403-b95c-93eac94c0c24";

    private final String host;
    private final int port;
    private final Keys keys;
    private final long seed;
    private final List<Function<SplittableRandom, Shot>> shots = new ArrayList<>();

    public Fuzzer(String host, int port, Keys keys, long seed) {
        this.host = host;
        this.port = port;
        this.keys = keys;
        this.seed = seed;
        register();
    }

    /**
     * Makes what a fuzz run aims at in {@code apps} and waits until it has settled: a reader key of the tenant of the
     * apps' admin key, one of its runs (a {@code sleep} of an hour, so it stays running), a run of another tenant
     * (ended), and a pipeline directory that knows the pipelines (an unknown one is a 400, not the 503 of a directory
     * still being built: start the apps with {@code RUNSTREAM_WORKERS_HEARTBEAT_INTERVAL=1s} to keep that short).
     */
    public static Keys prepare(AppProcesses apps) {
        String reader = apps.infra.createKey(apps.database, "default", "fuzz-reader", "runs:read");
        String stranger = apps.infra.createKey(apps.database, "stranger", "fuzz-stranger", "admin");
        String run = submitted(call(apps, apps.adminKey, "POST", "/api/runs", "{\"pipeline\":\"sleep\",\"input\":{\"ms\":3600000}}"));
        String otherRun = submitted(call(apps, stranger, "POST", "/api/runs", "{\"pipeline\":\"echo\",\"input\":{}}"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(call(apps, apps.adminKey, "GET", "/api/runs/" + run, null).body().contains("\"running\"")
                && call(apps, stranger, "GET", "/api/runs/" + otherRun, null).body().contains("\"completed\"")
                && call(apps, apps.adminKey, "POST", "/api/runs", "{\"pipeline\":\"no-such-pipeline\"}").statusCode() == 400)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the fuzz targets did not settle within 60 s; see the apps' logs");
            }
            try {
                Thread.sleep(100); // polling apps that are settling (no test framework in main code)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new Keys(apps.adminKey, reader, run, otherRun);
    }

    private static HttpResponse<String> call(AppProcesses apps, String key, String method, String path,
                                                           String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(apps.api(path))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return apps.plainHttp.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String submitted(HttpResponse<String> response) {
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"").matcher(response.body());
        if (response.statusCode() != 202 || !id.find()) {
            throw new IllegalStateException("a submit was answered " + response.statusCode() + ": " + response.body());
        }
        return id.group(1);
    }

    /** Sends {@code requests} requests over {@code connections} connections at once and reports what came back. */
    public Report run(int requests, int connections) throws Exception {
        AtomicLong next = new AtomicLong();
        Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
        LongAdder hangs = new LongAdder();
        LongAdder outside = new LongAdder();
        List<String> samples = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                SplittableRandom random = new SplittableRandom(seed * 31 + c);
                all.add(threads.submit(() -> {
                    Connection connection = null;
                    try {
                        while (next.getAndIncrement() < requests) {
                            Shot shot = shots.get(random.nextInt(shots.size())).apply(random);
                            int status;
                            try {
                                if (shot.raw() || connection == null) {
                                    close(connection);
                                    connection = new Connection(host, port);
                                }
                                status = connection.exchange(shot.bytes(), shot.raw());
                                if (shot.raw() || !connection.reusable) {
                                    close(connection);
                                    connection = null;
                                }
                            } catch (SocketTimeoutException e) {
                                hangs.increment();
                                sample(samples, "hang: " + shot.kind() + " :: " + shot.excerpt());
                                close(connection);
                                connection = null;
                                continue;
                            } catch (IOException e) {
                                // the api closed a connection it would not read further: an answer for broken HTTP,
                                // not for a well-formed request
                                close(connection);
                                connection = null;
                                status = shot.raw() ? -1 : -2;
                            }
                            byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
                            if (status == -2 || (status >= 0 && (status < 400 || status > 499))) {
                                outside.increment();
                                sample(samples, status + ": " + shot.kind() + " :: " + shot.excerpt());
                            }
                        }
                    } finally {
                        close(connection);
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        long seconds100 = (System.nanoTime() - started) / 10_000_000L;
        Map<Integer, Long> counts = new TreeMap<>();
        byStatus.forEach((s, n) -> counts.put(s, n.sum()));
        return new Report(requests, seconds100, counts, hangs.sum(), outside.sum(), List.copyOf(samples));
    }

    private static void sample(List<String> samples, String what) {
        if (samples.size() < 60) {
            samples.add(what);
        }
    }

    private static void close(Connection connection) {
        if (connection != null) {
            connection.close();
        }
    }

    // --- the requests -------------------------------------------------------------------------------------------

    private void register() {
        // no key, or not one: 401 on every endpoint
        for (String[] endpoint : ENDPOINTS) {
            shots.add(r -> request(endpoint[0] + " " + endpoint[1] + " with a bad key", endpoint[0], endpoint[1],
                    badAuthorization(r), endpoint[0].equals("GET") || endpoint[0].equals("DELETE") ? null : validBody(endpoint[1]),
                    "application/json"));
        }
        // a key without the scope: 403
        shots.add(r -> request("submit as a reader", "POST", "/api/runs", bearer(keys.reader()),
                "{\"pipeline\":\"echo\",\"input\":{}}", "application/json"));
        shots.add(r -> request("cancel as a reader", "POST", "/api/runs/" + keys.run() + "/cancel", bearer(keys.reader()),
                null, null));
        shots.add(r -> request("schedule as a reader", "POST", "/api/schedules", bearer(keys.reader()),
                "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}", "application/json"));
        shots.add(r -> request("keys as a reader", "GET", "/api/keys", bearer(keys.reader()), null, null));
        // hostile bodies on every endpoint that takes one
        for (String path : BODY_PATHS) {
            String method = path.startsWith("PUT ") ? "PUT" : "POST";
            String target = path.substring(path.indexOf(' ') + 1);
            // a trigger takes an empty body as one without parameters
            shots.add(r -> request(method + " " + target + " with a hostile body", method, target, admin(),
                    hostileBody(r, !target.endsWith("/trigger")), "application/json"));
            shots.add(r -> request(method + " " + target + " with a wrong content type", method, target, admin(),
                    validBody(target), pick(r, BAD_TYPES)));
            shots.add(r -> request(method + " " + target + " with a body of random bytes", method, target, admin(),
                    randomBytes(r, 1 + r.nextInt(2000)), "application/json"));
        }
        // valid JSON, invalid values
        shots.add(r -> request("an invalid run", "POST", "/api/runs", admin(), pick(r, BAD_RUNS), "application/json"));
        shots.add(r -> request("an invalid trigger", "POST", "/api/pipelines/" + pick(r, BAD_PIPELINES) + "/trigger",
                admin(), "{}", "application/json"));
        shots.add(r -> request("an invalid batch", "POST", "/api/runs/batch", admin(), pick(r, BAD_BATCHES),
                "application/json"));
        shots.add(r -> request("an invalid schedule", "POST", "/api/schedules", admin(), pick(r, BAD_SCHEDULES),
                "application/json"));
        shots.add(r -> request("an invalid schedule replaced", "PUT", "/api/schedules/" + pick(r, BAD_NAMES), admin(),
                "{\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}", "application/json"));
        shots.add(r -> request("an invalid key", "POST", "/api/keys", admin(), pick(r, BAD_KEYS), "application/json"));
        shots.add(r -> request("a run with a bad Idempotency-Key", "POST", "/api/runs",
                admin() + "Idempotency-Key: " + pick(r, BAD_IDEMPOTENCY_KEYS) + "\r\n",
                "{\"pipeline\":\"echo\",\"input\":{}}", "application/json"));
        // bad ids, filters and headers
        shots.add(r -> request("a bad run id", pick(r, "GET", "POST"), "/api/runs/" + pick(r, BAD_IDS)
                + pick(r, "", "/cancel", "/tokens", "/events"), admin(), null, null));
        shots.add(r -> request("another tenant's run", pick(r, "GET", "POST", "POST", "GET"), "/api/runs/"
                + keys.otherTenantsRun() + pick(r, "", "/cancel", "/tokens", "/events"), admin(), null, null));
        shots.add(r -> request("a bad Last-Event-ID", "GET", "/api/runs/" + keys.run() + "/events",
                admin() + "Last-Event-ID: " + pick(r, "x", "-1", "1-2-3", "99999999999999999999-0", "1-", "\u00e9") + "\r\n",
                null, null));
        shots.add(r -> request("a bad read token", "GET", "/api/runs/" + keys.run() + "/events?token="
                + pick(r, "x", "rst_abc", "", "%00", "a".repeat(5000)), "", null, null));
        shots.add(r -> request("a bad run filter", "GET", "/api/runs?" + pick(r, BAD_FILTERS), admin(), null, null));
        shots.add(r -> request("a bad jobs page", "GET", "/api/pipelines/" + pick(r, "echo", "nope") + "/jobs?"
                + pick(r, "limit=-1", "limit=0", "limit=x", "offset=-5", "offset=x", "limit=100000"), admin(), null, null));
        shots.add(r -> request("an unknown schedule", pick(r, "GET", "DELETE", "POST", "POST"), "/api/schedules/"
                + "no-such-" + r.nextInt(1000) + pick(r, "", "", "/pause", "/resume"), admin(), null, null));
        shots.add(r -> request("an unknown key", "DELETE", "/api/keys/" + pick(r, BAD_IDS) + pick(r, "", "?grace=P99D",
                "?grace=x", "?grace=-PT1S"), admin(), null, null));
        shots.add(r -> request("a path that is not the api's", pick(r, "GET", "POST", "DELETE"), pick(r, BAD_PATHS),
                admin(), null, null));
        shots.add(r -> request("a method the path does not take", pick(r, "PATCH", "TRACE", "PUT", "DELETE"),
                pick(r, "/api/runs", "/api/queues", "/api/pipelines", "/api/runs/" + keys.run()), admin(), null, null));
        shots.add(r -> request("a form on a POST", "POST", pick(r, "/api/runs/" + keys.run() + "/cancel", "/api/runs",
                "/api/schedules/x/pause", "/api/keys"), admin(), "a=b", pick(r, "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "text/plain")));
        shots.add(r -> request("too many headers", "GET", "/api/runs/" + UNKNOWN_RUN,
                admin() + "X-Filler: y\r\n".repeat(100 + r.nextInt(200)), null, null));
        // HTTP itself broken: a connection of its own each
        shots.add(r -> raw("a huge header", ("GET /api/runs HTTP/1.1\r\nHost: a\r\nX-Big: " + "a".repeat(70_000)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("a huge request line", ("GET /api/runs/" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: a\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("garbage for a request", randomBytes(r, 1 + r.nextInt(300)).getBytes(StandardCharsets.ISO_8859_1)));
        shots.add(r -> raw("a broken request line", pick(r, "GET\r\n\r\n", "GET /api/runs\r\n\r\n",
                "GET /api/runs HTTP/9.9\r\nHost: a\r\n\r\n", "get /api/runs HTTP/1.1\r\nHost: a\r\n\r\n",
                " GET /api/runs HTTP/1.1\r\nHost: a\r\n\r\n", "GET  /api/runs  HTTP/1.1\r\nHost: a\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("no Host", ("GET /api/runs HTTP/1.1\r\n" + admin() + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("a header without a colon", ("GET /api/runs HTTP/1.1\r\nHost: a\r\nBroken header\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("two Content-Lengths", ("POST /api/runs HTTP/1.1\r\nHost: a\r\n" + admin()
                + "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("chunked and a length", ("POST /api/runs HTTP/1.1\r\nHost: a\r\n" + admin()
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("bad chunks", ("POST /api/runs HTTP/1.1\r\nHost: a\r\n" + admin()
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        shots.add(r -> raw("a control character in a header", ("GET /api/runs HTTP/1.1\r\nHost: a\r\nX-A: b\u0000c\r\n"
                + admin() + "\r\n").getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static final String[][] ENDPOINTS = {
            {"POST", "/api/runs"}, {"POST", "/api/runs/batch"}, {"GET", "/api/runs"}, {"GET", "/api/runs/" + UNKNOWN_RUN},
            {"POST", "/api/runs/" + UNKNOWN_RUN + "/cancel"}, {"POST", "/api/runs/" + UNKNOWN_RUN + "/tokens"},
            {"GET", "/api/runs/" + UNKNOWN_RUN + "/events"}, {"GET", "/api/pipelines"}, {"GET", "/api/pipelines/echo/jobs"},
            {"POST", "/api/pipelines/echo/trigger"}, {"GET", "/api/queues"}, {"GET", "/api/schedules"},
            {"POST", "/api/schedules"}, {"GET", "/api/schedules/x"}, {"PUT", "/api/schedules/x"},
            {"DELETE", "/api/schedules/x"}, {"POST", "/api/schedules/x/pause"}, {"POST", "/api/schedules/x/resume"},
            {"GET", "/api/keys"}, {"POST", "/api/keys"}, {"DELETE", "/api/keys/" + UNKNOWN_RUN}, {"GET", "/api/nothing"}};
    private static final String[] BODY_PATHS = {"POST /api/runs", "POST /api/runs/batch", "POST /api/pipelines/echo/trigger",
            "POST /api/schedules", "PUT /api/schedules/fuzz", "POST /api/keys"};
    private static final String[] BAD_TYPES = {null, "", "text/plain", "application/json; charset=latin1",
            "application/json; charset=utf-16", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/xml", "application/json;;;=", "*/*", "application/jsonx"};
    private static final String[] BAD_RUNS = {"{}", "{\"pipeline\":\"no-such-pipeline\"}", "{\"pipeline\":1}",
            "{\"pipeline\":null}", "{\"pipeline\":\"echo\",\"priority\":0}", "{\"pipeline\":\"echo\",\"priority\":5}",
            "{\"pipeline\":\"echo\",\"priority\":\"high\"}", "{\"pipeline\":\"echo\",\"priority\":1.5}",
            "{\"pipeline\":\"echo\",\"delay\":\"P-1D\"}", "{\"pipeline\":\"echo\",\"delay\":\"forever\"}",
            "{\"pipeline\":\"echo\",\"delay\":\"P400D\"}", "{\"pipeline\":\"echo\",\"runAt\":\"tomorrow\"}",
            "{\"pipeline\":\"echo\",\"runAt\":\"2026-01-01T00:00:00\"}", "{\"pipeline\":\"echo\",\"runAt\":\"2999-01-01T00:00:00Z\"}",
            "{\"pipeline\":\"echo\",\"delay\":\"PT1S\",\"runAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"pipeline\":\"echo\",\"queue\":\"no-such-queue\"}", "{\"pipeline\":\"echo\",\"queue\":\"../x\"}",
            "{\"pipeline\":\"echo\",\"unknown\":1}", "{\"pipeline\":\"echo\",\"input\":1e999999}",
            "{\"pipeline\":\"echo\",\"pipeline\":\"echo\"}", "{\"pipeline\":\"echo\"} {}", "{\"pipeline\":\"echo\",}",
            "{\"pipeline\":\"" + "p".repeat(300) + "\"}", "[{\"pipeline\":\"echo\"}]", "\"echo\"", "null", "true"};
    private static final String[] BAD_PIPELINES = {"no-such-pipeline", "%00", "..", "a%2Fb", "x".repeat(300), "%E2%82"};
    private static final String[] BAD_BATCHES = {"{}", "{\"runs\":{}}", "{\"runs\":[]}", "{\"runs\":null}",
            "{\"runs\":[{\"pipeline\":\"echo\"},{\"pipeline\":\"nope\"}]}", "{\"runs\":[1]}",
            "{\"runs\":[{\"pipeline\":\"echo\"}],\"more\":1}", "[]",
            "{\"runs\":[" + "{\"pipeline\":\"echo\"},".repeat(1000) + "{\"pipeline\":\"echo\"}]}"};
    private static final String[] BAD_SCHEDULES = {"{}", "{\"name\":\"n\",\"pipeline\":\"echo\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"not a cron\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * * * * *\"}",
            "{\"name\":\"n\",\"pipeline\":\"nope\",\"cron\":\"* * * * *\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"timeZone\":\"Mars/Olympus\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"overlap\":\"sometimes\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"catchUp\":\"some\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"catchUpWindow\":\"P30D\"}",
            "{\"name\":\"Bad Name!\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}",
            "{\"name\":\"" + "n".repeat(300) + "\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\"}",
            "{\"name\":\"n\",\"pipeline\":\"echo\",\"cron\":\"* * * * *\",\"extra\":true}"};
    private static final String[] BAD_NAMES = {"Bad%20Name", "%00", "x".repeat(300), "a%2Fb", "%E2%82"};
    private static final String[] BAD_KEYS = {"{}", "{\"name\":\"k\"}", "{\"name\":\"k\",\"scopes\":[\"root\"]}",
            "{\"name\":\"k\",\"scopes\":\"admin\"}", "{\"name\":\"\",\"scopes\":[\"admin\"]}",
            "{\"name\":\"k\",\"scopes\":[\"admin\"],\"expiresIn\":\"forever\"}",
            "{\"name\":\"k\",\"scopes\":[\"admin\"],\"expiresIn\":\"-PT1S\"}",
            "{\"name\":\"k\",\"scopes\":[\"admin\"],\"tenant\":\"someone-else\"}",
            "{\"name\":\"k\",\"scopes\":[]}", "{\"name\":\"" + "k".repeat(300) + "\",\"scopes\":[\"admin\"]}"};
    private static final String[] BAD_IDEMPOTENCY_KEYS = {"", "a".repeat(300), "\u00e9t\u00e9", "a b\tc"};
    private static final String[] BAD_IDS = {"nope", "1", "%00", "01a205d1-c2a0-7403-b95c", UNKNOWN_RUN + "0",
            "..%2F..%2Fetc", "x".repeat(2000), "%E2%82%28", UNKNOWN_RUN};
    private static final String[] BAD_FILTERS = {"limit=-1", "limit=0", "limit=501", "limit=abc", "limit=1e3",
            "status=nope", "status=x&status=", "cursor=garbage", "cursor=" + "A".repeat(500), "schedule=Bad%20Name",
            "pipeline=" + "x".repeat(300), "limit=10&limit=20&limit=x", "status=completed&status=bogus"};
    private static final String[] BAD_PATHS = {"/api", "/api/", "/api/runs/" + UNKNOWN_RUN + "/nope", "/api/v2/runs",
            "/api/%00", "/api/runs/" + UNKNOWN_RUN + "/events/x", "/api/queues/x/y"};

    private String admin() {
        return bearer(keys.admin());
    }

    private static String bearer(String key) {
        return "Authorization: Bearer " + key + "\r\n";
    }

    private static String badAuthorization(SplittableRandom r) {
        return switch (r.nextInt(8)) {
            case 0 -> "";
            case 1 -> "Authorization: Bearer\r\n";
            case 2 -> "Authorization: Basic YWRtaW46YWRtaW4=\r\n";
            case 3 -> "Authorization: Bearer rsk_0123456789ab_" + "A".repeat(43) + "\r\n";
            case 4 -> "Authorization: Bearer " + "x".repeat(1 + r.nextInt(8000)) + "\r\n";
            case 5 -> "Authorization: bearer rsk_\r\n";
            case 6 -> "Authorization: Bearer rsk_zzzzzzzzzzzz_" + "A".repeat(43) + "\r\n";
            default -> "Authorization: Bearer " + randomText(r, 1 + r.nextInt(80)) + "\r\n";
        };
    }

    private static String validBody(String path) {
        if (path.startsWith("/api/runs/batch")) {
            return "{\"runs\":[{\"pipeline\":\"echo\",\"input\":{}}]}";
        } else if (path.startsWith("/api/schedules")) {
            return "{\"name\":\"fuzz\",\"pipeline\":\"echo\",\"cron\":\"0 0 1 1 *\"}";
        } else if (path.startsWith("/api/keys")) {
            return "{\"name\":\"fuzz\",\"scopes\":[\"runs:read\"]}";
        } else if (path.endsWith("/trigger")) {
            return "{\"a\":1}";
        }
        return "{\"pipeline\":\"echo\",\"input\":{}}";
    }

    private static String hostileBody(SplittableRandom r, boolean emptyRefused) {
        return switch (r.nextInt(14)) {
            case 0 -> emptyRefused ? "" : " {";
            case 1 -> "{";
            case 2 -> "{\"pipeline\":";
            case 3 -> "{\"pipeline\":\"echo\",\"input\":" + "[".repeat(1 + r.nextInt(100_000));
            case 4 -> "{\"pipeline\":\"echo\",\"input\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
            case 5 -> "{\"pipeline\":\"echo\",\"input\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}";
            case 6 -> "{\"pipeline\":\"e\u0000cho\"}";
            case 7 -> "\uFEFF{\"pipeline\":\"echo\"}";
            case 8 -> "{\"pipeline\":\"echo\",\"input\":{\"a\":\"\u00ed\u00a0\u0080\"}}"; // a surrogate's UTF-8: invalid
            case 9 -> "{\"pipeline\":\"echo\",\"input\":{" + "\"k\":1,".repeat(1 + r.nextInt(5000)) + "\"k\":1}}";
            case 10 -> "{'pipeline':'echo'}";
            case 11 -> "{\"pipeline\":\"echo\",\"input\":NaN}";
            case 12 -> "{\"pipeline\":\"echo\",\"input\":{}}\u0000";
            default -> "{\"pipeline\":\"echo\",\"input\":{\"x\":\"\\uZZZZ\"}}";
        };
    }

    /** Random bytes as an ISO-8859-1 string (each char one byte), invalid UTF-8 included. */
    private static String randomBytes(SplittableRandom r, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) r.nextInt(256);
        }
        return new String(chars);
    }

    /** Random printable ASCII, safe in a header. */
    private static String randomText(SplittableRandom r, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) (33 + r.nextInt(94));
        }
        return new String(chars);
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... values) {
        return values[r.nextInt(values.length)];
    }

    private static Shot request(String kind, String method, String target, String headers, String body, String type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // a body's characters become bytes one for one where they fit a byte (random bytes stay what they are), UTF-8
        // where they do not
        byte[] payload = body == null ? null : body.chars().allMatch(c -> c < 256)
                ? body.getBytes(StandardCharsets.ISO_8859_1) : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n").append(headers);
        if (payload != null) {
            if (type != null) {
                head.append("Content-Type: ").append(type).append("\r\n");
            }
            head.append("Content-Length: ").append(payload.length).append("\r\n");
        }
        head.append("\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        if (payload != null) {
            out.writeBytes(payload);
        }
        return new Shot(kind, out.toByteArray(), false);
    }

    private static Shot raw(String kind, byte[] bytes) {
        return new Shot(kind, bytes, true);
    }

    /** One kept-alive connection, reading one HTTP/1.1 response per request. */
    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        boolean reusable = true;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
        }

        /**
         * Sends {@code request} and reads the whole response; returns its status. {@code last}: nothing follows on
         * this connection (the api sees its end, as after a request cut short)
         */
        int exchange(byte[] request, boolean last) throws IOException {
            try {
                out.write(request);
                out.flush();
                if (last) {
                    socket.shutdownOutput();
                }
            } catch (IOException e) {
                // the api may answer (and close) before it read all of a request it refuses: read what it said
            }
            String statusLine = line();
            if (statusLine == null) {
                throw new IOException("closed without an answer");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            for (String header = line(); header != null && !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(0, colon)).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
                    case "connection" -> reusable &= !value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            if (parts[0].equals("HTTP/1.0")) {
                reusable = false;
            }
            if (chunked) {
                for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
                    skip(size);
                    line();
                }
                line();
            } else if (length >= 0) {
                skip(length);
            } else {
                in.transferTo(OutputStream.nullOutputStream());
                reusable = false;
            }
            return status;
        }

        private void skip(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("body cut short");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                line.append((char) c);
            }
            return line.isEmpty() ? null : line.toString();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
