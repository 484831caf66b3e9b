package io.runstream.api.queue;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.queue.RedisReplies;
import io.runstream.task.TaskMessage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A queue's dead letters — the tasks a worker gave up on (delivered too often without an outcome: their runs
 * failed) — as a tenant sees them: only the entries of its own runs (the dead-letter stream is the queue's, shared
 * by every tenant whose runs go there). Newest first.
 */
@ApplicationScoped
public class DeadLetters {

    /** Entries read at once while purging. */
    private static final int PURGE_PAGE = 500;

    private final ReactiveStreamCommands<String, String, String> streams;
    private final RedisKeys keys;
    private final Pool pool;

    public DeadLetters(ReactiveRedisDataSource redis, RunstreamConfig config, Pool pool) {
        this.streams = redis.stream(String.class);
        this.keys = config.keys();
        this.pool = pool;
    }

    /**
     * One dead letter.
     *
     * @param id           its entry id in the dead-letter stream
     * @param runId        the run whose task it was (failed when the task was given up on)
     * @param pipeline     the run's pipeline
     * @param reason       why the task was given up on
     * @param sourceStream the task stream it came from
     * @param sourceId     its entry id there
     * @param at           when it was dead-lettered
     */
    @RegisterForReflection
    public record DeadLetter(String id, UUID runId, String pipeline, String reason, String sourceStream,
                             String sourceId, Instant at) {
    }

    /** A page of dead letters and the cursor of the next (null: none). */
    @RegisterForReflection
    public record Page(List<DeadLetter> items, String next) {
    }

    /** Up to {@code limit} entries of {@code tenant}'s runs, before entry {@code cursor} (null: the newest). */
    public Uni<Page> list(String queue, String tenant, int limit, String cursor) {
        return read(queue, cursor, limit).chain(entries -> owned(entries, tenant).map(mine -> new Page(mine,
                entries.size() == limit ? entries.getLast().id() : null)));
    }

    /** The dead letter {@code id} of {@code queue}, if it is one of {@code tenant}'s runs. */
    public Uni<Optional<DeadLetter>> get(String queue, String tenant, String id) {
        return streams.xrange(keys.deadLetter(queue), StreamRange.of(id, id), 1)
                .chain(found -> owned(found, tenant)).map(mine -> mine.stream().findFirst());
    }

    /** Removes dead letter {@code id} of {@code queue}. */
    public Uni<Void> remove(String queue, String id) {
        return streams.xdel(keys.deadLetter(queue), id).replaceWithVoid();
    }

    /** Removes every dead letter of {@code queue} that is one of {@code tenant}'s runs; how many. */
    public Uni<Integer> purge(String queue, String tenant) {
        return purgeFrom(queue, tenant, null, 0);
    }

    private Uni<Integer> purgeFrom(String queue, String tenant, String cursor, int purged) {
        return read(queue, cursor, PURGE_PAGE).chain(entries -> owned(entries, tenant).chain(mine -> {
            Uni<Integer> removed = mine.isEmpty() ? Uni.createFrom().item(0)
                    : streams.xdel(keys.deadLetter(queue), mine.stream().map(DeadLetter::id).toArray(String[]::new));
            return removed.chain(n -> entries.size() < PURGE_PAGE ? Uni.createFrom().item(purged + n)
                    : purgeFrom(queue, tenant, entries.getLast().id(), purged + n));
        }));
    }

    private Uni<List<StreamMessage<String, String, String>>> read(String queue, String before, int count) {
        return streams.xrevrange(keys.deadLetter(queue), StreamRange.of(before == null ? "+" : "(" + before, "-"),
                count);
    }

    /** The entries that are tasks of {@code tenant}'s runs, in their order. */
    private Uni<List<DeadLetter>> owned(List<StreamMessage<String, String, String>> entries, String tenant) {
        List<DeadLetter> letters = new ArrayList<>(entries.size());
        for (StreamMessage<String, String, String> entry : entries) {
            TaskMessage task;
            try {
                task = TaskMessage.decode(entry.payload().get("payload"));
            } catch (IllegalArgumentException e) {
                continue; // not a task: no tenant's
            }
            letters.add(new DeadLetter(entry.id(), task.runId(), task.pipeline(), entry.payload().get("reason"),
                    entry.payload().get("source-stream"), entry.payload().get("source-id"),
                    Instant.ofEpochMilli(RedisReplies.entryMillis(entry.id()))));
        }
        if (letters.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        UUID[] ids = letters.stream().map(DeadLetter::runId).toArray(UUID[]::new);
        return pool.preparedQuery("SELECT id FROM runs WHERE id = ANY($1) AND tenant = $2")
                .execute(Tuple.of(ids, tenant)).map(rows -> {
                    Set<UUID> theirs = new HashSet<>();
                    for (Row row : rows) {
                        theirs.add(row.getUUID("id"));
                    }
                    return letters.stream().filter(l -> theirs.contains(l.runId())).toList();
                });
    }
}
