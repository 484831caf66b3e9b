package io.runstream.api;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.runstream.auth.Scope;
import io.runstream.local.RunstreamTestResource;
import io.runstream.migrate.CreateKey;
import io.runstream.migrate.Migrate;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/**
 * API keys, scopes, tenants and read tokens, with auth on as in production: who is refused with what, and that no
 * tenant sees, changes or learns of another's runs, schedules or keys.
 */
@QuarkusTest
@TestProfile(AuthApiTest.ShortLived.class)
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class AuthApiTest {

    static final String PROBLEM = "application/problem+json";

    /** Auth on, as shipped (the other api tests turn it off), and read tokens that expire within the test. */
    public static class ShortLived implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("runstream.auth.enabled", "true", "runstream.auth.read-token-ttl", "3s",
                    "runstream.limits.tenants.\"slow\".requests-per-second", "1",
                    "runstream.limits.tenants.\"slow\".burst", "3",
                    "runstream.limits.tenants.\"narrow\".sse-connections", "1",
                    "runstream.limits.tenants.\"busy\".runs-in-flight", "3",
                    "runstream.limits.sse-connections-per-client", "3");
        }
    }

    @Inject
    ApiFixture fixture;

    @RunstreamTestResource.Settings
    Map<String, String> settings;

    @BeforeEach
    void pipelines() {
        fixture.knownPipeline("echo", "worker-1");
    }

    private String key(String tenant, Scope... scopes) {
        return key(tenant, null, scopes);
    }

    private String key(String tenant, Duration expiresIn, Scope... scopes) {
        Migrate.Target target = Migrate.Target.ofReactiveUrl(settings.get("quarkus.datasource.reactive.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
        return CreateKey.create(target, new CreateKey.Request(tenant, "test", List.of(scopes), expiresIn));
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static String submit(String key) {
        return as(key).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}").post("/api/runs")
                .then().statusCode(202).extract().path("id");
    }

    @Test
    void aRequestWithoutAValidKeyIs401WithABearerChallenge() {
        fixture.assertNothingChanges(() -> given().contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}")
                .post("/api/runs").then().statusCode(401).contentType(PROBLEM)
                .header("WWW-Authenticate", startsWith("Bearer realm=\"runstream\""))
                .body("detail", containsString("Authorization: Bearer")));
        given().get("/api/runs").then().statusCode(401);
        given().get("/api/no-such-thing").then().statusCode(401);
        given().header("Authorization", "Basic YWxpY2U6c2VjcmV0").get("/api/runs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("invalid_request"));
        as("rsk_000000000000_" + "A".repeat(43)).get("/api/runs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("invalid_token"))
                .body("detail", containsString("unknown API key"));
        as("not-a-key").get("/api/runs").then().statusCode(401).body("detail", containsString("not an API key"));
        // a known prefix with the wrong secret is not that key
        String real = key("acme", Scope.ADMIN);
        as(real.substring(0, real.length() - 4) + "AAAA").get("/api/runs").then().statusCode(401);
        as(real).get("/api/runs").then().statusCode(200);
        given().port(managementTestPort()).get("/q/health/live").then().statusCode(200);
    }

    @Test
    void eachEndpointNeedsItsScope() {
        String reader = key("acme", Scope.RUNS_READ);
        String writer = key("acme", Scope.RUNS_WRITE);
        fixture.assertNothingChanges(() -> as(reader).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}")
                .post("/api/runs").then().statusCode(403).contentType(PROBLEM)
                .header("WWW-Authenticate", containsString("scope=\"runs:write\""))
                .body("detail", containsString("runs:write")));
        fixture.assertNothingChanges(() -> as(reader).contentType(ContentType.JSON)
                .body("{\"runs\":[{\"pipeline\":\"echo\"}]}").post("/api/runs/batch").then().statusCode(403));
        fixture.assertNothingChanges(() -> as(reader).contentType(ContentType.JSON).body("{}")
                .post("/api/pipelines/echo/trigger").then().statusCode(403));
        String id = submit(writer);
        as(writer).get("/api/runs/" + id).then().statusCode(403);
        as(writer).get("/api/runs").then().statusCode(403);
        as(writer).get("/api/queues").then().statusCode(403);
        as(writer).get("/api/pipelines").then().statusCode(403);
        as(writer).get("/api/runs/" + id + "/events").then().statusCode(403);
        as(reader).contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(403);
        as(reader).get("/api/runs/" + id).then().statusCode(200).body("status", equalTo("queued"));
        as(reader).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\",\"cron\":\"0 3 * * *\"}")
                .put("/api/schedules/nightly").then().statusCode(403);
        as(reader).get("/api/keys").then().statusCode(403);
        as(reader).contentType(ContentType.JSON).body("{\"name\":\"x\",\"scopes\":[\"admin\"]}").post("/api/keys")
                .then().statusCode(403);
        String canceller = key("acme", Scope.RUNS_CANCEL);
        as(canceller).contentType(ContentType.JSON).post("/api/runs/" + id + "/cancel").then().statusCode(202).body("status", equalTo("cancelled"));
    }

    @Test
    void anotherTenantsRunIsNotFoundAnywhere() {
        String alice = key("alice", Scope.ADMIN);
        String bob = key("bob", Scope.ADMIN);
        String run = submit(alice);
        ValidatableResponse notFound = as(bob).get("/api/runs/" + run).then().statusCode(404).contentType(PROBLEM);
        String unknown = as(bob).get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24").then().statusCode(404)
                .extract().path("detail");
        assertThat(notFound.extract().<String>path("detail")).isEqualTo(unknown.replace(
                "01a205d1-c2a0-7403-b95c-93eac94c0c24", run));
        as(bob).contentType(ContentType.JSON).post("/api/runs/" + run + "/cancel").then().statusCode(404);
        as(bob).get("/api/runs/" + run + "/events").then().statusCode(404);
        as(bob).contentType(ContentType.JSON).post("/api/runs/" + run + "/tokens").then().statusCode(404);
        as(bob).get("/api/runs").then().statusCode(200).body("items.id", not(hasItem(run)));
        as(bob).get("/api/pipelines/echo/jobs").then().statusCode(200).body("jobs.id", not(hasItem(run)));
        as(alice).get("/api/runs/" + run).then().statusCode(200).body("status", equalTo("queued"));
        as(alice).get("/api/runs").then().statusCode(200).body("items.id", hasItem(run));
    }

    @Test
    void anIdempotencyKeyIsATenantsOwn() {
        String alice = key("alice2", Scope.RUNS_WRITE);
        String bob = key("bob2", Scope.RUNS_WRITE);
        String first = as(alice).contentType(ContentType.JSON).header("Idempotency-Key", "order-1")
                .body("{\"pipeline\":\"echo\"}").post("/api/runs").then().statusCode(202).extract().path("id");
        String other = as(bob).contentType(ContentType.JSON).header("Idempotency-Key", "order-1")
                .body("{\"pipeline\":\"echo\",\"input\":1}").post("/api/runs").then().statusCode(202).extract().path("id");
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void anotherTenantsScheduleIsNotFound() {
        String alice = key("alice3", Scope.ADMIN);
        String bob = key("bob3", Scope.ADMIN);
        as(alice).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\",\"cron\":\"0 3 * * *\"}")
                .put("/api/schedules/alices").then().statusCode(201);
        as(bob).get("/api/schedules/alices").then().statusCode(404);
        as(bob).get("/api/schedules").then().statusCode(200).body("schedules.name", not(hasItem("alices")));
        as(bob).contentType(ContentType.JSON).post("/api/schedules/alices/pause").then().statusCode(404);
        as(bob).delete("/api/schedules/alices").then().statusCode(404);
        as(bob).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\",\"cron\":\"0 4 * * *\"}")
                .put("/api/schedules/alices").then().statusCode(409);
        as(alice).get("/api/schedules/alices").then().statusCode(200).body("cron", equalTo("0 3 * * *"))
                .body("paused", equalTo(false));
    }

    @Test
    void aTenantOverItsRequestRateIs429WithRetryAfterAndOthersAreNotSlowed() {
        String slow = key("slow", Scope.RUNS_READ);
        String other = key("other-fast", Scope.RUNS_READ);
        int admitted = 0;
        io.restassured.response.Response refused = null;
        for (int i = 0; i < 20 && refused == null; i++) { // a burst of 3, then 1 a second: the 5th comes too soon
            io.restassured.response.Response r = as(slow).get("/api/runs");
            if (r.statusCode() == 429) {
                refused = r;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
                admitted++;
            }
        }
        assertThat(admitted).isBetween(3, 5);
        assertThat(refused).as("a request over the rate").isNotNull();
        assertThat(refused.contentType()).startsWith(PROBLEM);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.jsonPath().getString("detail")).contains("tenant slow", "1 per second");
        // another tenant is not slowed, and neither is an unknown key (refused before it is counted against anyone)
        as(other).get("/api/runs").then().statusCode(200);
        given().get("/api/runs").then().statusCode(401);
        // the SSE route counts too
        as(slow).get("/api/runs/01a205d1-c2a0-7403-b95c-93eac94c0c24/events").then().statusCode(429)
                .header("Retry-After", "1");
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> as(slow).get("/api/runs").statusCode() == 200);
    }

    @Test
    void aTenantHoldsNoMoreEventStreamsThanItMay() throws Exception {
        String narrow = key("narrow", Scope.RUNS_READ, Scope.RUNS_WRITE);
        String run = submit(narrow); // no worker here: it stays queued, so its stream stays open
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest follow = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + io.restassured.RestAssured.port + "/api/runs/" + run + "/events"))
                .header("Authorization", "Bearer " + narrow).build();
        HttpResponse<InputStream> first = http.send(follow,
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(first.statusCode()).isEqualTo(200);
        as(narrow).get("/api/runs/" + run + "/events").then().statusCode(429).contentType(PROBLEM)
                .header("Retry-After", "1").body("detail", containsString("holds 1 event streams"));
        as(narrow).get("/api/runs/" + run).then().statusCode(200); // only streams are limited

        first.body().close(); // the client goes: its slot is free again
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            HttpResponse<InputStream> again = http.send(follow,
                    HttpResponse.BodyHandlers.ofInputStream());
            again.body().close();
            return again.statusCode() == 200;
        });
    }

    @Test
    void aTenantHasNoMoreRunsInFlightThanItMayAndABatchOverItRecordsNothing() {
        String busy = key("busy", Scope.RUNS_READ, Scope.RUNS_WRITE, Scope.RUNS_CANCEL);
        String first = submit(busy); // no worker here: its runs stay queued
        submit(busy);
        fixture.assertNothingChanges(() -> as(busy).contentType(ContentType.JSON)
                .body("{\"runs\":[{\"pipeline\":\"echo\"},{\"pipeline\":\"echo\"}]}").post("/api/runs/batch")
                .then().statusCode(429).contentType(PROBLEM).header("Retry-After", "1")
                .body("detail", containsString("tenant busy has 2 runs queued or running")));
        submit(busy);
        fixture.assertNothingChanges(() -> as(busy).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}")
                .post("/api/runs").then().statusCode(429).body("detail", containsString("limit of 3")));
        submit(key("acme", Scope.RUNS_WRITE)); // another tenant is not held back
        // PostgreSQL's count holds across recounts; a run that ends makes room for one more
        Awaitility.await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
        as(busy).contentType(ContentType.JSON).body("{\"pipeline\":\"echo\"}").post("/api/runs").then().statusCode(429);
        as(busy).contentType(ContentType.JSON).post("/api/runs/" + first + "/cancel").then().statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> as(busy).contentType(ContentType.JSON)
                .body("{\"pipeline\":\"echo\"}").post("/api/runs").statusCode() == 202);
    }

    @Test
    void aClientHoldsNoMoreEventStreamsThanItMayWhateverItsTenants() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (String tenant : List.of("c1", "c2", "c3")) {
                String reader = key(tenant, Scope.RUNS_READ, Scope.RUNS_WRITE);
                held.add(follow("127.0.0.1", submit(reader), reader));
                assertThat(statusLine(held.getLast())).contains(" 200 ");
            }
            String fourth = key("c4", Scope.RUNS_READ, Scope.RUNS_WRITE);
            String own = submit(fourth);
            Socket refused = follow("127.0.0.1", own, fourth);
            held.add(refused);
            assertThat(statusLine(refused)).contains(" 429 ");
            Socket elsewhere = follow("127.0.0.2", own, fourth);
            held.add(elsewhere);
            assertThat(statusLine(elsewhere)).as("another client").contains(" 200 ");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    /** Opens the event stream of {@code run} from local address {@code from}, over a socket of its own. */
    private static Socket follow(String from, String run, String key) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", io.restassured.RestAssured.port), 2_000);
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(("GET /api/runs/" + run + "/events HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + key + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    private static String statusLine(Socket socket) throws IOException {
        StringBuilder line = new StringBuilder();
        InputStream in = socket.getInputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    @Test
    void anAdminMakesListsAndRevokesItsTenantsKeys() {
        String admin = key("keys", Scope.ADMIN);
        var made = as(admin).contentType(ContentType.JSON)
                .body("{\"name\":\"ci\",\"scopes\":[\"runs:write\",\"runs:read\"],\"expiresIn\":\"P30D\"}")
                .post("/api/keys").then().statusCode(201)
                .body("about.tenant", equalTo("keys"))
                .body("about.scopes", equalTo(List.of("runs:write", "runs:read")))
                .body("about.expiresAt", not(nullValue()))
                .extract();
        String key = made.path("key");
        String id = made.path("about.id");
        assertThat(key).matches("rsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}");
        assertThat(made.<String>path("about.prefix")).isEqualTo(key.substring(0, 16));
        submit(key);
        String listed = as(admin).get("/api/keys").then().statusCode(200).extract().asString();
        assertThat(listed).contains(key.substring(0, 16)).doesNotContain(key);
        assertThat(keyColumnsHold(key)).as("the table keeps the key's hash only").isFalse();
        // another tenant's admin cannot see or revoke it
        String stranger = key("strangers", Scope.ADMIN);
        assertThat(as(stranger).get("/api/keys").then().extract().asString()).doesNotContain(id);
        as(stranger).delete("/api/keys/" + id).then().statusCode(404);
        // revoked with a grace period: works until it ends, then refused
        as(admin).queryParam("grace", "PT3S").delete("/api/keys/" + id).then().statusCode(200)
                .body("revokedAt", not(nullValue()));
        as(key).get("/api/runs").then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> as(key).get("/api/runs").then()
                .statusCode(401).body("detail", containsString("was revoked")));
        // bad requests change nothing
        as(admin).contentType(ContentType.JSON).body("{\"name\":\"x\",\"scopes\":[\"root\"]}").post("/api/keys")
                .then().statusCode(400).body("detail", containsString("unknown scope"));
        as(admin).contentType(ContentType.JSON).body("{\"name\":\"x\",\"scopes\":[]}").post("/api/keys")
                .then().statusCode(400);
        as(admin).queryParam("grace", "P90D").delete("/api/keys/" + id).then().statusCode(400);
    }

    private boolean keyColumnsHold(String key) {
        return fixture.countWhere("SELECT count(*) FROM api_keys WHERE prefix = $1 OR name = $1 "
                + "OR encode(secret_hash, 'escape') LIKE '%' || $1 || '%'", key) > 0;
    }

    @Test
    void aKeyRevokedNowIsRefusedWithinTheCacheLifetime() {
        String admin = key("revoking", Scope.ADMIN);
        var made = as(admin).contentType(ContentType.JSON).body("{\"name\":\"soon-gone\",\"scopes\":[\"runs:read\"]}")
                .post("/api/keys").then().statusCode(201).extract();
        String key = made.path("key");
        as(key).get("/api/runs").then().statusCode(200); // cached now
        as(admin).delete("/api/keys/" + made.<String>path("about.id")).then().statusCode(200);
        long revoked = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> as(key).get("/api/runs").then().statusCode(401));
        assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void anExpiredKeyIsRefused() {
        String key = key("expiring", Duration.ofSeconds(1), Scope.RUNS_READ);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> as(key).get("/api/runs").then()
                .statusCode(401).body("detail", containsString("expired")));
    }

    @Test
    void aReadTokenFollowsItsRunAndNothingElseUntilItExpires() {
        String alice = key("tokens", Scope.ADMIN);
        String run = submit(alice);
        String other = submit(alice);
        var issued = as(alice).contentType(ContentType.JSON).post("/api/runs/" + run + "/tokens").then().statusCode(201)
                .body("events", startsWith("/api/runs/" + run + "/events?token=")).extract();
        String token = issued.path("token");
        fixture.setStatus(run, "completed");
        given().queryParam("token", token).get("/api/runs/" + run + "/events").then().statusCode(200)
                .contentType(containsString("text/event-stream"));
        given().queryParam("token", token).get("/api/runs/" + other + "/events").then().statusCode(401)
                .body("detail", containsString("another run"));
        given().queryParam("token", token).get("/api/runs/" + run).then().statusCode(401);
        given().queryParam("token", token).get("/api/runs").then().statusCode(401);
        given().header("Authorization", "Bearer " + token).get("/api/runs/" + run).then().statusCode(401);
        String forged = token.substring(0, token.indexOf('.') + 1) + "A".repeat(43);
        given().queryParam("token", forged).get("/api/runs/" + run + "/events").then().statusCode(401);
        Awaitility.await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> given().queryParam("token", token)
                .get("/api/runs/" + run + "/events").then().statusCode(401).body("detail", containsString("expired")));
    }
}
