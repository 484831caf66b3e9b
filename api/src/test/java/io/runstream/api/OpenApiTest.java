package io.runstream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.runstream.local.RunstreamTestResource;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static io.runstream.local.RunstreamTestResource.managementTestPort;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's OpenAPI document covers every route the api serves — each JAX-RS resource method (found by reflection
 * over the api's classes) and each Vert.x route under {@code /api} (from the router) — and nothing else; every
 * operation states its problem answers, and every request body names a schema the document defines. The document and
 * Swagger UI are on the management port only.
 */
@QuarkusTest
@WithTestResource(value = RunstreamTestResource.class, scope = TestResourceScope.RESTRICTED_TO_CLASS)
class OpenApiTest {

    private static final List<Class<? extends java.lang.annotation.Annotation>> METHODS = List.of(
            jakarta.ws.rs.GET.class, jakarta.ws.rs.POST.class, jakarta.ws.rs.PUT.class, jakarta.ws.rs.DELETE.class,
            jakarta.ws.rs.PATCH.class);

    @Inject
    Router router;

    private JsonNode document() throws IOException {
        String json = given().port(managementTestPort()).get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        return new ObjectMapper().readTree(json);
    }

    @Test
    void theDocumentCoversEveryRouteTheApiServesAndNoOther() throws Exception {
        Set<String> served = new TreeSet<>(resourceMethods());
        for (Route route : router.getRoutes()) {
            if (route.getPath() != null && route.getPath().startsWith("/api/") && route.methods() != null) {
                route.methods().forEach(m -> served.add(m.name() + " " + route.getPath().replaceAll(":(\\w+)", "{$1}")));
            }
        }
        assertThat(served).as("routes found").hasSizeGreaterThan(20).contains("GET /api/runs/{id}/events");
        Set<String> documented = new TreeSet<>();
        document().get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (Set.of("get", "post", "put", "delete", "patch").contains(op.getKey())) {
                documented.add(op.getKey().toUpperCase() + " " + path.getKey());
            }
        }));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(served);
    }

    @Test
    void everyOperationStatesItsProblemsAndEveryBodyItsSchema() throws Exception {
        JsonNode document = document();
        JsonNode schemas = document.at("/components/schemas");
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (!Set.of("get", "post", "put", "delete", "patch").contains(op.getKey())) {
                return;
            }
            String what = op.getKey() + " " + path.getKey();
            JsonNode responses = op.getValue().get("responses");
            for (String status : List.of("400", "401", "403", "429", "503")) {
                assertThat(responses.at("/" + status + "/content/application~1problem+json/schema/$ref").asText())
                        .as("%s answers %s with a problem", what, status).isEqualTo("#/components/schemas/Problem");
            }
            assertThat(responses.properties()).as("%s: a success", what)
                    .anySatisfy(r -> assertThat(r.getKey()).startsWith("2"));
            JsonNode body = op.getValue().at("/requestBody/content/application~1json/schema/$ref");
            if (!body.isMissingNode()) {
                String name = body.asText().replace("#/components/schemas/", "");
                assertThat(schemas.has(name)).as("%s's body schema %s is defined", what, name).isTrue();
                assertThat(responses.has("415")).as("%s refuses what is not JSON", what).isTrue();
            } else {
                assertThat(op.getValue().has("requestBody")).as("%s has no body of another kind", what).isFalse();
            }
        }));
        assertThat(document.at("/components/securitySchemes/apiKey/scheme").asText()).isEqualTo("bearer");
        assertThat(document.at("/paths/~1api~1runs~1{id}/get/responses/404").isMissingNode()).isFalse();
    }

    @Test
    void theDocumentAndSwaggerUiAreOnTheManagementPortOnly() {
        given().port(managementTestPort()).get("/q/swagger-ui/").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(404);
        given().get("/q/swagger-ui/").then().statusCode(404);
    }

    /** {@code METHOD /path} of every JAX-RS resource method among the api's classes. */
    private static Set<String> resourceMethods() throws IOException, ClassNotFoundException {
        Path classes = Path.of("target/classes");
        Set<String> found = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes.resolve("io/runstream/api"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
                jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
                if (root == null) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    for (var verb : METHODS) {
                        if (method.isAnnotationPresent(verb)) {
                            jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                            found.add(verb.getSimpleName() + " " + root.value() + (sub == null ? "" : "/" + sub.value()));
                        }
                    }
                }
            }
        }
        return found;
    }
}
