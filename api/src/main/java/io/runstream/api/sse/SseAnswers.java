package io.runstream.api.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runstream.api.ApiConfig;
import io.runstream.api.auth.Authenticator;
import io.runstream.api.limit.TenantLimits;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.RepeatedQueryFilter;
import io.runstream.api.problem.UnavailableException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * What the SSE routes (plain Vert.x routes, outside JAX-RS' exception mappers) answer before a stream starts — a
 * problem for a refusal or an outage — and how they start one: the tenant's and the client's stream limits, then the
 * event-stream headers.
 */
@ApplicationScoped
public class SseAnswers {

    private static final Logger LOG = Logger.getLogger(SseAnswers.class);

    private final ObjectMapper json;
    private final ApiConfig config;
    private final TenantLimits limits;

    public SseAnswers(ObjectMapper json, ApiConfig config, TenantLimits limits) {
        this.json = json;
        this.config = config;
        this.limits = limits;
    }

    /**
     * Checks the query (no parameter twice) and reads where the client resumes: its {@code Last-Event-ID} header,
     * else {@code ?lastEventId=}; empty when it sent neither. What is wrong is answered here (400), and this returns
     * null.
     */
    Optional<EntryId> resumption(RoutingContext ctx) {
        Optional<Problem> repeated = RepeatedQueryFilter.repeated(ctx.queryParams());
        if (repeated.isPresent()) {
            problem(ctx, repeated.get());
            return null;
        }
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        if (lastEventId == null || lastEventId.isBlank()) {
            lastEventId = ctx.request().getParam("lastEventId");
        }
        if (lastEventId == null || lastEventId.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(EntryId.parse(lastEventId.trim()));
        } catch (IllegalArgumentException e) {
            problem(ctx, Problem.of(Response.Status.BAD_REQUEST,
                    "Last-Event-ID must be an event id such as 1795394101494-0; was '" + lastEventId + "'"));
            return null;
        }
    }

    /** Answers {@code problem}. */
    void problem(RoutingContext ctx, Problem problem) {
        try {
            ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }

    /** Answers a failure before the stream started: a refusal (401/403/429), an outage (503), else a 500. */
    void failed(RoutingContext ctx, Throwable failure) {
        if (failure instanceof Authenticator.Refused refused) {
            refused.addHeaderTo(ctx.response());
            problem(ctx, refused.problem());
        } else if (failure instanceof UnavailableException unavailable) {
            LOG.warnf("Answering 503: %s", unavailable.getMessage());
            ctx.response().putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
            problem(ctx, unavailable.problem());
        } else {
            ctx.fail(failure);
        }
    }

    /**
     * Starts an event stream of {@code tenant} with a first comment line, unless the connection is gone or a stream
     * limit refuses it (answered here).
     *
     * @return what to call when the stream ends (it gives back its place under the limits), or null if none started
     */
    Runnable open(RoutingContext ctx, String tenant, String comment) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            return null;
        }
        Runnable closed;
        try {
            closed = limits.openStream(tenant, client(ctx));
        } catch (Authenticator.Refused refused) {
            failed(ctx, refused);
            return null;
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .setStatusCode(200);
        response.write(": " + comment + "\n\n");
        return closed;
    }

    /** Who holds a stream, for the per-client limit: the remote address (forwarded, where a proxy is trusted). */
    private static String client(RoutingContext ctx) {
        io.vertx.core.net.SocketAddress remote = ctx.request().remoteAddress();
        return remote == null || remote.hostAddress() == null ? "local" : remote.hostAddress();
    }
}
