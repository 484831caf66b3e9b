package io.runstream.api.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.runstream.api.outbox.Dispatcher;
import io.runstream.api.outbox.Outbox;
import io.runstream.api.problem.Outages;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.api.problem.UnavailableException;
import io.runstream.config.RunstreamConfig;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.runstream.feed.ActivityFeed;
import io.runstream.trace.RunTracing;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.metrics.MetersByKey;
import io.runstream.log.RunMdc;
import io.runstream.keys.RedisEpoch;
import io.runstream.keys.RedisKeys;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineDirectory.Route;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.run.RunIds;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.runstream.run.RunStore.NewRun;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Creates runs. A run is committed in PostgreSQL first, then its task is published to the
 * queue's stream; if publishing fails the row is removed again and the caller gets 503, so a failed submit
 * changes nothing.
 */
@ApplicationScoped
public class RunService {

    private static final Logger LOG = Logger.getLogger(RunService.class);

    private static final long ROUTE_CACHE_NANOS = 1_000_000_000L;

    private final PipelineDirectory pipelines;
    private final Map<String, KnownRoute> knownRoutes = new ConcurrentHashMap<>();
    private final Dispatcher dispatcher;
    private final Outbox outbox;
    private final NewRuns newRuns;
    private final RedisKeys keys;
    /** {@code runstream.runs.submitted} by pipeline. */
    private final MetersByKey<String, Counter> submitted;
    private final Redis redis;
    private final RunStore store;
    private final RunstreamConfig.Workers workers;
    private final io.runstream.api.limit.RunsInFlight inFlight;
    private final ActivityFeed feed;
    private final Tracer tracer;

    public RunService(PipelineDirectory pipelines, Dispatcher dispatcher, Outbox outbox, NewRuns newRuns,
                      RunstreamConfig config, MeterRegistry metrics, Redis redis, RunStore store,
                      io.runstream.api.limit.RunsInFlight inFlight, ActivityFeed feed, RunTracing tracing) {
        this.tracer = tracing.tracer();
        this.inFlight = inFlight;
        this.feed = feed;
        this.outbox = outbox;
        this.pipelines = pipelines;
        this.store = store;
        this.workers = config.workers();
        this.newRuns = newRuns;
        this.dispatcher = dispatcher;
        this.keys = config.keys();
        this.submitted = MetersByKey.countersByPipeline(metrics, "runstream.runs.submitted", "Runs accepted by the api");
        this.redis = redis;
    }

    /** Most runs one batch submit takes. */
    public static final int MAX_BATCH = 1000;

    /** How long an Idempotency-Key holds on to its run. */
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

    /**
     * Records and dispatches a run of {@code request}; with an {@code idempotencyKey}, returns the run that key
     * already created from the same request (within 24 h) instead.
     *
     * @throws ProblemException 409 when the key was used with a different request
     */
    public Uni<RunView> submit(SubmitRequest request, String idempotencyKey, String tenant) {
        return traced(1, parent -> {
            if (idempotencyKey == null) {
                return submit(request, null, null, tenant, parent);
            }
            String hash = request.hash();
            return byIdempotencyKey(tenant, idempotencyKey).chain(existing -> existing != null
                    ? replay(existing, idempotencyKey, hash)
                    : submit(request, idempotencyKey, hash, tenant, parent)
                            // another request with the same key won the race: answer as it did
                            .onFailure(RunStore::isIdempotencyConflict).recoverWithUni(() -> byIdempotencyKey(tenant,
                                    idempotencyKey).chain(winner -> replay(winner, idempotencyKey, hash))));
        });
    }

