package io.runstream.api.pipeline;

import io.runstream.api.auth.Caller;
import io.runstream.api.problem.Outages;
import io.runstream.auth.Scope;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.WorkerStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/**
 * {@code GET /api/workers}: the live workers as each told itself on its last heartbeat — queues, pipelines,
 * concurrency, runs in flight, when it started and when it last beat.
 */
@Path("/api/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkerResource {

    private final PipelineDirectory directory;

    public WorkerResource(PipelineDirectory directory) {
        this.directory = directory;
    }

    @GET
    public Uni<List<WorkerStatus>> list(@Context RoutingContext routing) {
        Caller.require(routing, Scope.RUNS_READ);
        return directory.workers().onFailure().transform(e -> Outages.classify("Redis", e));
    }
}
