package io.runstream.api.outbox;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.runstream.api.ApiConfig;
import io.runstream.config.InstanceNames;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisEpoch;
import io.runstream.keys.RedisKeys;
import io.runstream.log.FailureLog;
import io.runstream.redis.LuaScript;
import io.runstream.run.RunStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP;

/**
 * Repairs the gap between PostgreSQL and Redis; one api replica at a time does it (a lease in Redis). Every
 * {@code runstream.api.sweep.interval}:
 * <ul>
 *   <li>if Redis lost its data (the epoch key that PostgreSQL remembers is gone: a restart without persistence),
 *       every run that was queued or running goes back to queued and undispatched, since its task is gone;</li>
 *   <li>queued runs whose task never reached Redis are dispatched: those of an outbox row older than the grace (the
 *       api that wrote it died, or Redis failed, between the commit and the XADDs), and those flagged undispatched
 *       for longer than the grace (by the re-queue above, or by apps of schema 4).</li>
 * </ul>
 * A task dispatched twice is harmless: the worker starts a run only from one task.
 */
@ApplicationScoped
public class Sweeper {

    private static final Logger LOG = Logger.getLogger(Sweeper.class);
    /** KEYS[1] lease; ARGV[1] holder, ARGV[2] lease ms. Takes the lease when free, extends it when held. */
    private static final LuaScript LEASE = new LuaScript("""
            local holder = redis.call('GET', KEYS[1])
            if holder == false or holder == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return 0""");

    private final Pool pool;
    private final RunStore store;
    private final Redis redis;
    private final Dispatcher dispatcher;
    private final RedisKeys keys;
    private final ApiConfig.Sweep config;
    private final String holder = InstanceNames.hostAndPid() + "-" + UUID.randomUUID();
    private final FailureLog failures = new FailureLog(LOG, "Sweeping", Duration.ofMinutes(1));

    public Sweeper(Pool pool, RunStore store, Redis redis, Dispatcher dispatcher, RunstreamConfig runstream,
                   ApiConfig config) {
        this.pool = pool;
        this.store = store;
        this.redis = redis;
        this.dispatcher = dispatcher;
        this.keys = runstream.keys();
        this.config = config.sweep();
    }

    /**
     * Establishes the epoch before the api serves: a run accepted from now on is covered should Redis lose its data,
     * even before the first sweep. Without Redis or PostgreSQL now, the first sweep that reaches both does it.
     */
    void start(@Observes StartupEvent event) {
        try {
            checkEpoch().await().atMost(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warnf("Cannot check the Redis epoch at start (the sweeper will): %s", e.toString());
        }
    }

    /** One pass, if this replica holds the lease; passes never overlap. */
    @Scheduled(every = "${runstream.api.sweep.interval}", concurrentExecution = SKIP)
    Uni<Void> sweep() {
        long leaseMs = config.interval().toMillis() * 3;
        return failures.reported(LEASE.run(redis, List.of(keys.sweeperLease()), List.of(holder, leaseMs))
                .chain(lease -> lease.toInteger() == 1
                        ? checkEpoch().chain(this::dispatchStranded).chain(this::dispatchOutbox)
                        : Uni.createFrom().voidItem()), Duration.ofMillis(leaseMs));
    }

    /**
     * Compares the epoch in Redis with the one PostgreSQL remembers. The same: nothing happened. PostgreSQL has one
     * that Redis lacks: Redis lost its data, so what it held (tasks of queued and running runs) is re-queued.
     * Neither has one: a new deployment. Either way both then hold the same epoch.
     */
    private Uni<Void> checkEpoch() {
        Uni<String> remembered = pool.query("SELECT value FROM runstream_meta WHERE name = 'redis-epoch'").execute()
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString(0));
        Uni<String> current = redis.send(Request.cmd(Command.GET).arg(keys.epoch()))
                .map(r -> r == null ? null : r.toString());
        return Uni.combine().all().unis(remembered, current).asTuple().chain(epochs -> {
            String known = epochs.getItem1();
            String now = epochs.getItem2();
            if (now != null && now.equals(known)) {
                return Uni.createFrom().voidItem();
            }
            if (now != null) {
                return remember(now); // PostgreSQL has not seen this Redis's epoch yet
            }
            String next = RedisEpoch.of(Instant.now()).value();
            Uni<Void> requeue = known == null ? Uni.createFrom().voidItem() : store.requeueAfterDataLoss()
                    .invoke(n -> LOG.warnf("Redis lost its data (its epoch key is gone): re-dispatching %d queued "
                            + "or running runs", n))
                    .replaceWithVoid();
            return requeue.chain(() -> redis.send(Request.cmd(Command.SET).arg(keys.epoch()).arg(next)))
                    .chain(() -> remember(next));
        });
    }