    /**
     * {@code submit} inside a {@code submit} span (the root of its runs' traces; a no-op with tracing off), which
     * ends when it does.
     */
    private <T> Uni<T> traced(int runs, Function<Context, Uni<T>> submit) {
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder("submit").setSpanKind(SpanKind.SERVER).setAttribute("runstream.runs", runs)
                    .startSpan();
            return submit.apply(Context.root().with(span)).onItemOrFailure().invoke((x, failure) -> {
                if (failure != null) {
                    span.setStatus(StatusCode.ERROR, failure.toString());
                }
                span.end();
            });
        });
    }

    /**
     * The run of {@code tenant} that holds {@code key} (it holds on to its run for {@link #IDEMPOTENCY_WINDOW}), or
     * null.
     */
    private Uni<Row> byIdempotencyKey(String tenant, String key) {
        return store.byIdempotencyKey(tenant, key, Instant.now().minus(IDEMPOTENCY_WINDOW))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(row -> row.orElse(null));
    }

    private static Uni<RunView> replay(Row existing, String key, String hash) {
        RunView run = RunView.of(existing);
        if (!hash.equals(existing.getString("request_hash"))) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(Response.Status.CONFLICT,
                    "Idempotency-Key '" + key + "' was used for a different request (run " + run.id() + ")")));
        }
        return Uni.createFrom().item(run);
    }

    private Uni<RunView> submit(SubmitRequest request, String idempotencyKey, String hash, String tenant,
                                Context trace) {
        return routeFor(request.pipeline(), -1).chain(route -> {
            String queue = queueOn(route, request, -1);
            inFlight.admit(tenant, 1);
            return create(request, queue, idempotencyKey, hash, tenant, trace);
        });
    }

    /**
     * Records and dispatches the runs of a batch, all or none: every item is checked first (a problem names the
     * first bad one's index), then one INSERT records them all and one pipelined round trip puts their tasks on
     * their queues. When the tasks do not reach Redis the runs are removed again and the caller gets 503.
     */
    public Uni<List<RunView>> submitAll(List<SubmitRequest> requests, String tenant) {
        return traced(requests.size(), trace -> submitAll(requests, tenant, trace));
    }

    private Uni<List<RunView>> submitAll(List<SubmitRequest> requests, String tenant, Context trace) {
        // each pipeline's route once (an unknown one named by the item that names it first), then every item on it
        Map<String, Integer> firstUse = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            firstUse.putIfAbsent(requests.get(i).pipeline(), i);
        }
        Uni<Map<String, Route>> routes = Uni.createFrom().item(new HashMap<>());
        for (var use : firstUse.entrySet()) {
            routes = routes.chain(known -> routeFor(use.getKey(), use.getValue()).map(route -> {
                known.put(use.getKey(), route);
                return known;
            }));
        }
        return routes.chain(known -> {
            // admitted before the runs' time is taken: a count of the runs in flight asked meanwhile does not see them
            inFlight.admit(tenant, requests.size());
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            List<NewRun> runs = new ArrayList<>(requests.size());
            for (int i = 0; i < requests.size(); i++) {
                SubmitRequest request = requests.get(i);
                String queue = queueOn(known.get(request.pipeline()), request, i);
                runs.add(new NewRun(RunIds.newId(), request.pipeline(), queue, request.priorityOrDefault(),
                        request.input(), now, request.when() == null ? null
                                : request.when().from(now).truncatedTo(ChronoUnit.MICROS), tenant));
            }
            return store.submit(runs)
                    .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                    .chain(row -> publishAll(runs, row, trace))
                    .map(x -> {
                        runs.forEach(this::countSubmitted);
                        feed.appendAll(runs.stream().map(RunService::created).toList());
                        return runs.stream().map(RunService::queued).toList();
                    });
        });
    }

    /**
     * The queue a run of {@code pipeline} that asks for {@code queue} (null: the pipeline's own) would go to.
     *
     * @throws ProblemException 400 as a submit of such a run would get
     */
    public Uni<String> queueFor(String pipeline, String queue) {
        return routeFor(pipeline, -1).map(route -> queueOn(route, new SubmitRequest(pipeline, null, queue, null, null),
                -1));
    }

    /** Completes when {@code pipeline} is known. @throws ProblemException 400 listing the known ones */
    public Uni<Void> known(String pipeline) {
        return routeFor(pipeline, -1).replaceWithVoid();
    }

    /**
     * The route of {@code pipeline}, for item {@code index} of a batch (or -1).
     *
     * @throws ProblemException 400 for an unknown pipeline; 503 while pipelines are not known yet
     */
    private Uni<Route> routeFor(String pipeline, int index) {
        return routeOf(pipeline)
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .chain(route -> route.isPresent() ? Uni.createFrom().item(route.get())
                        : unknownPipeline(pipeline, index));
    }

    /**
     * The queue {@code request} (item {@code index} of a batch, or -1) runs on: the one it names, or else its
     * pipeline's own; either must be a queue where a worker that has the pipeline reads (or once read).
     *
     * @throws ProblemException 400 naming the queues the pipeline is served on
     */
    private static String queueOn(Route route, SubmitRequest request, int index) {
        String queue = request.queue() == null ? route.queue() : request.queue();
        if (route.allows(queue)) {
            return queue;
        }
        String served = String.join(", ", route.served().isEmpty() ? List.of(route.queue()) : route.served());
        String problem = request.queue() == null
                ? "pipeline '" + request.pipeline() + "' runs on queue '" + queue + "', which no worker with it "
                        + "reads; it is served on: " + served + " (name one as queue)"
                : "pipeline '" + request.pipeline() + "' is not served on queue '" + queue + "'; it is served on: "
                        + served;
        throw BatchRequest.badItem(index, Problem.of(Response.Status.BAD_REQUEST, problem));
    }

    /**
     * The route of {@code pipeline}, from a copy of the pipeline directory at most one second old: routes change
     * rarely (a worker of a new queue starts), and a submit should not pay Redis round trips for them.
     */
    private Uni<Optional<Route>> routeOf(String pipeline) {
        KnownRoute known = knownRoutes.get(pipeline);
        if (known != null && System.nanoTime() - known.readAt() < ROUTE_CACHE_NANOS) {
            return Uni.createFrom().item(Optional.of(known.route()));
        }
        return pipelines.route(pipeline).invoke(route -> route.ifPresent(r -> knownRoutes.put(pipeline,
                new KnownRoute(r, System.nanoTime()))));
    }

    private record KnownRoute(Route route, long readAt) {
    }

    private Uni<RunView> create(SubmitRequest request, String queue, String idempotencyKey, String hash,
                                String tenant, Context trace) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        NewRun run = new NewRun(RunIds.newId(), request.pipeline(), queue, request.priorityOrDefault(), request.input(),
                now, request.when() == null ? null : request.when().from(now).truncatedTo(ChronoUnit.MICROS), tenant);
        Uni<Long> insert = idempotencyKey == null ? newRuns.insert(run)
                : store.submit(run, idempotencyKey, hash).invoke(row -> outbox.expect(row, 1));
        return insert
                .onFailure(e -> !RunStore.isIdempotencyConflict(e)).transform(e -> Outages.classify("PostgreSQL", e))
                .chain(row -> publish(run, row, trace))
                .invoke(() -> {
                    countSubmitted(run);
                    feed.append(created(run));
                })
                .map(x -> queued(run));
    }

    private void countSubmitted(NewRun run) {
        submitted.of(run.pipeline()).increment();
    }

    /** Its {@code created} event: written once its task is in Redis (or left to the sweeper), not before. */
    private static FeedEvent created(NewRun run) {
        return FeedEvent.of(FeedEventType.CREATED, run.id(), run.tenant(), run.pipeline(), run.queue(), 0);
    }

    private static RunView queued(NewRun run) {
        return new RunView(run.id(), run.pipeline(), run.queue(), run.priority(), RunStatus.QUEUED.wire(), run.input(),
                null, null, 0, run.createdAt(), run.scheduledFor(), null, null, null);
    }

    /**
     * Publishes the tasks of a batch's runs; if they do not reach Redis, the runs are removed again (503), as
     * {@link #publish} does for one. Runs that could not be removed stay for the sweeper, and the caller gets 202.
     */
    private Uni<Void> publishAll(List<NewRun> runs, long outboxRow, Context trace) {
        List<UUID> ids = runs.stream().map(NewRun::id).toList();
        outbox.expect(outboxRow, 1);
        return dispatcher.publishAll(runs, trace)
                .invoke(() -> outbox.settled(outboxRow))
                .onFailure().recoverWithUni(failure -> store.undoSubmit(ids)
                        .onItemOrFailure().transformToUni((removed, undoFailure) -> {
                            if (undoFailure == null) {
                                outbox.settled(outboxRow); // removed, or no longer waiting for a dispatch
                            }
                            if (undoFailure == null && removed == ids.size()) {
                                return Uni.createFrom().failure(Outages.classify("Redis", failure));
                            }
                            LOG.warnf("%d runs of a batch are recorded but their tasks did not reach Redis (%s), and "
                                            + "%s could not be removed (%s): they stay queued, the sweeper dispatches "
                                            + "them once Redis answers", ids.size(), failure.toString(),
                                    undoFailure == null ? ids.size() - removed : "they",
                                    undoFailure == null ? "dispatched meanwhile" : undoFailure.toString());
                            return Uni.createFrom().voidItem();
                        }));
    }

    /**
     * Publishes the run's task. If it does not reach Redis the run is removed again, so that what the client is
     * told is the truth: the run does not exist (503, or 500 when the failure is not an outage). If it cannot be
     * removed either, it stays: the sweeper dispatches it once Redis answers, and the client is told 202.
     */
    private Uni<Void> publish(NewRun run, long outboxRow, Context trace) {
        return dispatcher.publish(run.id(), run.pipeline(), run.queue(), run.priority(), run.scheduledFor(), trace)
                .invoke(() -> outbox.settled(outboxRow))
                .onFailure().recoverWithUni(failure -> store.undoSubmit(run.id())
                        .onItemOrFailure().transformToUni((undone, undoFailure) -> {
                            if (undoFailure == null) {
                                outbox.settled(outboxRow); // removed, or no longer waiting for a dispatch
                            }
                            if (undoFailure == null && undone) {
                                return Uni.createFrom().failure(Outages.classify("Redis", failure));
                            }
                            RunMdc.log(run.id(), 0, run.pipeline(), run.queue(), () -> LOG.warnf("Run %s is recorded "
                                            + "but its task did not reach Redis (%s), and it could not be removed (%s): "
                                            + "it stays queued, the sweeper dispatches it once Redis answers", run.id(),
                                    failure.toString(),
                                    undoFailure == null ? "it was dispatched meanwhile" : undoFailure.toString()));
                            return Uni.createFrom().voidItem();
                        }));
    }

    /**
     * Answers a submit of a pipeline nobody advertised: 400 listing the known ones — unless the pipeline directory
     * is younger than two of the workers' heartbeat intervals (Redis lost its data, or the system just started),
     * when the workers may simply not have advertised it yet: then 503, retry.
     */
    private <T> Uni<T> unknownPipeline(String name, int index) {
        Duration settling = workers.heartbeatInterval().multipliedBy(2);
        return redis.send(Request.cmd(Command.GET).arg(keys.epoch()))
                .map(epoch -> epoch == null ? Optional.<Instant>empty()
                        : new RedisEpoch(epoch.toString()).createdAt().or(() -> Optional.of(Instant.EPOCH)))
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .chain(created -> {
                    if (created.isEmpty() || created.get().plus(settling).isAfter(Instant.now())) {
                        return Uni.createFrom().failure(new UnavailableException("the pipeline directory",
                                "pipeline '" + name + "' is not known yet: the directory of pipelines is being "
                                        + "rebuilt (Redis lost its data, or the system just started) and workers "
                                        + "advertise theirs every " + workers.heartbeatInterval().toSeconds() + " s"));
                    }
                    return knownPipelinesProblem(name, index);
                });
    }

    private <T> Uni<T> knownPipelinesProblem(String name, int index) {
        return pipelines.list()
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .map(known -> {
                    List<String> names = known.stream().map(PipelineInfo::name).toList();
                    String detail = "unknown pipeline '" + name + "'; known pipelines: "
                            + (names.isEmpty() ? "none (no worker has advertised any yet)" : String.join(", ", names));
                    throw BatchRequest.badItem(index, Problem.of(Response.Status.BAD_REQUEST, detail)
                            .with("knownPipelines", names));
                });
    }
}
