package io.runstream.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code kubernetes/monitoring/}: the alerts pass {@code promtool check rules} and their unit tests
 * ({@code tests/rules-test.yaml}, run by promtool from Debian's prometheus package, {@code scripts/promtool.sh}), and
 * every alert has a case where it fires and one where it must not; every metric the alerts and the Grafana dashboard
 * name is one the packaged apps really export (scraped after runs that complete, retry and fail); and the PodMonitor
 * scrapes the port the apps serve their metrics on.
 */
class MonitoringEndToEndTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MONITORING = ROOT.resolve("kubernetes/monitoring");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metric names in PromQL: ours, the JVM's and the HTTP server's ({@code up} is Prometheus' own). */
    private static final Pattern METRIC = Pattern.compile("\\b((?:runstream|jvm|http_server)_[a-z_]+)\\b");

    private static AppProcesses apps;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("monitoring").start(Map.of("RUNSTREAM_WORKER_RETRY_BASE_DELAY", "100ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void promtoolChecksTheRulesAndTheirTestsPass() throws Exception {
        Path work = Files.createTempDirectory("runstream-rules");
        JsonNode rule = YAML.readTree(MONITORING.resolve("prometheus-rule.yaml").toFile());
        YAML.writeValue(work.resolve("rules.yaml").toFile(), Map.of("groups", rule.at("/spec/groups")));
        Files.copy(MONITORING.resolve("tests/rules-test.yaml"), work.resolve("rules-test.yaml"));
        String promtool = run(ROOT, ROOT.resolve("scripts/promtool.sh").toString()).trim();
        assertThat(run(work, promtool, "check", "rules", "rules.yaml")).contains("SUCCESS: " + alerts().size() + " rules");
        assertThat(run(work, promtool, "test", "rules", "rules-test.yaml")).contains("SUCCESS");
    }

    @Test
    void everyAlertHasACaseThatFiresAndOneThatMustNot() throws IOException {
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : YAML.readTree(MONITORING.resolve("tests/rules-test.yaml").toFile()).get("tests")) {
            for (JsonNode check : test.get("alert_rule_test")) {
                (check.get("exp_alerts").isEmpty() ? quiet : fires).add(check.get("alertname").asText());
            }
        }
        assertThat(fires).as("alerts with a case that fires").containsExactlyInAnyOrderElementsOf(alerts());
        assertThat(quiet).as("alerts with a case that must not fire").containsExactlyInAnyOrderElementsOf(alerts());
    }

    @Test
    void everyMetricTheAlertsAndTheDashboardNameIsExported() throws Exception {
        RunstreamClient client = new RunstreamClient(apps);
        String completed = client.submit("echo", "{}");
        String retried = client.submit("fail", "{\"times\":1}");
        String failed = client.submit("fail", "{\"message\":\"for good\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> client.status(completed).equals("completed")
                && client.status(retried).equals("completed") && client.status(failed).equals("failed"));
        Set<String> used = new TreeSet<>();
        for (JsonNode alert : YAML.readTree(MONITORING.resolve("prometheus-rule.yaml").toFile()).at("/spec/groups/0/rules")) {
            used.addAll(metrics(alert.get("expr").asText()));
        }
        for (JsonNode panel : JSON.readTree(MONITORING.resolve("grafana-dashboard.json").toFile()).get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                used.addAll(metrics(target.get("expr").asText()));
            }
        }
        assertThat(used).as("metrics named").hasSizeGreaterThan(15);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            String exported = scrape(apps.apiManagement("/q/metrics")) + scrape(apps.workerManagement(0, "/q/metrics"));
            Set<String> names = new TreeSet<>();
            exported.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
            assertThat(names).as("metrics the apps export").containsAll(used);
        });
    }

    @Test
    void thePodMonitorScrapesBothAppsWhereTheyServeMetrics() throws IOException {
        JsonNode monitor = YAML.readTree(MONITORING.resolve("pod-monitor.yaml").toFile());
        JsonNode endpoint = monitor.at("/spec/podMetricsEndpoints/0");
        assertThat(endpoint.get("path").asText()).isEqualTo(apps.apiManagement("/q/metrics").getPath());
        List<String> selected = new ArrayList<>();
        monitor.at("/spec/selector/matchExpressions/0/values").forEach(v -> selected.add(v.asText()));
        assertThat(selected).containsExactlyInAnyOrder("runstream-api", "runstream-worker");
        for (String app : List.of("api", "worker")) {
            String manifest = Files.readString(ROOT.resolve("kubernetes/base/" + app + ".yaml"));
            assertThat(manifest).as("%s names its management port", app)
                    .contains("- name: " + endpoint.get("port").asText());
        }
    }

    private static Set<String> alerts() throws IOException {
        Set<String> names = new TreeSet<>();
        YAML.readTree(MONITORING.resolve("prometheus-rule.yaml").toFile()).at("/spec/groups/0/rules")
                .forEach(r -> names.add(r.get("alert").asText()));
        return names;
    }

    private static Set<String> metrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String scrape(URI uri) throws IOException, InterruptedException {
        return apps.plainHttp.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Runs {@code command} in {@code dir}; returns its output, failing on a non-zero exit. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
        return output;
    }
}
