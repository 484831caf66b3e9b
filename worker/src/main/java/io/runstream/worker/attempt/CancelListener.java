package io.runstream.worker.attempt;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.log.FailureLog;
import io.runstream.pubsub.RedisSubscription;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Singleton;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP;

/**
 * Delivers cancels to the runs executing here. The api sets the run's cancel flag and publishes its id on the
 * cancel channel: the notification stops a handler within milliseconds; a poll of the flags of the runs executing
 * here (every {@code runstream.worker.cancel-poll-interval}, and after every resubscription) catches a cancel
 * whose notification was missed, e.g. because it came while the run was starting or Redis was reconnecting.
 */
@Singleton
public class CancelListener {

    private static final Logger LOG = Logger.getLogger(CancelListener.class);

    private final RunningAttempts running;
    private final Redis redis;
    private final Vertx vertx;
    private final RedisKeys keys;
    private RedisSubscription subscription;
    private final FailureLog failures = new FailureLog(LOG, "Polling cancel flags", Duration.ofMinutes(1));

    public CancelListener(RunningAttempts running, Redis redis, Vertx vertx, RunstreamConfig runstream) {
        this.running = running;
        this.redis = redis;
        this.vertx = vertx;
        this.keys = runstream.keys();
    }

    void start(@Observes StartupEvent event) {
        subscription = new RedisSubscription(vertx, redis, RedisSubscription.Mode.CHANNEL, keys.cancelChannel(),
                (channel, runId) -> cancel(runId), () -> poll().subscribe().with(x -> { }), Duration.ofSeconds(1));
        subscription.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscription != null) {
            subscription.stop().await().atMost(Duration.ofSeconds(2));
        }
    }

    private void cancel(String runId) {
        try {
            running.cancel(UUID.fromString(runId));
        } catch (IllegalArgumentException e) {
            LOG.debugf("Ignoring cancel of '%s': not a run id", runId);
        }
    }

    /** Checks the cancel flags of the runs executing here, in one pipelined round trip. */
    @Scheduled(every = "${runstream.worker.cancel-poll-interval}", concurrentExecution = SKIP)
    Uni<Void> poll() {
        List<UUID> ids = new ArrayList<>(running.ids());
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Request> exists = ids.stream().map(id -> Request.cmd(Command.EXISTS).arg(keys.cancelFlag(id))).toList();
        return failures.reported(redis.batch(exists)
                .invoke(replies -> {
                    for (int i = 0; i < ids.size(); i++) {
                        Response reply = replies.get(i);
                        if (reply != null && reply.toInteger() > 0) {
                            running.cancel(ids.get(i));
                        }
                    }
                }), Duration.ofSeconds(10));
    }
}
