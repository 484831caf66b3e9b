package io.runstream.api.run;

import io.runstream.api.problem.Outages;
import io.runstream.api.problem.Problem;
import io.runstream.api.problem.ProblemException;
import io.runstream.config.RunstreamConfig;
import io.runstream.events.RunEventWriters;
import io.runstream.feed.ActivityFeed;
import io.runstream.feed.FeedEvent;
import io.runstream.feed.FeedEventType;
import io.runstream.keys.RedisKeys;
import io.runstream.run.RunStatus;
import io.runstream.run.RunStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Cancels runs: {@code POST /api/runs/{id}/cancel}. */
@ApplicationScoped
public class RunCancels {

    private static final Logger LOG = Logger.getLogger(RunCancels.class);

    private final RunStore store;
    private final RunQueries queries;
    private final RunEventWriters writers;
    private final Redis redis;
    private final RedisKeys keys;

    private final ActivityFeed feed;

    public RunCancels(RunStore store, RunQueries queries, RunEventWriters writers, Redis redis,
                      RunstreamConfig config, ActivityFeed feed) {
        this.feed = feed;
        this.store = store;
        this.queries = queries;
        this.writers = writers;
        this.redis = redis;
        this.keys = config.keys();
    }

    /**
     * Cancels run {@code id}: a queued run at once (it will never execute), a running one by telling its worker
     * (it ends {@code cancelled} when the handler has stopped, normally within milliseconds).
     *
     * @return the run after the request: {@code cancelled}, or still {@code running} while its worker stops it
     * @throws ProblemException 404 for a run {@code tenant} does not have, 409 for a run that already ended
     */
    public Uni<RunView> cancel(UUID id, String tenant) {
        // both the update and the read are the tenant's: another tenant's run is neither cancelled nor told of (404)
        return store.cancelQueued(id, tenant)
                .onFailure().transform(e -> Outages.classify("PostgreSQL", e))
                .chain(cancelled -> cancelled
                        ? announceCancelled(id).chain(() -> queries.found(id, tenant))
                                .invoke(run -> feed.append(FeedEvent.of(FeedEventType.CANCELLED, id, tenant,
                                        run.pipeline(), run.queue(), run.attempt())))
                        : queries.found(id, tenant).chain(run -> switch (RunStatus.fromWire(run.status()).orElseThrow()) {
                            case RUNNING -> signalCancel(id).replaceWith(run);
                            // it was requeued (a retry) between the update and the read: try again
                            case QUEUED -> cancel(id, tenant);
                            default -> Uni.createFrom().failure(new ProblemException(Problem.of(
                                    Response.Status.CONFLICT, "run " + id + " already ended " + run.status())));
                        }));
    }

    /** Writes the {@code cancelled} status event of a queued run; its stream then expires like any ended run's. */
    private Uni<Void> announceCancelled(UUID id) {
        return writers.of(id, 0).writeEnd(List.of(), RunStatus.CANCELLED, writers.ttl())
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
                                .arg(writers.ttl().toSeconds()),
                        Request.cmd(Command.PUBLISH).arg(keys.cancelChannel()).arg(id.toString())))
                .onFailure().transform(e -> Outages.classify("Redis", e))
                .replaceWithVoid();
    }
}
