package io.runstream.api.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.runstream.api.dispatch.Dispatcher;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.api.problem.Outages;
import io.runstream.api.problem.UnavailableException;
import io.runstream.keys.RedisEpoch;
import io.runstream.config.RunstreamConfig;
import io.runstream.events.RunEventWriter;
import io.runstream.keys.RedisKeys;
import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.run.RunIds;
import io.runstream.run.RunStatus;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creates, reads and lists runs. A run is committed in PostgreSQL first, then its task is published to the
 * queue's stream; if publishing fails the row is removed again and the caller gets 503, so a failed submit
 * changes nothing.
 */
@ApplicationScoped
public class RunService {

    private static final Logger LOG = Logger.getLogger(RunService.class);

    private static final long QUEUE_CACHE_NANOS = 1_000_000_000L;

    private final PipelineDirectory pipelines;
    private final java.util.Map<String, KnownQueue> knownQueues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Dispatcher dispatcher;
    private final NewRuns newRuns;
    private final RedisKeys keys;
    private final MeterRegistry metrics;
    private final Redis redis;
    private final RunstreamConfig.Events eventsConfig;
    private final RunSnapshots snapshots;
    private final Pool pool;

    public RunService(PipelineDirectory pipelines, Dispatcher dispatcher, NewRuns newRuns, RunstreamConfig config,
                      MeterRegistry metrics, Redis redis, RunSnapshots snapshots, Pool pool) {
        this.pipelines = pipelines;
        this.snapshots = snapshots;
        this.pool = pool;
        this.newRuns = newRuns;
        this.dispatcher = dispatcher;
        this.keys = config.keys();
        this.metrics = metrics;
        this.redis = redis;
        this.eventsConfig = config.events();
    }

    private static final String UNDO_SUBMIT = "DELETE FROM runs WHERE id = $1 AND NOT dispatched";
    private static final String CANCEL_QUEUED = "UPDATE runs SET status = 'cancelled', completed_at = $1, "
            + "updated_at = $1 WHERE id = $2 AND status = 'queued'";

    /** How long an Idempotency-Key holds on to its run. */
    static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

    /**
     * Records and dispatches a run of {@code request}; with an {@code idempotencyKey}, returns the run that key
     * already created from the same request (within 24 h) instead.
     *
     * @throws ProblemException 409 when the key was used with a different request
     */
    public Uni<RunView> submit(SubmitRequest request, String idempotencyKey, Duration liveness) {
        if (idempotencyKey == null) {
            return submit(request, null, null, liveness);
        }
        String hash = request.hash();
        return byIdempotencyKey(idempotencyKey).chain(existing -> existing != null
                ? replay(existing, idempotencyKey, hash)
                : submit(request, idempotencyKey, hash, liveness)
                        // another request with the same key won the race: answer as it did
                        .onFailure(RunService::isIdempotencyConflict).recoverWithUni(() -> byIdempotencyKey(
                                idempotencyKey).chain(winner -> replay(winner, idempotencyKey, hash))));
    }

