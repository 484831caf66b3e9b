package io.runstream.api.openapi;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import java.util.Map;

/**
 * Gives every operation of the API document the problem answers (application/problem+json) the api really gives it:
 * every {@code /api} endpoint checks the key and its scope (401, 403), counts the tenant's requests (429), answers 503
 * while Redis or PostgreSQL is unreachable and 400 to a query parameter given twice; one that looks up a run, schedule
 * or key by its path 404s an unknown one (or another tenant's); one with a body refuses a bad one (400), a large one (413) and one that is not
 * JSON (415). What an operation declares itself (a 409) stays. Registered as {@code mp.openapi.filter}.
 */
public class ProblemResponses implements OASFilter {

    private static final Map<String, String> EVERY_OPERATION = Map.of(
            "400", "a bad request: a parameter or the body is invalid, or a query parameter is given twice",
            "401", "no key, or one that is unknown, revoked or expired",
            "403", "the key lacks the scope this needs",
            "429", "the tenant is over one of its limits; Retry-After says when to retry",
            "503", "Redis or PostgreSQL is unreachable; Retry-After says when to retry");
    private static final Map<String, String> WITH_PATH_PARAMETER = Map.of(
            "404", "no such resource, or another tenant's");
    private static final Map<String, String> WITH_BODY = Map.of(
            "413", "the body is over the limit (RUNSTREAM_API_MAX_BODY_BYTES)",
            "415", "the body is not JSON in UTF-8 (Content-Type: application/json)");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (path.startsWith("/api/")) {
                item.getOperations().forEach((method, operation) -> addProblems(path, method, operation));
            }
        });
    }

    private static void addProblems(String path, PathItem.HttpMethod method, Operation operation) {
        if (operation.getResponses() == null) {
            operation.setResponses(OASFactory.createAPIResponses());
        }
        APIResponses responses = operation.getResponses();
        add(responses, EVERY_OPERATION);
        // a PUT makes what it names; a pipeline is named, not looked up (an unknown one is a 400 naming the known);
        // a queue's dead letters are a list, empty for a queue that has none
        if (path.contains("{") && method != PathItem.HttpMethod.PUT && !path.startsWith("/api/pipelines/")
                && !path.endsWith("/dead-letters")) {
            add(responses, WITH_PATH_PARAMETER);
        }
        if (operation.getRequestBody() != null) {
            add(responses, WITH_BODY);
        }
    }

    private static void add(APIResponses responses, Map<String, String> problems) {
        problems.forEach((status, description) -> {
            if (!responses.hasAPIResponse(status)) {
                responses.addAPIResponse(status, OASFactory.createAPIResponse().description(description)
                        .content(OASFactory.createContent().addMediaType("application/problem+json",
                                OASFactory.createMediaType().schema(OASFactory.createSchema()
                                        .ref("#/components/schemas/Problem")))));
            }
        });
    }
}
