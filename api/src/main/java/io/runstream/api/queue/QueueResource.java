package io.runstream.api.queue;

import io.runstream.api.problem.Outages;
import io.runstream.queue.QueueStats;
import io.runstream.api.auth.Caller;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * {@code GET /api/queues}: per queue its length, pending entries, lag, consumers, age of the oldest pending entry,
 * delayed retries and dead letters (the same figures as the {@code runstream_queue_*} gauges, {@link QueueGauges}).
 */
@Path("/api/queues")
@Produces(MediaType.APPLICATION_JSON)
@Singleton
public class QueueResource {

    private final Queues queues;

    public QueueResource(Queues queues) {
        this.queues = queues;
    }

    @GET
    public Uni<List<QueueStats>> list(@Context RoutingContext routing) {
        Caller.require(routing, Scope.RUNS_READ);
        return queues.all().onFailure().transform(e -> Outages.classify("Redis", e));
    }
}
