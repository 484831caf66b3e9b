package io.runstream.api.pipeline;

import io.runstream.api.problem.Outages;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.api.auth.Caller;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** {@code GET /api/pipelines}: every pipeline any worker ever advertised, with its queue and live workers. */
@Path("/api/pipelines")
@Produces(MediaType.APPLICATION_JSON)
public class PipelineResource {

    private final PipelineDirectory directory;

    public PipelineResource(PipelineDirectory directory) {
        this.directory = directory;
    }

    @GET
    public Uni<List<PipelineInfo>> list(@Context RoutingContext routing) {
        Caller.require(routing, Scope.RUNS_READ);
        return directory.list()
                .onFailure().transform(e -> Outages.classify("Redis", e));
    }
}
