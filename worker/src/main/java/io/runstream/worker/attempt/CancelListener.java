package io.runstream.worker.attempt;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.pubsub.RedisSubscription;
import io.runstream.worker.WorkerConfig;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Delivers cancels to the runs executing here. The api sets the run's cancel flag and publishes its id on the
 * cancel channel: the notification stops a handler within milliseconds; a poll of the flags of the runs executing
 * here (every {@code runstream.worker.cancel-poll-interval}, and after every resubscription) catches a cancel
 * whose notification was missed, e.g. because it came while the run was starting or Redis was reconnecting.
 */
@ApplicationScoped
public class CancelListener {

    private static final Logger LOG = Logger.getLogger(CancelListener.class);

    private final RunningAttempts running;
    private final Redis redis;
    private final Vertx vertx;
    private final RedisKeys keys;
    private final WorkerConfig config;
    private final String redisUri;
    private RedisSubscription subscription;
    private long poller = -1;

    public CancelListener(RunningAttempts running, Redis redis, Vertx vertx, RunstreamConfig runstream,
                          WorkerConfig config, @ConfigProperty(name = "quarkus.redis.hosts") String redisHosts) {
        this.running = running;
        this.redis = redis;
        this.vertx = vertx;
        this.keys = runstream.keys();
        this.config = config;
        this.redisUri = redisHosts.split(",")[0].trim();
    }

    void start(@Observes StartupEvent event) {
        subscription = new RedisSubscription(vertx, redisUri, RedisSubscription.Mode.CHANNEL, keys.cancelChannel(),
                (channel, runId) -> cancel(runId), this::poll, Duration.ofSeconds(1));
        subscription.start();
        poller = vertx.setPeriodic(config.cancelPollInterval().toMillis(), id -> poll());
    }

    void stop(@Observes ShutdownEvent event) {
        if (poller >= 0) {
            vertx.cancelTimer(poller);
        }
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
    void poll() {
        List<UUID> ids = new ArrayList<>(running.ids());
        if (ids.isEmpty()) {
            return;
        }
        List<Request> exists = ids.stream().map(id -> Request.cmd(Command.EXISTS).arg(keys.cancelFlag(id))).toList();
        redis.batch(exists).subscribe().with(replies -> {
            for (int i = 0; i < ids.size(); i++) {
                Response reply = replies.get(i);
                if (reply != null && reply.toInteger() > 0) {
                    running.cancel(ids.get(i));
                }
            }
        }, failure -> LOG.debugf("Cancel poll failed: %s", failure));
    }
}
