package io.runstream.api.queue;

import io.runstream.api.ApiConfig;
import io.runstream.api.problem.Outages;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.api.run.RunResource;
import io.runstream.api.run.RunRetries;
import io.runstream.api.run.RunView;
import io.runstream.pipeline.Names;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import io.runstream.queue.QueueStats;
import io.runstream.api.auth.Caller;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code GET /api/queues}: per queue its length, pending entries, lag, consumers, age of the oldest pending entry,
 * delayed retries and dead letters (the same figures as the {@code runstream_queue_*} gauges, {@link QueueGauges}).
 */
@Path("/api/queues")
@Produces(MediaType.APPLICATION_JSON)
@Singleton
public class QueueResource {

    private static final Pattern ENTRY_ID = Pattern.compile("[0-9]{1,20}-[0-9]{1,20}");

    private final Queues queues;
    private final DeadLetters deadLetters;
    private final RunRetries retries;
    private final ApiConfig config;

    public QueueResource(Queues queues, DeadLetters deadLetters, RunRetries retries, ApiConfig config) {
        this.queues = queues;
        this.deadLetters = deadLetters;
        this.retries = retries;
        this.config = config;
    }

    @GET
    public Uni<List<QueueStats>> list(@Context RoutingContext routing) {
        Caller.require(routing, Scope.RUNS_READ);
        return queues.all().onFailure().transform(e -> Outages.classify("Redis", e));
    }

    /**
     * The queue's dead letters of the caller's runs, newest first: {@code limit} and {@code cursor} (the {@code next}
     * of the page before) page. A queue that has none, or that does not exist, has an empty page.
     */
    @GET
    @Path("{queue}/dead-letters")
    public Uni<DeadLetters.Page> deadLetters(@PathParam("queue") String queue, @QueryParam("limit") String limit,
                                             @QueryParam("cursor") String cursor, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_READ);
        checkQueue(queue);
        if (cursor != null && !cursor.isEmpty() && !ENTRY_ID.matcher(cursor).matches()) {
            throw ProblemException.badRequest("cursor must be the next of a page, such as 1796515228566-0");
        }
        int pageSize = RunResource.parseLimit(limit, config);
        return outage(deadLetters.list(queue, caller.tenant(), pageSize, cursor == null || cursor.isEmpty() ? null
                : cursor));
    }

    /**
     * Requeues a dead letter: its run (failed when its task was given up on) is submitted again as a new run, as
     * {@code POST /api/runs/{id}/retry} does, and the dead letter is removed. 202 with the new run; 404 for an
     * entry that is not one of the caller's dead letters.
     */
    @POST
    @Path("{queue}/dead-letters/{id}/requeue")
    @APIResponse(responseCode = "202", description = "the new run, recorded and queued; the dead letter is gone", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunView.class)))
    public Uni<Response> requeue(@PathParam("queue") String queue, @PathParam("id") String id,
                                 @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_WRITE);
        checkQueue(queue);
        if (!ENTRY_ID.matcher(id).matches()) {
            throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "dead letter " + id + " does not exist"));
        }
        return outage(deadLetters.get(queue, caller.tenant(), id)).chain(found -> {
            if (found.isEmpty()) {
                throw new ProblemException(Problem.of(Response.Status.NOT_FOUND, "dead letter " + id + " of queue "
                        + queue + " does not exist"));
            }
            return retries.retry(found.get().runId(), caller.tenant())
                    .call(run -> outage(deadLetters.remove(queue, id)));
        }).map(run -> Response.accepted(run).header(HttpHeaders.LOCATION, "/api/runs/" + run.id()).build());
    }

    /** Removes every dead letter of the caller's runs from the queue: 200 with how many. */
    @DELETE
    @Path("{queue}/dead-letters")
    public Uni<Map<String, Integer>> purge(@PathParam("queue") String queue, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_CANCEL);
        checkQueue(queue);
        return outage(deadLetters.purge(queue, caller.tenant())).map(n -> Map.of("purged", n));
    }

    private static void checkQueue(String queue) {
        if (!Names.isValid(queue)) {
            throw ProblemException.badRequest("queue must be " + Names.RULE);
        }
    }

    private static <T> Uni<T> outage(Uni<T> step) {
        return step.onFailure(e -> !(e instanceof ProblemException)).transform(e -> Outages.classify("Redis", e));
    }
}
