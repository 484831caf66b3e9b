package io.runstream.api.sse;

import io.runstream.api.auth.Authenticator;
import io.runstream.api.auth.Caller;
import io.runstream.api.limit.TenantLimits;
import io.runstream.api.problem.Problem;
import io.runstream.auth.Scope;
import io.runstream.feed.FeedEventType;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /api/events}: the activity feed of the caller's tenant as {@code text/event-stream} — every run's
 * lifecycle events ({@link FeedEventType}), each with {@code id:} = its feed entry id. Filters, comma-separated:
 * {@code pipeline}, {@code queue}, {@code type} (event names) and {@code status} (the run's status after the event).
 * Resume with {@code Last-Event-ID} (or {@code ?lastEventId=}) through any replica; without it the feed starts now.
 */
@ApplicationScoped
public class FeedRoute {

    private final FeedHub hub;
    private final Authenticator authenticator;
    private final TenantLimits limits;
    private final SseAnswers answers;

    public FeedRoute(FeedHub hub, Authenticator authenticator, TenantLimits limits, SseAnswers answers) {
        this.hub = hub;
        this.authenticator = authenticator;
        this.limits = limits;
        this.answers = answers;
    }

    void register(@Observes Router router) {
        router.get("/api/events").order(-10).handler(this::events);
    }

    private void events(RoutingContext ctx) {
        Optional<EntryId> cursor = answers.resumption(ctx);
        if (cursor == null) {
            return;
        }
        Set<FeedEventType> types;
        try {
            types = FeedFilter.types(ctx.request().getParam("type"), ctx.request().getParam("status"));
        } catch (IllegalArgumentException e) {
            answers.problem(ctx, Problem.of(Response.Status.BAD_REQUEST, e.getMessage()));
            return;
        }
        Set<String> pipelines = FeedFilter.list(ctx.request().getParam("pipeline"));
        Set<String> queues = FeedFilter.list(ctx.request().getParam("queue"));
        authenticator.caller(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))
                .invoke(c -> limits.admit(c.tenant()))
                .map(c -> c.require(Scope.RUNS_READ))
                .subscribe().with(caller -> open(ctx, new FeedFilter(caller.tenant(), pipelines, queues, types),
                        cursor.orElse(null), caller), failure -> answers.failed(ctx, failure));
    }

    private void open(RoutingContext ctx, FeedFilter filter, EntryId cursor, Caller caller) {
        Runnable closed = answers.open(ctx, caller.tenant(), "activity feed");
        if (closed != null) {
            hub.follow(filter, cursor, ctx.response(), closed);
        }
    }
}
