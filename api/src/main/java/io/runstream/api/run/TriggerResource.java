package io.runstream.api.run;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.api.ApiConfig;
import io.runstream.api.auth.Caller;
import io.runstream.auth.Scope;
import io.vertx.ext.web.RoutingContext;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.ProblemException;
import io.runstream.pipeline.Names;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The trigger API of seed 003, kept as an alias of runs: {@code POST /api/pipelines/{id}/trigger} with
 * {@code {"parameters": {…}}} submits a run of that pipeline (the parameters are its input) and answers 202
 * {@code {jobId, pipelineId, status, timestamp}}; {@code GET /api/pipelines/{id}/jobs?limit&offset} lists its runs,
 * newest first. A job is a run: {@code jobId} is the run's id, readable at {@code /api/runs/{jobId}}.
 */
@Path("/api/pipelines/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class TriggerResource {

    /** Deepest {@code offset} of a jobs page: an offset is read through, so it is bounded (the runs' cursor is not). */
    static final int MAX_OFFSET = 100_000;

    private final RunService runs;
    private final RunQueries queries;
    private final ApiConfig config;

    public TriggerResource(RunService runs, RunQueries queries, ApiConfig config) {
        this.runs = runs;
        this.queries = queries;
        this.config = config;
    }

    /** Submits a run of pipeline {@code id} with the body's {@code parameters} as input: 202 with the job. */
    @POST
    @Path("trigger")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "TriggerRequest")))
    @APIResponse(responseCode = "202", description = "a run recorded and queued; Location: /api/runs/{jobId}", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Job.class)))
    public Uni<Response> trigger(@PathParam("id") String id, byte[] body, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_WRITE);
        SubmitRequest request = SubmitRequest.trigger(pipeline(id), JsonFields.utf8(body, config.maxBodyBytes()));
        return runs.submit(request, null, caller.tenant()).map(run -> Response.accepted(new Job(run.id(), run.pipeline(),
                run.status(), run.createdAt())).header(HttpHeaders.LOCATION, "/api/runs/" + run.id()).build());
    }

    /** The runs of pipeline {@code id}, newest first: {@code limit} of them after skipping {@code offset}. */
    @GET
    @Path("jobs")
    public Uni<Jobs> jobs(@PathParam("id") String id, @QueryParam("limit") String limit,
                          @QueryParam("offset") String offset, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_READ);
        String pipeline = pipeline(id);
        int pageSize = RunResource.parseLimit(limit, config);
        int skip = offset == null || offset.isEmpty() ? 0 : whole("offset", offset, 0, MAX_OFFSET);
        return runs.known(pipeline)
                .chain(() -> queries.ofPipeline(caller.tenant(), pipeline, pageSize, skip))
                .map(found -> new Jobs(pipeline, pageSize, skip, found));
    }

    private static String pipeline(String id) {
        if (!Names.isValid(id)) {
            throw ProblemException.badRequest("pipeline id must be " + Names.RULE + "; was '" + id + "'");
        }
        return id;
    }

    private static int whole(String name, String value, int min, int max) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest(name + " must be a whole number from " + min + " to " + max + "; was '"
                + value + "'");
    }

    /**
     * A triggered job, as seed 003 answers it.
     *
     * @param jobId      the run's id
     * @param pipelineId its pipeline
     * @param status     {@code queued}
     * @param timestamp  when it was submitted
     */
    @RegisterForReflection
    public record Job(UUID jobId, String pipelineId, String status, Instant timestamp) {
    }

    /**
     * A page of a pipeline's jobs.
     *
     * @param pipelineId the pipeline
     * @param limit      most jobs in the page
     * @param offset     jobs skipped before it
     * @param jobs       the runs, newest first
     */
    @RegisterForReflection
    public record Jobs(String pipelineId, int limit, int offset, List<RunView> jobs) {
    }
}
