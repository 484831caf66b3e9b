package io.runstream.e2e;

import io.runstream.local.AppProcesses;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests no HTTP client library would send, written on a socket: each gets a clear problem answer, and none is
 * an ERROR in the api's log (a client's mistake is not the server's failure).
 */
class MalformedRequestsEndToEndTest {

    private static AppProcesses apps;

    @BeforeAll
    static void start() throws Exception {
        apps = new AppProcesses("malformed-requests");
        apps.startApi(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        apps.stop();
        apps.close();
    }

    @Test
    void anHttp11RequestWithoutHostIsA400Problem() throws Exception {
        String answer = exchange("GET /api/runs HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json").contains("Host");
        assertNoErrorLogged();
    }

    @Test
    void anHttp10RequestWithoutHostIsAnsweredNotClosed() throws Exception {
        String answer = exchange("GET /api/runs HTTP/1.0\r\nAuthorization: Bearer " + apps.adminKey + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.0 200").contains("\"items\"");
        assertNoErrorLogged();
    }

    private static String exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", apps.apiPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertNoErrorLogged() throws IOException {
        assertThat(Files.readAllLines(apps.log("api"))).noneMatch(line -> line.contains(" ERROR "));
    }
}
