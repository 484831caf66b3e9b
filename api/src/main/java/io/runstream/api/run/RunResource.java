package io.runstream.api.run;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import io.runstream.pipeline.Names;
import io.runstream.api.ApiConfig;
import io.runstream.api.auth.Caller;
import io.runstream.api.auth.ReadTokens;
import io.runstream.auth.Scope;
import io.vertx.ext.web.RoutingContext;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.ProblemException;
import io.runstream.run.RunStatus;
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
import java.util.regex.Pattern;

/** {@code /api/runs}: submit, read, list and cancel runs (the contract is the design card's). */
@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[!-~]{1,255}");

    private final RunService runs;
    private final RunQueries queries;
    private final RunCancels cancels;
    private final ApiConfig config;
    private final ReadTokens tokens;

    private final RunRetries retries;

    public RunResource(RunService runs, RunQueries queries, RunCancels cancels, ApiConfig config, ReadTokens tokens,
                       RunRetries retries) {
        this.retries = retries;
        this.tokens = tokens;
        this.runs = runs;
        this.queries = queries;
        this.cancels = cancels;
        this.config = config;
    }

    /**
     * Records a run and queues it: 202 with the Run and its {@code Location}. With an {@code Idempotency-Key}, a
     * repeat of the same request within 24 h gets the same run; the same key with another request gets 409.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "SubmitRequest")))
    @APIResponse(responseCode = "202", description = "recorded and queued; Location: /api/runs/{id}", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "409", description = "the Idempotency-Key was used with another request")
    public Uni<Response> submit(byte[] body, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_WRITE);
        SubmitRequest request = SubmitRequest.parse(JsonFields.utf8(body, config.maxBodyBytes()));
        String idempotencyKey = idempotencyKey(routing);
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ProblemException.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters");
        }
        return runs.submit(request, idempotencyKey, caller.tenant())
                .map(run -> Response.accepted(run).header(HttpHeaders.LOCATION, "/api/runs/" + run.id()).build());
    }

    /**
     * Records and queues up to {@value RunService#MAX_BATCH} runs at once ({@code {"runs": [<run>, ...]}}, each as
     * {@code POST /api/runs} takes it): 202 with {@code {"runs": [<Run>, ...]}} in the same order. Checked as a
     * whole first: one bad item is a 400 naming its index, and nothing is recorded. One INSERT and one pipelined
     * round trip to Redis for all.
     */
    @POST
    @Path("batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "BatchRequest")))
    @APIResponse(responseCode = "202", description = "all recorded and queued, in the request's order", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "BatchAccepted")))
    public Uni<Response> submitBatch(byte[] body, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_WRITE);
        if (idempotencyKey(routing) != null) {
            throw ProblemException.badRequest("Idempotency-Key is not taken by a batch submit: submit a run that "
                    + "needs one alone, with POST /api/runs");
        }
        List<SubmitRequest> requests = BatchRequest.parse(JsonFields.utf8(body, config.maxBodyBytes()));
        return runs.submitAll(requests, caller.tenant()).map(views -> Response.accepted(new BatchRequest.Accepted(views)).build());
    }

    /**
     * The request's {@code Idempotency-Key} as sent — an empty one included (a framework's header parameter would
     * make it absent, and the run would be submitted without one) — or null without one.
     *
     * @throws ProblemException 400 when it is given more than once
     */
    private static String idempotencyKey(RoutingContext routing) {
        List<String> sent = routing.request().headers().getAll("Idempotency-Key");
        if (sent.size() > 1) {
            throw ProblemException.badRequest("Idempotency-Key is given " + sent.size() + " times: give it once");
        }
        return sent.isEmpty() ? null : sent.getFirst();
    }

    /** The run, or 404. */
    @GET
    @Path("{id}")
    public Uni<RunView> get(@PathParam("id") String id, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_READ);
        return queries.found(parseId(id), caller.tenant());
    }

    /**
     * A read token for the run's events (201): {@code GET /api/runs/{id}/events?token=<token>} follows that run,
     * and nothing else, without a key — what a browser's {@code EventSource}, which sends no headers, needs.
     */
    @POST
    @Path("{id}/tokens")
    @APIResponse(responseCode = "201", description = "a read token of this run, and the URL that streams its events with it", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ReadToken.class)))
    public Uni<Response> readToken(@PathParam("id") String id, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_READ);
        UUID run = parseId(id);
        return queries.found(run, caller.tenant())
                .chain(() -> tokens.issue(run, caller.tenant()))
                .map(issued -> Response.status(Response.Status.CREATED).entity(new ReadToken(issued.token(),
                        issued.expiresAt(), "/api/runs/" + run + "/events?token=" + issued.token())).build());
    }

    /** A read token, when it expires, and the path that follows the run's events with it. */
    @io.quarkus.runtime.annotations.RegisterForReflection
    public record ReadToken(String token, Instant expiresAt, String events) {
    }

    /** Cancels the run: 202 with the Run, 404, or 409 when it already ended. */
    @POST
    @Path("{id}/cancel")
    @APIResponse(responseCode = "202", description = "cancelled (a running run: asked to stop)", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "409", description = "the run already ended")
    public Uni<Response> cancel(@PathParam("id") String id, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_CANCEL);
        return cancels.cancel(parseId(id), caller.tenant()).map(run -> Response.accepted(run).build());
    }

    /**
     * Submits a run that failed or was cancelled again, as a new run with its pipeline, queue, priority and input:
     * 202 with the new Run, 404, or 409 for a run that has not ended or that completed. The old run stays as it was.
     */
    @POST
    @Path("{id}/retry")
    @APIResponse(responseCode = "202", description = "the new run, recorded and queued; Location: /api/runs/{id} of it", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "409", description = "the run has not ended, or it completed")
    public Uni<Response> retry(@PathParam("id") String id, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_WRITE);
        return retries.retry(parseId(id), caller.tenant())
                .map(copy -> Response.accepted(copy).header(HttpHeaders.LOCATION, "/api/runs/" + copy.id()).build());
    }


    /**
     * Runs newest first: {@code status}, {@code pipeline}, {@code schedule} (the runs a schedule made) filter;
     * {@code limit} and {@code cursor} page.
     */
    @GET
    public Uni<RunPage> list(@QueryParam("status") String status, @QueryParam("pipeline") String pipeline,
                             @QueryParam("schedule") String schedule, @QueryParam("limit") String limit,
                             @QueryParam("cursor") String cursor, @Context RoutingContext routing) {
        Caller caller = Caller.require(routing, Scope.RUNS_READ);
        RunStatus statusFilter = status == null || status.isEmpty() ? null : RunStatus.fromWire(status)
                .orElseThrow(() -> ProblemException.badRequest("status must be one of " + RunStatus.wireNames()
                        + "; was '" + status + "'"));
        String pipelineFilter = pipeline == null || pipeline.isEmpty() ? null : pipeline;
        if (pipelineFilter != null && !Names.isValid(pipelineFilter)) {
            throw ProblemException.badRequest("pipeline is not a valid pipeline name: '" + pipeline + "'");
        }
        String scheduleFilter = schedule == null || schedule.isEmpty() ? null : schedule;
        if (scheduleFilter != null && !Names.isValid(scheduleFilter)) {
            throw ProblemException.badRequest("schedule is not a valid schedule name: '" + schedule + "'");
        }
        int pageSize = parseLimit(limit, config);
        UUID after = cursor == null || cursor.isEmpty() ? null : RunCursor.decode(cursor);
        return queries.list(caller.tenant(), statusFilter, pipelineFilter, scheduleFilter, after, pageSize);
    }

    /** A page size: {@code limit}, or the default when absent. @throws ProblemException 400 out of range */
    public static int parseLimit(String limit, ApiConfig config) {
        if (limit == null || limit.isEmpty()) {
            return config.defaultPageSize();
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= config.maxPageSize()) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.badRequest("limit must be a whole number from 1 to " + config.maxPageSize()
                + "; was '" + limit + "'");
    }

    static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("run " + id);
        }
    }
}
