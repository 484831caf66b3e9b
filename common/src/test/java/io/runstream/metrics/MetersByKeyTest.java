package io.runstream.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class MetersByKeyTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicInteger registered = new AtomicInteger();
    private final MetersByKey<TagValues, Counter> counters = new MetersByKey<>(key -> {
        registered.incrementAndGet();
        return Counter.builder("runs." + key.first()).tag("pipeline", key.second()).register(registry);
    });

    @Test
    void aKeyIsRegisteredOnceAndCountsOnItsOwnMeter() {
        counters.of(new TagValues("completed", "echo")).increment();
        counters.of(new TagValues("completed", "echo")).increment();
        counters.of(new TagValues("failed", "echo")).increment();
        counters.of(new TagValues("completed", "sleep")).increment();

        assertThat(registered).hasValue(3);
        assertThat(registry.get("runs.completed").tag("pipeline", "echo").counter().count()).isEqualTo(2);
        assertThat(registry.get("runs.failed").tag("pipeline", "echo").counter().count()).isEqualTo(1);
        assertThat(registry.get("runs.completed").tag("pipeline", "sleep").counter().count()).isEqualTo(1);
    }

    @Test
    void callersRacingOnANewKeyAllCountOnTheSameMeter() throws Exception {
        int threads = 8;
        Thread[] racing = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            racing[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 1_000; i++) {
                    counters.of(new TagValues("completed", "p" + (i % 10))).increment();
                }
            });
        }
        for (Thread t : racing) {
            t.join(10_000);
        }

        for (int p = 0; p < 10; p++) {
            assertThat(registry.get("runs.completed").tag("pipeline", "p" + p).counter().count())
                    .isEqualTo(threads * 100.0);
        }
    }

    @Test
    void tagValuesAreEqualByTheirValuesInOrder() {
        assertThat(new TagValues("a", "b")).isEqualTo(new TagValues("a", "b"))
                .hasSameHashCodeAs(new TagValues("a", "b"))
                .isNotEqualTo(new TagValues("b", "a"))
                .isNotEqualTo(new TagValues("a", "c"));
    }
}
