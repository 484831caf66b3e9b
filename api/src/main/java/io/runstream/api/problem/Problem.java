package io.runstream.api.problem;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem detail, served as {@code application/problem+json}.
 *
 * @param type       URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title      short summary of the kind of problem
 * @param status     HTTP status
 * @param detail     what went wrong this time, for a human
 * @param extensions extra members (e.g. {@code knownPipelines}), written beside the standard ones
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail,
                      @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** A problem of {@code status} with its reason phrase as title. */
    public static Problem of(Response.StatusType status, String detail) {
        return new Problem("about:blank", status.getReasonPhrase(), status.getStatusCode(), detail, Map.of());
    }

    /** This problem with one more extension member. */
    public Problem with(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new Problem(type, title, status, detail, more);
    }

    @JsonAnyGetter
    Map<String, Object> anyExtensions() {
        return extensions;
    }

    /** The response carrying this problem. */
    public Response.ResponseBuilder toResponse() {
        return Response.status(status).type(MEDIA_TYPE).entity(this);
    }
}
