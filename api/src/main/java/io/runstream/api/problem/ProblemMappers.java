package io.runstream.api.problem;

import io.runstream.api.ApiConfig;
import io.runstream.log.FailureLog;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps each specific failure to its problem response. There is deliberately no mapper for {@link Exception}: a
 * bug must show as a 500 and a stack trace in the log, not be dressed up.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final ApiConfig config;
    /** Per dependency: an outage answers every request with 503, and is one WARN a minute in the log, not one each. */
    private final Map<String, FailureLog> outages = new ConcurrentHashMap<>();

    public ProblemMappers(ApiConfig config) {
        this.config = config;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse().build();
    }

    @ServerExceptionMapper
    public Response refused(io.runstream.api.auth.Authenticator.Refused e) {
        return e.toResponse();
    }

    @ServerExceptionMapper
    public Response unavailable(UnavailableException e) {
        outages.computeIfAbsent(e.dependency(), d -> new FailureLog(LOG, "Reaching " + d + " for a request (answered 503)",
                Duration.ofMinutes(1))).failed(e.getCause() == null ? e : e.getCause());
        return e.problem().toResponse()
                .header(HttpHeaders.RETRY_AFTER, config.retryAfterSeconds())
                .build();
    }

    /** JAX-RS' own answers (404 unknown path, 405, 406, 415 wrong content type) as problems, status kept. */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        String detail = switch (status.getStatusCode()) {
            case 415 -> "the body must be JSON: send Content-Type: application/json";
            case 404 -> "no such resource";
            default -> e.getMessage();
        };
        return Problem.of(status, detail).toResponse().build();
    }
}
