package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health and metrics ({@code /q/*}) are on each app's management interface, a server on a port of its own bound where
 * it is configured (here loopback only, {@code QUARKUS_MANAGEMENT_HOST=127.0.0.1}); the api's public port serves the
 * API alone, and the worker opens no other port at all. What each process listens on is read from the kernel
 * ({@code /proc/<pid>/fd} and {@code /proc/net/tcp[6]}), not from the apps' word.
 */
@Tag(AppProcesses.NATIVE_TAG)
class ManagementInterfaceEndToEndTest {

    private static final List<String> MANAGEMENT_PATHS = List.of("/q/health", "/q/health/live", "/q/health/ready",
            "/q/health/started", "/q/metrics", "/q/info", "/q/openapi", "/q/dev-ui");

    private static AppProcesses apps;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("management").start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void eachProcessListensOnlyWhereItShould() throws IOException {
        assertThat(listening(apps.apiPid())).as("the api's listening sockets").containsExactlyInAnyOrder(
                "*:" + apps.apiPort, "127.0.0.1:" + apps.apiManagementPort);
        int workerPort = apps.workerManagement(0, "").getPort();
        assertThat(listening(apps.workerPid(0))).as("the worker's listening sockets")
                .containsExactly("127.0.0.1:" + workerPort);
    }

    @Test
    void thePublicPortServesNoManagementPath() throws Exception {
        for (String path : MANAGEMENT_PATHS) {
            for (var client : List.of(apps.plainHttp, apps.http)) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(apps.api(path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as("%s on the public port", path).isEqualTo(404);
                assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
            }
        }
    }

    @Test
    void theManagementPortsServeHealthAndMetricsWithoutAKeyAndNoApi() throws Exception {
        assertThat(get(apps.apiManagement("/q/health/ready")).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> get(apps.apiManagement("/q/metrics")).body()
                .contains("runstream_queue_length{"));
        assertThat(get(apps.workerManagement(0, "/q/health/ready")).statusCode()).isEqualTo(200);
        assertThat(get(apps.apiManagement("/api/runs")).statusCode()).as("the API on the management port")
                .isEqualTo(404);
        assertThat(get(apps.apiManagement("/api/pipelines")).statusCode()).isEqualTo(404);

        String id = new RunstreamClient(apps).submit("echo", "{\"a\":1}");
        await().atMost(Duration.ofSeconds(20)).until(() -> new RunstreamClient(apps).status(id).equals("completed"));
        await().atMost(Duration.ofSeconds(5)).until(() -> get(apps.workerManagement(0, "/q/metrics")).body()
                .contains("runstream_runs_completed_total{pipeline=\"echo\"}"));
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return apps.plainHttp.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The TCP sockets process {@code pid} listens on, as {@code address:port}, {@code *} for every address: its
     * socket inodes matched against the kernel's tables of listening sockets.
     */
    private static Set<String> listening(long pid) throws IOException {
        Set<String> inodes;
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            inodes = fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed meanwhile
                }
            }).filter(link -> link.startsWith("socket:[")).map(link -> link.substring(8, link.length() - 1))
                    .collect(Collectors.toSet());
        }
        Set<String> sockets = new TreeSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                boolean listen = f[3].equals("0A");
                if (listen && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    sockets.add(address(local[0]) + ":" + Integer.parseInt(local[1], 16));
                }
            }
        }
        return sockets;
    }

    /** A kernel-table address (each 32-bit word in host order, little-endian here) as text; {@code *} for any. */
    private static String address(String hex) throws IOException {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] bytes = new byte[raw.length];
        for (int word = 0; word < raw.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                bytes[word + i] = raw[word + 3 - i];
            }
        }
        InetAddress address = InetAddress.getByAddress(bytes);
        return address.isAnyLocalAddress() ? "*" : address.getHostAddress();
    }
}
