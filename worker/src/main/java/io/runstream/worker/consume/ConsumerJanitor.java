package io.runstream.worker.consume;

import io.quarkus.scheduler.Scheduled;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.log.FailureLog;
import io.runstream.queue.RedisReplies;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.WorkerId;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;

import java.util.List;
import java.util.Map;

import static io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP;

/**
 * Removes dead consumers from the workers' group: those with nothing pending that have not read for
 * {@code runstream.worker.dead-consumer-idle}. Consumer names are per process (host and pid), so without this
 * every restart would leave one behind. A consumer that still holds entries is left alone: its entries are
 * reclaimed first, and it is removed on a later pass.
 */
@ApplicationScoped
public class ConsumerJanitor {

    private static final Logger LOG = Logger.getLogger(ConsumerJanitor.class);

    private final Redis redis;
    private final WorkerConfig config;
    private final List<String> streams;
    private final String self;
    private final FailureLog failures = new FailureLog(LOG, "Removing dead consumers", Duration.ofMinutes(1));

    public ConsumerJanitor(Redis redis, RunstreamConfig runstream, WorkerConfig config, WorkerId id,
                           WorkerQueues queues) {
        this.redis = redis;
        this.config = config;
        this.streams = queues.lanes().stream().map(lane -> lane.stream(runstream.keys())).toList();
        this.self = id.value();
    }

    /** Removes the dead consumers of every queue this worker reads, at every priority. */
    @Scheduled(every = "${runstream.worker.consumer-cleanup-interval}", concurrentExecution = SKIP)
    Uni<Void> sweep() {
        return failures.reported(Multi.createFrom().iterable(streams)
                .onItem().transformToUniAndConcatenate(this::sweep)
                .collect().last(), Duration.ofSeconds(30));
    }

    private Uni<Void> sweep(String stream) {
        return redis.send(Request.cmd(Command.XINFO).arg("CONSUMERS").arg(stream).arg(RedisKeys.WORKERS_GROUP))
                .onItem().transformToMulti(reply -> Multi.createFrom().iterable(RedisReplies.records(reply)))
                .filter(this::dead)
                .onItem().transformToUniAndConcatenate(consumer -> redis.send(Request.cmd(Command.XGROUP)
                                .arg("DELCONSUMER").arg(stream).arg(RedisKeys.WORKERS_GROUP).arg(consumer.get("name")))
                        .invoke(() -> LOG.infof("Removed dead consumer %s of %s", consumer.get("name"), stream)))
                .collect().last().replaceWithVoid();
    }

    private boolean dead(Map<String, String> consumer) {
        return !self.equals(consumer.get("name"))
                && "0".equals(consumer.get("pending"))
                && Long.parseLong(consumer.getOrDefault("idle", "0")) > config.deadConsumerIdle().toMillis();
    }
}
