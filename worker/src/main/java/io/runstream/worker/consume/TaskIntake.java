package io.runstream.worker.consume;

import io.runstream.config.RunstreamConfig;
import io.runstream.keys.RedisKeys;
import io.runstream.redis.streams.IncomingRedisStreamMetadata;
import io.runstream.redis.streams.RedisStreamsConnector;
import io.runstream.redis.streams.internal.IncomingRedisStreamsChannel;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tasks of every queue this worker reads ({@link WorkerQueues}), as one stream whose demand — the worker's free
 * handler slots — is shared fairly across the queues.
 *
 * <p>Each queue has its own channel: the queue's task stream, read through the {@value RedisKeys#WORKERS_GROUP}
 * group under this worker's id, failing entries to the queue's dead-letter stream, every other setting from
 * {@code mp.messaging.incoming.tasks.*}. With one queue, the channel is asked for exactly the free slots, as if it
 * were consumed directly. With several, each channel is asked for up to the free slots, and at least one task while
 * none is free, so that a queue whose tasks arrive is never starved of reads by another's backlog; the tasks that
 * come meanwhile wait here (still claimed by this worker, kept fresh by its heartbeat) and free slots take them
 * round-robin across the queues. What waits here is at most {@code concurrency} per queue, usually one.
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
    private final Map<String, String> queueOfStream = new java.util.HashMap<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final Multi<Message<String>> tasks;
    private volatile MultiEmitter<? super Message<String>> downstream;
    /** Where the next round-robin pick starts; touched only inside the drain loop. */
    private int nextSource;

    public TaskIntake(@Connector(RedisStreamsConnector.NAME) RedisStreamsConnector connector, WorkerQueues queues,
                      WorkerId id, RunstreamConfig runstream, Config config) {
        RedisKeys keys = runstream.keys();
        for (String queue : queues.names()) {
            IncomingRedisStreamsChannel channel = connector.open(config, channelName(queue), SETTINGS, Map.of(
                    "stream", keys.tasks(queue),
                    "group", RedisKeys.WORKERS_GROUP,
                    "consumer", id.value(),
                    "dead-letter-stream", keys.deadLetter(queue)));
            sources.add(new Source(queue, channel));
            queueOfStream.put(channel.stream(), queue);
        }
        this.tasks = Multi.createFrom().emitter(emitter -> {
            downstream = emitter;
            emitter.onRequest(n -> drain());
            sources.forEach(Source::subscribe);
            drain();
        });
    }

    /** The name of {@code queue}'s channel (in logs and health checks). */
    public static String channelName(String queue) {
        return "tasks:" + queue;
    }

    /** The tasks of every queue; one subscriber. */
    public Multi<Message<String>> tasks() {
        return tasks;
    }

    /** The queue a task delivered by {@link #tasks()} came from. */
    public String queueOf(IncomingRedisStreamMetadata entry) {
        return queueOfStream.get(entry.stream());
    }

    /** The queues read, in order. */
    public List<String> queues() {
        return sources.stream().map(Source::queue).toList();
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
                if (sources.stream().allMatch(Source::finished)) {
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

    /** The next waiting task, taking the queues in turn. */
    private Message<String> poll() {
        int n = sources.size();
        for (int i = 0; i < n; i++) {
            Source source = sources.get((nextSource + i) % n);
            Message<String> task = source.waiting.poll();
            if (task != null) {
                nextSource = (nextSource + i + 1) % n;
                return task;
            }
        }
        return null;
    }

    /** Asks each channel for what brings its waiting and requested tasks up to the free slots (one at least). */
    private void topUp(long free) {
        long target = sources.size() == 1 ? free : Math.max(1, free);
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

    /** One queue's channel, as the drain loop sees it. */
    private final class Source implements MultiSubscriber<Message<String>> {

        private final String queue;
        private final IncomingRedisStreamsChannel channel;
        /** Delivered by the channel, not yet emitted. */
        private final Queue<Message<String>> waiting = new ConcurrentLinkedQueue<>();
        /** Asked of the channel and not yet delivered. */
        private final AtomicLong requested = new AtomicLong();
        private volatile Flow.Subscription subscription;
        private volatile boolean done;

        Source(String queue, IncomingRedisStreamsChannel channel) {
            this.queue = queue;
            this.channel = channel;
        }

        String queue() {
            return queue;
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
            LOG.errorf(failure, "The channel of queue %s stopped; the worker no longer reads it", queue);
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
