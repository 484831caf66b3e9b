package io.runstream.api.schedule;

import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import io.runstream.api.ApiConfig;
import io.runstream.api.problem.JsonFields;
import io.runstream.api.problem.Outages;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.api.run.RunService;
import io.runstream.api.schedule.CronTicks.Tick;
import io.runstream.pipeline.Names;
import io.runstream.api.auth.Caller;
import io.runstream.auth.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Schedules: {@code POST /api/schedules} creates one (201; 409 when the name is taken), {@code GET} lists them or
 * reads one, {@code PUT /api/schedules/{name}} replaces or creates one, {@code DELETE} removes one (its runs stay),
 * {@code POST …/{name}/pause} and {@code …/resume} stop and restart its ticks. The pipeline and queue are checked as
 * a run's are: a schedule is accepted only where its runs would be.
 */
@Path("/api/schedules")
@Produces(MediaType.APPLICATION_JSON)
public class ScheduleResource {

    private final ScheduleStore store;
    private final RunService runs;
    private final Ticker ticker;
    private final ApiConfig config;

    public ScheduleResource(ScheduleStore store, RunService runs, Ticker ticker, ApiConfig config) {
        this.store = store;
        this.runs = runs;
        this.ticker = ticker;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ScheduleRequest")))
    @APIResponse(responseCode = "201", description = "the schedule; Location: /api/schedules/{name}", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "409", description = "a schedule of that name exists")
    public Uni<Response> create(byte[] body, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.SCHEDULES_WRITE).tenant();
        ScheduleRequest request = parse(body, null);
        return checked(request).chain(s -> db(store.insert(s, firstTick(s), tenant))).chain(created -> {
            if (!created) {
                throw taken(request.name());
            }
            ticker.wake();
            return read(request.name(), tenant).map(view -> created(view).entity(view).build());
        });
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ScheduleRequest")))
    @APIResponse(responseCode = "200", description = "the schedule, replaced", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScheduleView.class)))
    @APIResponse(responseCode = "201", description = "the schedule, made", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ScheduleView.class)))
    public Uni<Response> replace(@PathParam("name") String name, byte[] body, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.SCHEDULES_WRITE).tenant();
        ScheduleRequest request = parse(body, pathName(name));
        return checked(request).chain(s -> db(store.replace(s, firstTick(s), tenant))).chain(created -> {
            if (created.isEmpty()) {
                throw taken(name);
            }
            ticker.wake();
            return read(name, tenant).map(view -> (created.get() ? created(view) : Response.ok()).entity(view).build());
        });
    }

    @GET
    public Uni<Map<String, List<ScheduleView>>> list(@Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.RUNS_READ).tenant();
        return db(store.list(tenant)).map(rows -> Map.of("schedules", rows.stream().map(ScheduleView::of).toList()));
    }

    @GET
    @Path("{name}")
    public Uni<ScheduleView> get(@PathParam("name") String name, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.RUNS_READ).tenant();
        return read(pathName(name), tenant);
    }

    @DELETE
    @Path("{name}")
    @APIResponse(responseCode = "204", description = "deleted")
    public Uni<Response> delete(@PathParam("name") String name, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.SCHEDULES_WRITE).tenant();
        return db(store.delete(pathName(name), tenant)).map(deleted -> {
            if (!deleted) {
                throw notFound(name);
            }
            return Response.noContent().build();
        });
    }

    @POST
    @Path("{name}/pause")
    public Uni<ScheduleView> pause(@PathParam("name") String name, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.SCHEDULES_WRITE).tenant();
        return db(store.pause(pathName(name), tenant)).map(found(name));
    }

    @POST
    @Path("{name}/resume")
    public Uni<ScheduleView> resume(@PathParam("name") String name, @Context RoutingContext routing) {
        String tenant = Caller.require(routing, Scope.SCHEDULES_WRITE).tenant();
        return db(store.resume(pathName(name), tenant, ticker.now())).map(found(name)).invoke(ticker::wake);
    }

    /**
     * 409 for a name in use. Names are unique across tenants, so this tells a tenant that a name is taken — the one
     * thing it learns of another tenant's schedules.
     */
    private static ProblemException taken(String name) {
        return new ProblemException(Problem.of(Response.Status.CONFLICT, "schedule '" + name
                + "' exists: change it with PUT /api/schedules/" + name + " (a name another tenant uses is not free)"));
    }

    /** 201 with the schedule's path as {@code Location}: relative, never built from the request's {@code Host}. */
    private static Response.ResponseBuilder created(ScheduleView view) {
        return Response.status(Response.Status.CREATED).header(HttpHeaders.LOCATION, "/api/schedules/" + view.name());
    }

    private ScheduleRequest parse(byte[] body, String pathName) {
        return ScheduleRequest.parse(JsonFields.utf8(body, config.maxBodyBytes()), pathName);
    }

    /** {@code request} with its queue resolved as a run's would be. @throws ProblemException 400 as a submit */
    private Uni<ScheduleRequest> checked(ScheduleRequest request) {
        return runs.queueFor(request.pipeline(), request.queue()).map(queue -> new ScheduleRequest(request.name(),
                request.pipeline(), queue, request.priority(), request.input(), request.cron(), request.zone(),
                request.overlap(), request.catchUp(), request.catchUpWindow(), request.paused()));
    }

    /** The first tick after now. @throws ProblemException 400 when the expression matches no time ahead */
    private Tick firstTick(ScheduleRequest request) {
        return request.ticks().firstAfter(ticker.now()).orElseThrow(() -> ProblemException.badRequest(
                "'cron': '" + request.cron() + "' matches no time from now on"));
    }

    private Uni<ScheduleView> read(String name, String tenant) {
        return db(store.get(name, tenant)).map(found(name));
    }

    private static Function<Optional<Row>, ScheduleView> found(String name) {
        return row -> ScheduleView.of(row.orElseThrow(() -> notFound(name)));
    }

    private static ProblemException notFound(String name) {
        return ProblemException.notFound("schedule '" + name + "'");
    }

    private static String pathName(String name) {
        if (!Names.isValid(name)) {
            throw ProblemException.badRequest("a schedule's name must be " + Names.RULE + "; was '" + name + "'");
        }
        return name;
    }

    private static <T> Uni<T> db(Uni<T> statement) {
        return statement.onFailure(e -> !(e instanceof ProblemException))
                .transform(e -> Outages.classify("PostgreSQL", e));
    }
}
