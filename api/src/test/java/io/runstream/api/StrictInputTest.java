package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.runstream.local.RunstreamTestResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Bodies a lenient parser would take and change on the way: each is refused with a precise problem, nothing is
 * recorded, and what would have been stored is not guessed. Requests are written on a socket, so the test says
 * every byte and header the api sees.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class StrictInputTest {

    @Inject
    ApiFixture fixture;

    @BeforeEach
    void pipelines() {
        fixture.knownPipeline("echo", "worker-1");
    }

    @Test
    void aNumberBeyondWhatJsonCanCarryIs400NotInfinity() {
        for (String number : new String[] {"1e999999", "-1e999999", "1E+400"}) {
            refused("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\",\"input\":{\"n\":" + number + "}}"),
                    400, "number out of range");
        }
    }

    @Test
    void invalidUtf8Is400NotAReplacementCharacter() {
        byte[] body = concat(json("{\"pipeline\":\"echo\",\"input\":\"a"), new byte[] {(byte) 0xC3, (byte) 0x28},
                json("\"}"));
        refused("POST", "/api/runs", "application/json", body, 400, "not valid UTF-8");
        byte[] lone = concat(json("{\"pipeline\":\"echo\",\"input\":\""), new byte[] {(byte) 0xFF}, json("\"}"));
        refused("POST", "/api/runs/batch", "application/json", concat(json("{\"runs\":["), lone, json("]}")), 400,
                "not valid UTF-8");
    }

    @Test
    void aCharsetOtherThanUtf8Is415() {
        refused("POST", "/api/runs", "application/json; charset=ISO-8859-1", json("{\"pipeline\":\"echo\"}"), 415,
                "UTF-8");
        refused("POST", "/api/runs", "application/json;charset=utf-16", json("{\"pipeline\":\"echo\"}"), 415,
                "UTF-8");
        Answer accepted = exchange("POST", "/api/runs", "application/json; charset=\"UTF-8\"",
                json("{\"pipeline\":\"echo\"}"));
        assertThat(accepted.status).as(accepted.text).isEqualTo(202);
    }

    @Test
    void trailingJunkAfterTheDocumentIs400() {
        refused("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\"} {\"pipeline\":\"echo\"}"), 400,
                "after the JSON document");
        refused("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\"}x"), 400, "malformed JSON");
        refused("POST", "/api/pipelines/echo/trigger", "application/json", json("{} []"), 400,
                "after the JSON document");
    }

    @Test
    void aDuplicateMemberIs400NamingIt() {
        refused("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\",\"pipeline\":\"sleep\"}"), 400,
                "duplicate member 'pipeline'");
        refused("POST", "/api/runs", "application/json",
                json("{\"pipeline\":\"echo\",\"input\":{\"a\":1,\"b\":2,\"a\":3}}"), 400, "duplicate member 'a'");
        refused("PUT", "/api/schedules/nightly", "application/json",
                json("{\"pipeline\":\"echo\",\"cron\":\"0 3 * * *\",\"cron\":\"0 4 * * *\"}"), 400,
                "duplicate member 'cron'");
    }

    @Test
    void aBodyWithoutAJsonContentTypeIs415() {
        refused("POST", "/api/runs", "", json("{\"pipeline\":\"echo\"}"), 415, "application/json");
        refused("POST", "/api/runs", null, json("{\"pipeline\":\"echo\"}"), 415, "application/json");
        refused("POST", "/api/runs/batch", null, json("{\"runs\":[{\"pipeline\":\"echo\"}]}"), 415,
                "application/json");
    }

    /** Found by the fuzz test: each of these was accepted (202 or 200), the first two recording a run. */
    @Test
    void malformedTypesEmptyKeysAndRepeatedParametersAreRefused() {
        refused("POST", "/api/runs", "application/json;;;=", json("{\"pipeline\":\"echo\"}"), 415, "malformed");
        refused("POST", "/api/runs", "application/json; charset", json("{\"pipeline\":\"echo\"}"), 415, "malformed");
        refused("POST", "/api/runs", "application/json;", json("{\"pipeline\":\"echo\"}"), 415, "malformed");
        fixture.assertNothingChanges(() -> {
            Answer answer = exchange("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\"}"),
                    "localhost", "Idempotency-Key: \r\n");
            assertThat(answer.status).as(answer.text).isEqualTo(400);
            assertThat(answer.text).contains("Idempotency-Key must be 1 to 255");
            Answer twice = exchange("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\"}"),
                    "localhost", "Idempotency-Key: a\r\nIdempotency-Key: b\r\n");
            assertThat(twice.status).as(twice.text).isEqualTo(400);
            assertThat(twice.text).contains("given 2 times");
        });
        for (String query : new String[] {"limit=10&limit=x", "status=completed&status=bogus"}) {
            Answer answer = exchange("GET", "/api/runs?" + query, null, null);
            assertThat(answer.status).as(query + ": " + answer.text).isEqualTo(400);
            assertThat(answer.text).contains("application/problem+json").contains("times: give it once");
        }
        Answer events = exchange("GET", "/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/events?token=a&token=b", null, null);
        assertThat(events.status).as(events.text).isEqualTo(400);
    }

    @Test
    void aFormCannotCancelARun() {
        String id = given().contentType("application/json").body("{\"pipeline\":\"echo\"}").post("/api/runs")
                .then().statusCode(202).extract().path("id");
        for (String type : new String[] {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"}) {
            Answer answer = exchange("POST", "/api/runs/" + id + "/cancel", type, json("a=b"));
            assertThat(answer.status).as(type + ": " + answer.text).isEqualTo(415);
            assertThat(answer.text).contains("application/problem+json");
        }
        given().get("/api/runs/" + id).then().statusCode(200).body("status", equalTo("queued"));
        Answer cancelled = exchange("POST", "/api/runs/" + id + "/cancel", null, new byte[0]);
        assertThat(cancelled.status).as(cancelled.text).isEqualTo(202);
    }

    @Test
    void theLocationOfARunDoesNotComeFromTheRequestsHost() {
        Answer answer = exchange("POST", "/api/runs", "application/json", json("{\"pipeline\":\"echo\"}"),
                "evil.example");
        assertThat(answer.status).as(answer.text).isEqualTo(202);
        assertThat(answer.header("Location")).matches("/api/runs/[0-9a-f-]{36}");
        Answer trigger = exchange("POST", "/api/pipelines/echo/trigger", "application/json", json("{}"),
                "evil.example");
        assertThat(trigger.header("Location")).matches("/api/runs/[0-9a-f-]{36}");
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() {
        String id = given().contentType("application/json").body("{\"pipeline\":\"echo\"}").post("/api/runs")
                .then().statusCode(202).extract().path("id");
        for (Answer answer : new Answer[] {
                exchange("GET", "/api/runs/" + id, null, null),
                exchange("GET", "/api/runs/nothing-here", null, null),
                exchange("GET", "/no/such/path", null, null),
                exchange("POST", "/api/runs", "application/json", json("{")),
                exchange("GET", "/api/runs/" + id + "/events?lastEventId=bad", null, null)}) {
            assertThat(answer.header("X-Content-Type-Options")).as(answer.text).isEqualTo("nosniff");
            assertThat(answer.header("X-Frame-Options")).as(answer.text).isEqualTo("DENY");
            assertThat(answer.header("Content-Security-Policy")).as(answer.text)
                    .contains("default-src 'none'").contains("frame-ancestors 'none'");
            assertThat(answer.header("Referrer-Policy")).as(answer.text).isEqualTo("no-referrer");
            assertThat(answer.header("Cache-Control")).as(answer.text).isEqualTo("no-store");
            assertThat(answer.header("Access-Control-Allow-Origin")).as(answer.text).isNull();
        }
    }

    @Test
    void crossOriginRequestsGetNoCorsGrant() {
        Answer preflight = exchange("OPTIONS", "/api/runs", null, null, "localhost",
                "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
        assertThat(preflight.header("Access-Control-Allow-Origin")).as(preflight.text).isNull();
    }

    private void refused(String method, String path, String contentType, byte[] body, int status, String detail) {
        fixture.assertNothingChanges(() -> {
            Answer answer = exchange(method, path, contentType, body);
            assertThat(answer.status).as(answer.text).isEqualTo(status);
            assertThat(answer.text).contains("application/problem+json").contains(detail);
        });
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    record Answer(int status, String text) {

        String header(String name) {
            for (String line : text.split("\r\n")) {
                if (line.isEmpty()) {
                    return null;
                }
                if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                    return line.substring(name.length() + 1).trim();
                }
            }
            return null;
        }
    }

    private static Answer exchange(String method, String path, String contentType, byte[] body) {
        return exchange(method, path, contentType, body, "localhost");
    }

    private static Answer exchange(String method, String path, String contentType, byte[] body, String host) {
        return exchange(method, path, contentType, body, host, "");
    }

    /** One request on its own connection; a null content type sends none, an empty one sends an empty header. */
    private static Answer exchange(String method, String path, String contentType, byte[] body, String host,
                                   String extraHeaders) {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host
                + "\r\nConnection: close\r\n" + extraHeaders);
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                socket.getOutputStream().write(body);
            }
            socket.getOutputStream().flush();
            String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(Integer.parseInt(text.substring(9, 12)), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
