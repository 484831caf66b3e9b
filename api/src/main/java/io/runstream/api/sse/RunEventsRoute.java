package io.runstream.api.sse;

import io.runstream.api.auth.Authenticator;
import io.runstream.api.auth.Caller;
import io.runstream.api.auth.ReadTokens;
import io.runstream.api.limit.TenantLimits;
import io.runstream.api.problem.Problem;
import io.runstream.api.run.RunQueries;
import io.runstream.api.run.RunView;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

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

    private final RunEventHub hub;
    private final RunQueries snapshots;
    private final Authenticator authenticator;
    private final ReadTokens tokens;
    private final TenantLimits limits;
    private final SseAnswers answers;

    public RunEventsRoute(RunEventHub hub, RunQueries snapshots, Authenticator authenticator, ReadTokens tokens,
                          TenantLimits limits, SseAnswers answers) {
        this.hub = hub;
        this.snapshots = snapshots;
        this.authenticator = authenticator;
        this.tokens = tokens;
        this.limits = limits;
        this.answers = answers;
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
            answers.problem(ctx, Problem.of(Response.Status.NOT_FOUND, "run " + rawId + " does not exist"));
            return;
        }
        Optional<EntryId> cursor = answers.resumption(ctx);
        if (cursor == null) {
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
                answers.problem(ctx, Problem.of(Response.Status.NOT_FOUND, "run " + id + " does not exist"));
                return;
            }
            Runnable closed = answers.open(ctx, found.getKey(), "run " + id);
            if (closed != null) {
                hub.follow(run.get(), cursor.orElse(EntryId.START), ctx.response(), closed);
            }
        }, failure -> answers.failed(ctx, failure));
    }
}