    private Uni<Void> remember(String epoch) {
        return pool.preparedQuery("""
                        INSERT INTO runstream_meta (name, value) VALUES ('redis-epoch', $1)
                        ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value""")
                .execute(Tuple.of(epoch)).replaceWithVoid();
    }

    private Uni<Void> dispatchStranded(Void ignored) {
        return pool.preparedQuery("""
                        SELECT id, pipeline, queue, priority, scheduled_for FROM runs
                         WHERE NOT dispatched AND status = 'queued' AND created_at < now() - $1 * interval '1 millisecond'
                         ORDER BY created_at LIMIT $2""")
                .execute(Tuple.of(config.grace().toMillis(), config.batch()))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(this::dispatch)
                .collect().last().replaceWithVoid();
    }

    /** The queued runs of outbox rows older than the grace, dispatched; then the rows go. */
    private Uni<Void> dispatchOutbox(Void ignored) {
        return pool.preparedQuery("""
                        SELECT o.id AS outbox_row, r.id, r.pipeline, r.queue, r.priority, r.scheduled_for
                          FROM outbox o LEFT JOIN runs r ON r.id = ANY(o.run_ids) AND r.status = 'queued'
                         WHERE o.id IN (SELECT id FROM outbox WHERE created_at < now() - $1 * interval '1 millisecond'
                                         ORDER BY id LIMIT $2)
                         ORDER BY o.id""")
                .execute(Tuple.of(config.grace().toMillis(), config.batch()))
                .chain(rows -> {
                    Map<Long, List<Row>> byOutboxRow = new LinkedHashMap<>();
                    rows.forEach(row -> byOutboxRow.computeIfAbsent(row.getLong("outbox_row"),
                            k -> new ArrayList<>()).add(row));
                    return Multi.createFrom().iterable(byOutboxRow.entrySet())
                            .onItem().transformToUniAndConcatenate(e -> Multi.createFrom().iterable(e.getValue())
                                    .filter(run -> run.getUUID("id") != null)
                                    .onItem().transformToUniAndConcatenate(run -> dispatcher.publish(run.getUUID("id"),
                                                    run.getString("pipeline"), run.getString("queue"),
                                                    run.getInteger("priority"), scheduledFor(run),
                                                    io.opentelemetry.context.Context.root())
                                            .invoke(() -> LOG.infof("Dispatched stranded run %s", run.getUUID("id"))))
                                    .collect().last()
                                    .chain(() -> store.dispatched(List.of(e.getKey()))))
                            .collect().last().replaceWithVoid();
                });
    }

    private Uni<Void> dispatch(Row run) {
        UUID id = run.getUUID("id");
        return dispatcher.publish(id, run.getString("pipeline"), run.getString("queue"), run.getInteger("priority"),
                        scheduledFor(run), io.opentelemetry.context.Context.root())
                .chain(() -> store.markDispatched(List.of(id)))
                .invoke(() -> LOG.infof("Dispatched stranded run %s", id))
                .replaceWithVoid();
    }

    private static Instant scheduledFor(Row run) {
        OffsetDateTime at = run.getOffsetDateTime("scheduled_for");
        return at == null ? null : at.toInstant();
    }
}
