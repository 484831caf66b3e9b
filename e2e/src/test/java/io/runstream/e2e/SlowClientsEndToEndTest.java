package io.runstream.e2e;

import io.runstream.local.AppProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow clients cannot hold the api. Connections that trickle their request headers a line at a time (slowloris), here
 * three times the api's connection limit, are all closed once the idle timeout (here 4 s) has passed without a whole
 * request: only what the api writes counts as activity, so trickling does not keep a connection. Health and metrics,
 * on the management port, answer within a second throughout, and the api serves at once after. Connections that do
 * make requests are held to the connection limit (here 150): one more is closed unanswered. A connection that sends
 * nothing is closed after the idle timeout too.
 *
 * <p>What this does not give: Vert.x counts a connection against the limit only once its first request head is in,
 * so half-open connections are bounded by how many a client opens within one idle timeout (docs/security.md).
 */
class SlowClientsEndToEndTest {

    private static final int LIMIT = 150;
    private static final int FLOOD = 3 * LIMIT;

    private static AppProcesses apps;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("slow-clients").start(Map.of("QUARKUS_HTTP_LIMITS_MAX_CONNECTIONS",
                Integer.toString(LIMIT), "QUARKUS_HTTP_IDLE_TIMEOUT", "4s"));
    }

    @AfterAll
    static void stop() throws Exception {
        AppProcesses.stopAndClose(apps);
    }

    @Test
    void aFloodOfTricklingClientsIsHeldToTheLimitAndHealthAnswersThroughout() throws Exception {
        long fdsBefore = openFiles(apps.apiPid());
        List<Socket> flood = new ArrayList<>();
        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicLong slowestHealthMs = new AtomicLong();
        AtomicLong healthFailures = new AtomicLong();
        Thread health = Thread.ofPlatform().start(() -> {
            while (flooding.get()) {
                long t0 = System.nanoTime();
                try {
                    int status = apps.plainHttp.send(HttpRequest.newBuilder(apps.apiManagement("/q/health/live"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 200) {
                        healthFailures.incrementAndGet();
                    }
                } catch (IOException | InterruptedException e) {
                    healthFailures.incrementAndGet();
                }
                slowestHealthMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
            }
        });
        try {
            for (int i = 0; i < FLOOD; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", apps.apiPort), 2_000);
                socket.setSoTimeout(1);
                trickle(socket, "GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n");
                flood.add(socket);
            }
            long floodedAt = System.nanoTime();
            // a header line every half second on every connection, never a whole request, until past the idle timeout
            for (int tick = 0; Duration.ofNanos(System.nanoTime() - floodedAt).compareTo(Duration.ofSeconds(7)) < 0; tick++) {
                trickleAll(flood, tick);
            }
            assertThat(flood.stream().filter(SlowClientsEndToEndTest::open).count())
                    .as("trickling connections held past the idle timeout").isZero();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(openFiles(apps.apiPid()) - fdsBefore)
                    .as("file descriptors the flood left behind").isLessThanOrEqualTo(10));
        } finally {
            flooding.set(false);
            health.join();
            for (Socket socket : flood) {
                socket.close();
            }
        }
        assertThat(healthFailures.get()).as("health answers that were not 200 or did not come").isZero();
        assertThat(slowestHealthMs.get()).as("slowest health answer, ms").isLessThan(1_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> new RunstreamClient(apps).getStatus("/api/pipelines") == 200);
    }

    @Test
    void connectionsOverTheLimitAreClosedUnanswered() throws Exception {
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT + 50; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress("127.0.0.1", apps.apiPort), 2_000);
                socket.setSoTimeout(3_000);
                trickle(socket, "GET /api/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                        + apps.adminKey + "\r\n\r\n");
                clients.add(socket);
            }
            int answered = 0;
            for (Socket socket : clients) {
                try {
                    answered += socket.getInputStream().read() == 'H' ? 1 : 0;
                } catch (IOException closed) {
                    // closed unanswered
                }
            }
            assertThat(answered).as("connections answered").isEqualTo(LIMIT);
        } finally {
            for (Socket socket : clients) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> new RunstreamClient(apps).getStatus("/api/pipelines") == 200);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", apps.apiPort), 2_000);
            socket.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("end of stream: the api closed it").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
        }
    }

    /** One more header line on every connection, then half a second. */
    private static void trickleAll(List<Socket> flood, int tick) {
        for (Socket socket : flood) {
            trickle(socket, "X-Slow-" + tick + ": " + "a".repeat(20) + "\r\n");
        }
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
    }

    private static void trickle(Socket socket, String text) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException closed) {
            // closed by the api: counted by open()
        }
    }

    /** Whether the api still holds {@code socket} open: a read that times out, not one at end of stream. */
    private static boolean open(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            return in.read() != -1;
        } catch (SocketTimeoutException stillOpen) {
            return true;
        } catch (IOException reset) {
            return false;
        }
    }

    private static long openFiles(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.count();
        }
    }
}
