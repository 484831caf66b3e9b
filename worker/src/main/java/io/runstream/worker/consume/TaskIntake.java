package io.runstream.worker.consume;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.queue.Priority;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.RedisStreamsConnector;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.WorkerId;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tasks of every queue this worker reads ({@link WorkerQueues}), at every priority, as one stream whose demand —
 * the worker's free handler slots — goes to the highest priority waiting, and is shared fairly across the queues.
 *
 * <p>Each {@link Lane} (a priority of a queue) has its own channel: the lane's task stream, read through the
 * {@value RedisKeys#WORKERS_GROUP} group under this worker's id, failing entries to the queue's dead-letter stream,
 * every other setting from {@code mp.messaging.incoming.tasks.*}. Each channel is asked for up to the free slots,
 * and for one task while none is free, so the next task of every lane is already here when a slot frees: a
 * priority-1 task arriving behind a backlog of priority-4 ones takes the next free slot. The tasks that come
 * meanwhile wait here (still claimed by this worker, kept fresh by its heartbeat): at most one per lane while the
 * slots are full, plus {@code runstream.worker.read-ahead} per lane (default 0), read before slots free so that
 * short runs do not each wait a read for their slot.
 *
 * <p>Which waiting task a free slot takes: the one of the best effective priority — its priority less one level for
 * every {@code runstream.worker.priority-aging} it has waited since it entered its stream (so a low priority is never
 * starved for ever: under a flood of priority 1, a priority-4 task goes first after 4 agings) — the higher own
 * priority on a tie, and among lanes still equal the queues in turn (round-robin), so one queue's backlog never
 * holds up another's.
 *
 * <p>All demand bookkeeping and every emission happen in one drain loop that a single thread runs at a time (a
 * work-in-progress counter, no lock), so a channel delivering and a slot freeing at once never emit concurrently
 * and nothing is called under a lock.
 */
@Singleton
public class TaskIntake {

    private static final Logger LOG = Logger.getLogger(TaskIntake.class);
    /** Prefix of the settings every queue's channel shares. */
    static final String SETTINGS = "mp.messaging.incoming.tasks";

    private final List<Source> sources = new ArrayList<>();
    private final Map<String, Lane> laneOfStream = new HashMap<>();
    /** A waiting task's priority rises one level per this many ms; 0: strict priorities. */
    private final long agingMillis;
    /** Tasks each lane reads beyond the free slots ({@link WorkerConfig#readAhead()}). */
    private final long readAhead;
    private final AtomicInteger wip = new AtomicInteger();
    private final Multi<Message<String>> tasks;
    private volatile MultiEmitter<? super Message<String>> downstream;
    /** Each source's priority, by index: fixed once the sources are. */
    private final int[] priorities;
    /** When each source's first waiting task entered its stream, or -1: the drain loop's scratch, filled per pick. */
    private final long[] enteredAt;
    /** Where the next round-robin pick among equals starts; touched only inside the drain loop. */
    private int nextSource;

    public TaskIntake(@Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, WorkerQueues queues,
                      WorkerId id, RunstreamConfig runstream, WorkerConfig worker, Config config) {
        RedisKeys keys = runstream.keys();
        this.agingMillis = worker.priorityAging().toMillis();
        this.readAhead = worker.readAhead();
        for (Lane lane : queues.lanes()) {
            IncomingRedisStreamsChannel channel = connector.open(config, channelName(lane), SETTINGS, Map.of(
                    "stream", lane.stream(keys),
                    "group", RedisKeys.WORKERS_GROUP,
                    "consumer", id.value(),
                    "dead-letter-stream", keys.deadLetter(lane.queue())));
            sources.add(new Source(lane, channel));
            laneOfStream.put(channel.stream(), lane);
        }
        this.priorities = sources.stream().mapToInt(source -> source.lane.priority()).toArray();
        this.enteredAt = new long[sources.size()];
        this.tasks = Multi.createFrom().emitter(emitter -> {
            downstream = emitter;
            emitter.onRequest(n -> drain());
            sources.forEach(Source::subscribe);
            drain();
        });
    }

    /** The name of the channel of {@code queue} at the default priority (in logs and health checks). */
    public static String channelName(String queue) {
        return "tasks:" + queue;
    }

    /** The name of {@code lane}'s channel. */
    public static String channelName(Lane lane) {
        return channelName(lane.queue()) + Priority.suffix(lane.priority());
    }

    /** The tasks of every queue; one subscriber. */
    public Multi<Message<String>> tasks() {
        return tasks;
    }

    /** The lane a task delivered by {@link #tasks()} came from. */
    public Lane laneOf(IncomingRedisStreamMetadata entry) {
        return laneOfStream.get(entry.stream());
    }

    /** The queues read, in order. */
    public List<String> queues() {
        return sources.stream().map(source -> source.lane.queue()).distinct().toList();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            MultiEmitter<? super Message<String>> out = downstream;
            if (out != null && !out.isCancelled()) {
                while (out.requested() > 0) {
                    Message<String> next = poll();
                    if (next == null) {
                        break;
                    }
                    out.emit(next);
                }
                if (allFinished()) {
                    out.complete();
                } else {
                    topUp(out.requested());
                }
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private boolean allFinished() {
        for (Source source : sources) {
            if (!source.finished()) {
                return false;
            }
        }
        return true;
    }

    /** The next waiting task ({@link #choose}), or null when none waits. */
    private Message<String> poll() {
        int n = sources.size();
        for (int i = 0; i < n; i++) {
            Message<String> head = sources.get(i).waiting.peek();
            enteredAt[i] = head == null ? -1 : enteredAt(head);
        }
        int chosen = choose(priorities, enteredAt, System.currentTimeMillis(), agingMillis, nextSource);
        if (chosen < 0) {
            return null;
        }
        nextSource = (chosen + 1) % n;
        return sources.get(chosen).waiting.poll();
    }

    /**
     * Which lane's waiting task a free slot takes: the best effective priority — own priority less one level per
     * {@code agingMillis} waited since it entered its stream (0: no aging) — then the higher own priority, then the
     * first from {@code start} on (the lanes in turn).
     *
     * @param priorities each lane's priority
     * @param enteredAt  when each lane's first waiting task entered its stream (epoch ms), or -1 when none waits
     * @return the chosen lane's index, or -1 when no task waits
     */
    static int choose(int[] priorities, long[] enteredAt, long now, long agingMillis, int start) {
        int n = priorities.length;
        int best = -1;
        long bestEffective = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            int index = (start + i) % n;
            if (enteredAt[index] < 0) {
                continue;
            }
            long agings = agingMillis == 0 ? 0 : Math.max(0, now - enteredAt[index]) / agingMillis;
            long effective = priorities[index] - agings;
            if (best < 0 || effective < bestEffective
                    || (effective == bestEffective && priorities[index] < priorities[best])) {
                best = index;
                bestEffective = effective;
            }
        }
        return best;
    }

    /** When {@code task} entered its stream: its entry id's time (epoch ms). */
    private static long enteredAt(Message<String> task) {
        String id = task.getMetadata(IncomingRedisStreamMetadata.class).map(IncomingRedisStreamMetadata::id)
                .orElse("0-0");
        int dash = id.indexOf('-');
        return dash < 0 ? 0 : Long.parseLong(id.substring(0, dash));
    }

    /**
     * Asks each channel for what brings its waiting and requested tasks up to the free slots (one at least) plus the
     * read-ahead.
     */
    private void topUp(long free) {
        long target = Math.max(1, free) + readAhead;
        for (Source source : sources) {
            Flow.Subscription subscription = source.subscription;
            if (subscription == null || source.done) {
                continue;
            }
            long wanted = target - source.waiting.size() - source.requested.get();
            if (wanted > 0) {
                source.requested.addAndGet(wanted);
                subscription.request(wanted);
            }
        }
    }

    /** One lane's channel, as the drain loop sees it. */
    private final class Source implements MultiSubscriber<Message<String>> {

        private final Lane lane;
        private final IncomingRedisStreamsChannel channel;
        /** Delivered by the channel, not yet emitted. */
        private final Queue<Message<String>> waiting = new ConcurrentLinkedQueue<>();
        /** Asked of the channel and not yet delivered. */
        private final AtomicLong requested = new AtomicLong();
        private volatile Flow.Subscription subscription;
        private volatile boolean done;

        Source(Lane lane, IncomingRedisStreamsChannel channel) {
            this.lane = lane;
            this.channel = channel;
        }

        void subscribe() {
            channel.publisher().subscribe().withSubscriber(this);
        }

        boolean finished() {
            return done && waiting.isEmpty();
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            drain();
        }

        @Override
        public void onItem(Message<String> task) {
            waiting.add(task); // before the count drops, so a top-up in between never asks for it twice
            requested.decrementAndGet();
            drain();
        }

        @Override
        public void onFailure(Throwable failure) {
            LOG.errorf(failure, "The channel of %s stopped; the worker no longer reads it", lane);
            finish();
        }

        @Override
        public void onCompletion() {
            finish();
        }

        /**
         * The channel closed (the worker stops) or failed: what waits here is never emitted; those entries are
         * still claimed by the channel, which hands them back to the other workers as it stops.
         */
        private void finish() {
            done = true;
            waiting.clear();
            drain();
        }
    }
}
