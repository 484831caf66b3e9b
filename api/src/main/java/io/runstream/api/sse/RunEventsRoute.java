package io.runstream.api.sse;

import io.runstream.api.auth.Authenticator;
import io.runstream.api.auth.Caller;
import io.runstream.api.auth.ReadTokens;
import io.runstream.auth.Scope;
import io.runstream.api.limit.TenantLimits;
import io.runstream.api.run.RunView;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runstream.api.ApiConfig;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.UnavailableException;
import io.runstream.api.run.RunQueries;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code GET /api/runs/{id}/events}: the run's events as {@code text/event-stream}, each with {@code id:} = its
 * stream entry id. Resume with the {@code Last-Event-ID} header (or {@code ?lastEventId=}). A plain Vert.x route,
 * for full control of the connection: status and problem before the stream starts, flushes, close detection.
 */
@ApplicationScoped
public class RunEventsRoute {

    private static final Logger LOG = Logger.getLogger(RunEventsRoute.class);

    private final RunEventHub hub;
    private final RunQueries snapshots;
    private final ObjectMapper json;
    private final ApiConfig config;

    private final Authenticator authenticator;
    private final ReadTokens tokens;
    private final TenantLimits limits;

    public RunEventsRoute(RunEventHub hub, RunQueries snapshots, ObjectMapper json, ApiConfig config,
                          Authenticator authenticator, ReadTokens tokens, TenantLimits limits) {
        this.authenticator = authenticator;
        this.limits = limits;
        this.tokens = tokens;
        this.hub = hub;
        this.snapshots = snapshots;
        this.json = json;
        this.config = config;
    }

    void register(@Observes Router router) {
        router.get("/api/runs/:id/events").order(-10).handler(this::events);
    }

    private void events(RoutingContext ctx) {
        String rawId = ctx.pathParam("id");
        UUID id;
        try {
            id = UUID.fromString(rawId);
        } catch (IllegalArgumentException e) {
            problem(ctx, Problem.of(Response.Status.NOT_FOUND, "run " + rawId + " does not exist"));
            return;
        }
        Optional<Problem> repeated = io.runstream.api.problem.RepeatedQueryFilter.repeated(ctx.queryParams());
        if (repeated.isPresent()) {
            problem(ctx, repeated.get());
            return;
        }
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        if (lastEventId == null || lastEventId.isBlank()) {
            lastEventId = ctx.request().getParam("lastEventId");
        }
        EntryId cursor;
        try {
            cursor = lastEventId == null || lastEventId.isBlank() ? EntryId.START : EntryId.parse(lastEventId.trim());
        } catch (IllegalArgumentException e) {
            problem(ctx, Problem.of(Response.Status.BAD_REQUEST,
                    "Last-Event-ID must be an event id such as 1795394101494-0; was '" + lastEventId + "'"));
            return;
        }
        String token = ctx.request().getParam("token");
        Uni<Caller> caller = token != null ? tokens.caller(token, id)
                : authenticator.caller(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
        caller.invoke(c -> limits.admit(c.tenant()))
                .chain(c -> snapshots.get(id, c.require(Scope.RUNS_READ).tenant()).map(run -> Map.entry(c.tenant(), run)))
                .subscribe().with(found -> {
            Optional<RunView> run = found.getValue();
            if (run.isEmpty()) {
                problem(ctx, Problem.of(Response.Status.NOT_FOUND, "run " + id + " does not exist"));
                return;
            }
            HttpServerResponse response = ctx.response();
            if (response.closed()) {
                return;
            }
            Runnable closed;
            try {
                closed = limits.openStream(found.getKey(), client(ctx));
            } catch (Authenticator.Refused refused) {
                refused.addHeaderTo(response);
                problem(ctx, refused.problem());
                return;
            }
            response.setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no")
                    .setStatusCode(200);
            response.write(": run " + id + "\n\n");
            hub.follow(run.get(), cursor, response, closed);
        }, failure -> {
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
        });
    }

    private void problem(RoutingContext ctx, Problem problem) {
        try {
            ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                    .end(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }

    /** Who holds a stream, for the per-client limit: the remote address (forwarded, where a proxy is trusted). */
    private static String client(RoutingContext ctx) {
        io.vertx.core.net.SocketAddress remote = ctx.request().remoteAddress();
        return remote == null || remote.hostAddress() == null ? "local" : remote.hostAddress();
    }
}
