package io.runstream.bench.queue;

import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.runstream.task.TaskMessage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The queue layer alone, in the peer harness' shape (producer and consumer in one process, no PostgreSQL): task
 * messages go out through the connector's outgoing channel (XADD) and come back through its incoming channel
 * (consumer group, XREADGROUP, XACK) into a no-op consumer at the worker's concurrency. Each entry carries a
 * {@link TaskMessage}, decoded as the worker decodes it. Prints one {@code key=value} line and exits.
 */
@QuarkusMain
public class QueueBench implements QuarkusApplication {

    private static final long DEADLINE_MINUTES = 10;

    @Inject
    @Channel("publish")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    MutinyEmitter<String> out;

    /** Raw on purpose: SmallRye puts a one-at-a-time payload conversion on a typed channel (see TaskConsumer). */
    @Inject
    @Channel("tasks")
    @SuppressWarnings("rawtypes")
    Multi<Message> in;

    @Inject
    Redis redis;

    @Inject
    BenchConfig config;

    private int runs;
    private int warmup;

    /** Nano times per task (warm-up first, then the measured ones), indexed by the task's sequence number. */
    private long[] enqueued;
    private long[] started;
    private long[] done;
    private volatile CountDownLatch remaining;

    @Override
    public int run(String... args) throws Exception {
        runs = config.runs();
        warmup = config.warmup();
        int total = warmup + runs;
        enqueued = new long[total];
        started = new long[total];
        done = new long[total];
        Cancellable consumer = in.onItem().transformToUni(this::consume).merge(config.concurrency())
                .subscribe().with(x -> { }, failure -> failure.printStackTrace());
        try {
            Map<String, Object> result = switch (config.scenario()) {
                case "noop-throughput" -> noopThroughput();
                case "single-add-latency" -> singleAddLatency();
                default -> throw new IllegalArgumentException("unknown scenario " + config.scenario());
            };
            System.out.println("system=runstream path=queue scenario=" + config.scenario() + " "
                    + result.entrySet().stream().map(e -> e.getKey() + "=" + format(e.getValue()))
                    .collect(Collectors.joining(" ")));
            return 0;
        } finally {
            consumer.cancel();
            redis.send(Request.cmd(Command.DEL).arg(config.stream())).await().atMost(Duration.ofSeconds(10));
        }
    }

    private Uni<Void> consume(Message<?> message) {
        long now = System.nanoTime();
        int seq = (int) TaskMessage.decode((String) message.getPayload()).runId().getMostSignificantBits();
        started[seq] = now;
        return Uni.createFrom().completionStage(message::ack).invoke(() -> {
            done[seq] = System.nanoTime();
            remaining.countDown();
        });
    }

    /** Sends tasks {@code from} to {@code to} (exclusive) and waits until Redis has every one. */
    private void sendAll(int from, int to) {
        List<Uni<Void>> sends = new ArrayList<>(to - from);
        for (int seq = from; seq < to; seq++) {
            String payload = new TaskMessage(new UUID(seq, 0), "noop").encode();
            enqueued[seq] = System.nanoTime();
            sends.add(out.send(payload));
        }
        Uni.join().all(sends).andFailFast().await().atMost(Duration.ofMinutes(DEADLINE_MINUTES));
    }

    private void awaitConsumed() throws InterruptedException {
        if (!remaining.await(DEADLINE_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException(remaining.getCount() + " tasks not consumed in time");
        }
    }

    /** {@code runs} tasks sent in batches of {@code batch} (each awaited), consumed at {@code concurrency}. */
    private Map<String, Object> noopThroughput() throws InterruptedException {
        remaining = new CountDownLatch(warmup);
        int batch = config.batch();
        for (int from = 0; from < warmup; from += batch) {
            sendAll(from, Math.min(warmup, from + batch));
        }
        awaitConsumed();
        remaining = new CountDownLatch(runs);
        long first = System.nanoTime();
        for (int from = warmup; from < warmup + runs; from += batch) {
            sendAll(from, Math.min(warmup + runs, from + batch));
        }
        long enqueuedAll = System.nanoTime();
        awaitConsumed();
        long last = Arrays.stream(done, warmup, warmup + runs).max().orElseThrow();
        double[] e2e = millis(done, enqueued);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("runs", runs);
        r.put("concurrency", config.concurrency());
        r.put("runs_per_s", runs / ((last - first) / 1e9));
        r.put("enqueue_per_s", runs / ((enqueuedAll - first) / 1e9));
        r.put("e2e_p50_ms", percentile(e2e, 0.5));
        r.put("e2e_p99_ms", percentile(e2e, 0.99));
        return r;
    }

    /** {@code runs} sequential sends, each awaited, consumed one at a time. */
    private Map<String, Object> singleAddLatency() throws InterruptedException {
        if (config.concurrency() != 1) {
            throw new IllegalArgumentException("single-add-latency consumes at concurrency 1, not "
                    + config.concurrency());
        }
        remaining = new CountDownLatch(warmup);
        for (int seq = 0; seq < warmup; seq++) {
            sendAll(seq, seq + 1);
        }
        awaitConsumed();
        remaining = new CountDownLatch(runs);
        double[] add = new double[runs];
        for (int seq = warmup; seq < warmup + runs; seq++) {
            sendAll(seq, seq + 1);
            add[seq - warmup] = (System.nanoTime() - enqueued[seq]) / 1e6;
        }
        awaitConsumed();
        Arrays.sort(add);
        double[] start = millis(started, enqueued);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("runs", runs);
        r.put("add_p50_ms", percentile(add, 0.5));
        r.put("add_p99_ms", percentile(add, 0.99));
        r.put("start_p50_ms", percentile(start, 0.5));
        r.put("start_p99_ms", percentile(start, 0.99));
        return r;
    }

    /** The measured tasks' {@code to - from} times in ms, sorted. */
    private double[] millis(long[] to, long[] from) {
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            ms[i] = (to[warmup + i] - from[warmup + i]) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
    }

    private static String format(Object value) {
        return value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(value);
    }
}
