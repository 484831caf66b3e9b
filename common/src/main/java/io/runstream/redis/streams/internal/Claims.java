package io.runstream.redis.streams.internal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The entries this consumer is working on, and its claim on them. Every heartbeat re-claims them (XCLAIM, idle reset
 * to 0), so other consumers never reclaim live work, including while the process stops and its work finishes within
 * the grace period. What it will not finish it hands back: the claim's idle time is set to the visibility timeout,
 * so the next reclaim pass of any other consumer takes the entry at once instead of a visibility timeout later, and
 * its delivery count is set back by one, so the reclaim that follows leaves it as it was: a graceful hand-back is not
 * a failed delivery, and a long run that lives through rolling restarts is not mistaken for a poison task.
 * Thread-safe: the map is concurrent, and the heartbeat only reads it.
 */
final class Claims {

    private static final Logger LOG = Logger.getLogger(Claims.class);

    private final GroupCommands commands;
    private final Vertx vertx;
    private final String stream;
    private final Duration visibility;
    /** Entry id → its delivery count when it was delivered here. */
    private final Map<String, Integer> held = new ConcurrentHashMap<>();
    private final long heartbeatTimer;

    Claims(GroupCommands commands, Vertx vertx, String stream, Duration visibility, Duration heartbeat) {
        if (heartbeat.compareTo(visibility) >= 0) {
            throw new IllegalArgumentException("heartbeat-interval-ms (" + heartbeat.toMillis() + ") of " + stream
                    + " must be shorter than visibility-timeout-ms (" + visibility.toMillis() + ")");
        }
        this.commands = commands;
        this.vertx = vertx;
        this.stream = stream;
        this.visibility = visibility;
        this.heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), t -> heartbeat());
    }

    /** Entry {@code id}, delivered here for the {@code deliveries}-th time, is being worked on here. */
    void hold(String id, int deliveries) {
        held.put(id, deliveries);
    }

    /** Entry {@code id} is settled (acked, or handed to a failure strategy). */
    void release(String id) {
        held.remove(id);
    }

    int size() {
        return held.size();
    }

    /** Re-claims the entries held here: resets their idle time. */
    private void heartbeat() {
        if (held.isEmpty()) {
            return;
        }
        commands.claim(new ArrayList<>(held.keySet()), 0, null).subscribe().with(ok -> { },
                f -> LOG.debugf("Heartbeat of %d entries of %s failed: %s", held.size(), stream, f));
    }

    /**
     * Stops the heartbeat and hands back every entry still held, with {@code more} (entries read but never
     * delivered): their idle time becomes the visibility timeout, so any other consumer's next reclaim pass takes
     * them.
     */
    Uni<Void> handBack(Collection<String> more) {
        vertx.cancelTimer(heartbeatTimer);
        // per delivery count, the entries held here, to be set back by one; the unread ones as they are
        Map<Integer, List<String>> byCount = new TreeMap<>();
        held.forEach((id, deliveries) -> byCount.computeIfAbsent(deliveries, d -> new ArrayList<>()).add(id));
        held.clear();
        int total = more.size() + byCount.values().stream().mapToInt(List::size).sum();
        if (total == 0) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> claims = new ArrayList<>();
        byCount.forEach((deliveries, ids) ->
                claims.add(commands.claim(ids, visibility.toMillis(), Math.max(0, deliveries - 1))));
        if (!more.isEmpty()) {
            claims.add(commands.claim(new ArrayList<>(more), visibility.toMillis(), null));
        }
        return Uni.join().all(claims).andFailFast().replaceWithVoid()
                .invoke(() -> LOG.infof("Handed back %d unfinished entries of %s to the other consumers", total,
                        stream));
    }
}
