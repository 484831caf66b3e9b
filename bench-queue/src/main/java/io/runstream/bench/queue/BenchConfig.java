package io.runstream.bench.queue;

import io.smallrye.config.ConfigMapping;

/** What the queue-layer benchmark runs (`bench.*`; the driver in bench/ sets them as BENCH_* variables). */
@ConfigMapping(prefix = "bench")
public interface BenchConfig {

    /** noop-throughput or single-add-latency. */
    String scenario();

    /** Measured tasks. */
    int runs();

    /** Tasks sent and consumed before the measured ones. */
    int warmup();

    /** Tasks per awaited send batch (noop-throughput). */
    int batch();

    /** Tasks the consumer processes at once. */
    int concurrency();

    /** The stream, of its own per benchmark run; deleted at the end. */
    String stream();
}
