package io.runstream.api.problem;

import io.runstream.api.ApiConfig;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Refuses a body announced larger than {@code runstream.api.max-body-bytes} before it is read. Bodies sent
 * without a length are measured where they are read ({@link #check}).
 */
public class BodyLimitFilter {

    private final ApiConfig config;

    public BodyLimitFilter(ApiConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> announcedLength(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > config.maxBodyBytes()) {
                    return Optional.of(tooLarge(config.maxBodyBytes()).problem().toResponse().build());
                }
            } catch (NumberFormatException e) {
                return Optional.of(ProblemException.badRequest("Content-Length is not a number").problem()
                        .toResponse().build());
            }
        }
        return Optional.empty();
    }

    /** Throws 413 when {@code size} exceeds {@code limit}. */
    public static void check(long size, int limit) {
        if (size > limit) {
            throw tooLarge(limit);
        }
    }

    private static ProblemException tooLarge(int limit) {
        return new ProblemException(Problem.of(Response.Status.REQUEST_ENTITY_TOO_LARGE,
                "the body is larger than the limit of " + limit + " bytes"));
    }
}
