package io.runstream.redis.streams.internal;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.runstream.batch.Batcher;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis commands one consumer of one group sends, and nothing else: the group created when missing (again
 * after Redis lost it), reads, reclaims, claims of its own entries, delivery counts and acknowledgements (batched: acks made while an XACK is
 * in flight leave together in the next one). The incoming channel decides when to send which.
 */
final class GroupCommands {

    /** Most entry ids one XACK settles. */
    private static final int ACK_BATCH = 512;

    private final ReactiveRedisDataSource redis;
    private final ReactiveStreamCommands<String, String, String> streams;
    private final String stream;
    private final String group;
    private final String consumer;
    private final String groupStartId;
    private final Batcher<String, Void> acks;
    private volatile boolean groupReady;

    GroupCommands(ReactiveRedisDataSource redis, String stream, String group, String consumer, String groupStartId) {
        this.redis = redis;
        this.streams = redis.stream(String.class);
        this.stream = stream;
        this.group = group;
        this.consumer = consumer;
        this.groupStartId = groupStartId;
        this.acks = Batcher.ofAll(ids -> streams.xack(stream, group, ids.toArray(String[]::new)), ACK_BATCH, 2);
    }

    /**
     * XREADGROUP of up to {@code count} entries after {@code from} ({@code ">"}: new ones, blocking up to
     * {@code block}; an id: this consumer's own pending entries, not blocking).
     */
    Uni<List<StreamMessage<String, String, String>>> read(String from, int count, Duration block) {
        XReadGroupArgs args = new XReadGroupArgs().count(count);
        if (block != null) {
            args.block(block);
        }
        return ensureGroup().chain(() -> streams.xreadgroup(group, consumer, stream, from, args));
    }

    /** One XAUTOCLAIM step from {@code cursor}: up to {@code count} entries idle longer than {@code minIdle}. */
    Uni<ClaimedMessages<String, String, String>> reclaim(String cursor, Duration minIdle, int count) {
        return ensureGroup().chain(() -> streams.xautoclaim(stream, group, consumer, minIdle, cursor, count));
    }

    /** Delivery counts of {@code entries}, pending for this consumer, by id. */
    Uni<Map<String, Integer>> deliveries(List<StreamMessage<String, String, String>> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return streams.xpending(stream, group, StreamRange.of(entries.getFirst().id(), entries.getLast().id()),
                        entries.size() * 2, new XPendingArgs().consumer(consumer))
                .map(pending -> {
                    Map<String, Integer> counts = new HashMap<>();
                    pending.forEach(p -> counts.put(p.getMessageId(), p.getDeliveryCount()));
                    return counts;
                });
    }

    /**
     * XCLAIM of {@code ids} by this consumer, their idle time set to {@code idleMs} and, unless null, their delivery
     * count to {@code deliveries} (JUSTID: the claim itself counts no delivery).
     */
    Uni<Void> claim(List<String> ids, long idleMs, Integer deliveries) {
        List<String> args = new ArrayList<>(List.of(stream, group, consumer, "0"));
        args.addAll(ids);
        args.addAll(List.of("IDLE", Long.toString(idleMs)));
        if (deliveries != null) {
            args.addAll(List.of("RETRYCOUNT", Integer.toString(deliveries)));
        }
        args.add("JUSTID");
        return redis.execute("XCLAIM", args.toArray(String[]::new)).replaceWithVoid();
    }

    /** Acknowledges entry {@code id}. */
    Uni<Void> ack(String id) {
        return acks.submit(id);
    }

    /** The stream or group vanished (e.g. Redis restarted without persistence): the next command creates it. */
    void groupLost() {
        groupReady = false;
    }

    private Uni<Void> ensureGroup() {
        if (groupReady) {
            return Uni.createFrom().voidItem();
        }
        return streams.xgroupCreate(stream, group, groupStartId, new XGroupCreateArgs().mkstream())
                .onFailure(f -> String.valueOf(f.getMessage()).startsWith("BUSYGROUP")).recoverWithNull()
                .invoke(() -> groupReady = true)
                .replaceWithVoid();
    }
}