    private Uni<RunEntity> byIdempotencyKey(String key) {
        Instant expired = Instant.now().minus(IDEMPOTENCY_WINDOW);
        return Panache.<RunEntity>withTransaction(() -> RunEntity.update("idempotencyKey = null where "
                                + "idempotencyKey = ?1 and createdAt < ?2", key, expired)
                        .chain(() -> RunEntity.<RunEntity>find("idempotencyKey", key).firstResult()))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e));
    }

    private static Uni<RunView> replay(RunEntity existing, String key, String hash) {
        if (!hash.equals(existing.requestHash)) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(Response.Status.CONFLICT,
                    "Idempotency-Key '" + key + "' was used for a different request (run " + existing.id + ")")));
        }
        return Uni.createFrom().item(RunView.of(existing));
    }

    private static boolean isIdempotencyConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("runs_idempotency_key")) {
                return true;
            }
        }
        return false;
    }

    private Uni<RunView> submit(SubmitRequest request, String idempotencyKey, String hash, Duration liveness) {
        return queueOf(request.pipeline())
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .chain(queue -> {
                    if (queue.isEmpty()) {
                        return unknownPipeline(request.pipeline(), liveness);
                    }
                    if (request.queue() != null && !request.queue().equals(queue.get())) {
                        return Uni.createFrom().failure(ProblemException.badRequest("pipeline '" + request.pipeline()
                                + "' runs on queue '" + queue.get() + "', not '" + request.queue() + "'"));
                    }
                    return create(request, queue.get(), idempotencyKey, hash);
                });
    }

    /**
     * The queue of {@code pipeline}, from a copy of the pipeline directory at most one second old: pipelines are
     * added rarely and never move, and a submit should not pay a Redis round trip for it.
     */
    private Uni<java.util.Optional<String>> queueOf(String pipeline) {
        KnownQueue known = knownQueues.get(pipeline);
        if (known != null && System.nanoTime() - known.readAt() < QUEUE_CACHE_NANOS) {
            return Uni.createFrom().item(java.util.Optional.of(known.queue()));
        }
        return pipelines.queueOf(pipeline).invoke(queue -> queue.ifPresent(q -> knownQueues.put(pipeline,
                new KnownQueue(q, System.nanoTime()))));
    }

    private record KnownQueue(String queue, long readAt) {
    }

    private Uni<RunView> create(SubmitRequest request, String queue, String idempotencyKey, String hash) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        RunEntity run = new RunEntity();
        run.id = RunIds.newId();
        run.pipeline = request.pipeline();
        run.queue = queue;
        run.status = RunStatus.QUEUED;
        run.input = request.input();
        run.createdAt = now;
        run.updatedAt = now;
        run.idempotencyKey = idempotencyKey;
        run.requestHash = hash;
        // in autocommit: a transaction around a single statement only adds two round trips
        Uni<?> insert = idempotencyKey == null ? newRuns.insert(run) : Panache.withSession(run::persistAndFlush);
        return insert
                .onFailure(e -> !isIdempotencyConflict(e)).transform(e -> Outages.classify("PostgreSQL", e))
                .chain(() -> publish(run))
                .invoke(() -> Counter.builder("runstream.runs.submitted").tag("pipeline", run.pipeline)
                        .description("Runs accepted by the api").register(metrics).increment())
                .map(x -> RunView.of(run));
    }

    /**
     * Publishes the run's task. If it does not reach Redis the run is removed again, so that what the client is
     * told is the truth: the run does not exist (503, or 500 when the failure is not an outage). If it cannot be
     * removed either, it stays: the sweeper dispatches it once Redis answers, and the client is told 202.
     */
    private Uni<Void> publish(RunEntity run) {
        return dispatcher.publish(run.id, run.pipeline, run.queue)
                .invoke(() -> dispatcher.markDispatched(run.id))
                .onFailure().recoverWithUni(failure -> pool.preparedQuery(UNDO_SUBMIT).execute(Tuple.of(run.id))
                        .onItemOrFailure().transformToUni((rows, undoFailure) -> {
                            if (undoFailure == null && rows.rowCount() == 1) {
                                return Uni.createFrom().failure(Outages.classify("Redis", failure));
                            }
                            LOG.warnf("Run %s is recorded but its task did not reach Redis (%s), and it could not be "
                                            + "removed (%s): it stays queued, the sweeper dispatches it once Redis "
                                            + "answers", run.id, failure.toString(),
                                    undoFailure == null ? "it was dispatched meanwhile" : undoFailure.toString());
                            return Uni.createFrom().voidItem();
                        }));
    }

    /**
     * Answers a submit of a pipeline nobody advertised: 400 listing the known ones — unless the pipeline directory
     * is younger than a worker's liveness window (Redis lost its data, or the system just started), when the
     * workers may simply not have advertised yet: then 503, retry.
     */
    private Uni<RunView> unknownPipeline(String name, Duration liveness) {
        return redis.send(Request.cmd(Command.GET).arg(keys.epoch()))
                .map(epoch -> epoch == null ? Optional.<Instant>empty()
                        : new RedisEpoch(epoch.toString()).createdAt().or(() -> Optional.of(Instant.EPOCH)))
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .chain(created -> {
                    if (created.isEmpty() || created.get().plus(liveness).isAfter(Instant.now())) {
                        return Uni.createFrom().failure(new UnavailableException("the pipeline directory",
                                "pipeline '" + name + "' is not known yet: the directory of pipelines is being "
                                        + "rebuilt (Redis lost its data, or the system just started) and workers "
                                        + "advertise theirs within " + liveness.toSeconds() + " s"));
                    }
                    return knownPipelinesProblem(name, liveness);
                });
    }

    private Uni<RunView> knownPipelinesProblem(String name, Duration liveness) {
        return pipelines.list(liveness)
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .map(known -> {
                    List<String> names = known.stream().map(PipelineInfo::name).toList();
                    String detail = "unknown pipeline '" + name + "'; known pipelines: "
                            + (names.isEmpty() ? "none (no worker has advertised any yet)" : String.join(", ", names));
                    throw new ProblemException(Problem.of(Response.Status.BAD_REQUEST, detail)
                            .with("knownPipelines", names));
                });
    }

    /**
     * Cancels run {@code id}: a queued run at once (it will never execute), a running one by telling its worker
     * (it ends {@code cancelled} when the handler has stopped, normally within milliseconds).
     *
     * @return the run after the request: {@code cancelled}, or still {@code running} while its worker stops it
     * @throws ProblemException 404 for an unknown run, 409 for a run that already ended
     */
    public Uni<RunView> cancel(UUID id) {
        OffsetDateTime now = Instant.now().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
        return pool.preparedQuery(CANCEL_QUEUED).execute(Tuple.of(now, id))
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .chain(updated -> updated.rowCount() == 1
                        ? announceCancelled(id).chain(() -> get(id))
                        : get(id).chain(run -> switch (RunStatus.fromWire(run.status()).orElseThrow()) {
                            case RUNNING -> signalCancel(id).replaceWith(run);
                            // it was requeued (a retry) between the update and the read: try again
                            case QUEUED -> cancel(id);
                            default -> Uni.createFrom().failure(new ProblemException(Problem.of(
                                    Response.Status.CONFLICT, "run " + id + " already ended " + run.status())));
                        }));
    }

    /** Writes the {@code cancelled} status event of a queued run; its stream then expires like any ended run's. */
    private Uni<Void> announceCancelled(UUID id) {
        return new RunEventWriter(redis, keys.events(id), keys.notifyChannel(), id, 0, eventsConfig.maxlen())
                .writeEnd(List.of(), RunStatus.CANCELLED.wire(), eventsConfig.ttl())
                .replaceWithVoid()
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .onFailure().invoke(e -> LOG.warnf("Run %s is cancelled but its status event is not written: %s", id,
                        e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Sets the run's cancel flag and tells the workers; the one executing it stops the handler. */
    private Uni<Void> signalCancel(UUID id) {
        return redis.batch(List.of(
                        Request.cmd(Command.SET).arg(keys.cancelFlag(id)).arg("1").arg("EX")
                                .arg(eventsConfig.ttl().toSeconds()),
                        Request.cmd(Command.PUBLISH).arg(keys.cancelChannel()).arg(id.toString())))
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .replaceWithVoid();
    }

    /** The run {@code id}, or 404. */
    public Uni<RunView> get(UUID id) {
        return snapshots.get(id).map(run -> run.orElseThrow(() -> ProblemException.notFound("run " + id)));
    }

    /** Runs newest first, filtered by {@code status} and {@code pipeline} when given, after {@code cursor}. */
    public Uni<RunPage> list(RunStatus status, String pipeline, UUID cursor, int limit) {
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (status != null) {
            where.add("status = :status");
            params.and("status", status);
        }
        if (pipeline != null) {
            where.add("pipeline = :pipeline");
            params.and("pipeline", pipeline);
        }
        if (cursor != null) {
            where.add("id < :cursor");
            params.and("cursor", cursor);
        }
        String query = where.isEmpty() ? "" : String.join(" and ", where);
        return Panache.withSession(() -> RunEntity.<RunEntity>find(query, Sort.descending("id"), params)
                        .range(0, limit).list())
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .map(rows -> {
                    boolean more = rows.size() > limit;
                    List<RunView> items = rows.stream().limit(limit).map(RunView::of).toList();
                    return new RunPage(items, more ? RunCursor.encode(items.getLast().id()) : null);
                });
    }
}
