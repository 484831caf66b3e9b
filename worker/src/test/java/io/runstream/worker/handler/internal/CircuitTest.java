package io.runstream.worker.handler.internal;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A pipeline's init: once however many runs ask, and the circuit that opens after failures in a row. */
class CircuitTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
    private final Circuit circuit = new Circuit("lookup", 3, Duration.ofSeconds(30), clock);
    private final AtomicInteger inits = new AtomicInteger();

    @Test
    void runsThatArriveTogetherShareOneInitAndLaterOnesDoNotWait() {
        CompletableFuture<Void> loading = new CompletableFuture<>();
        List<UniAssertSubscriber<Void>> waiting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waiting.add(circuit.ready(() -> counted(Uni.createFrom().completionStage(loading)))
                    .subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertThat(inits).hasValue(1);
        waiting.forEach(UniAssertSubscriber::assertNotTerminated);
        loading.complete(null);
        waiting.forEach(UniAssertSubscriber::assertCompleted);
        circuit.ready(() -> counted(Uni.createFrom().voidItem())).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertCompleted();
        assertThat(inits).hasValue(1);
        assertThat(circuit.initialised()).isTrue();
    }

    @Test
    void threeFailuresInARowOpenTheCircuitThenOneTrialAfterTheCoolDownClosesIt() {
        for (int i = 1; i <= 3; i++) {
            failingInit().assertFailedWith(IllegalStateException.class, "no table");
            assertThat(circuit.open().isPresent()).as("open after %d failures", i).isEqualTo(i == 3);
        }
        // open: at once, without an init, naming the cause
        String message = circuit.ready(() -> counted(Uni.createFrom().voidItem())).subscribe()
                .withSubscriber(UniAssertSubscriber.create()).assertFailedWith(Circuit.OpenException.class)
                .getFailure().getMessage();
        assertThat(message).contains("pipeline 'lookup' is unavailable", "failed 3 times in a row", "no table",
                "2026-12-05T12:00:30Z");
        assertThat(inits).hasValue(3);

        clock.advance(Duration.ofSeconds(30));
        CompletableFuture<Void> trial = new CompletableFuture<>();
        var first = circuit.ready(() -> counted(Uni.createFrom().completionStage(trial))).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        var second = circuit.ready(() -> counted(Uni.createFrom().voidItem())).subscribe()
                .withSubscriber(UniAssertSubscriber.create());
        assertThat(inits).as("one trial, which the second run waits for").hasValue(4);
        trial.complete(null);
        first.assertCompleted();
        second.assertCompleted();
        assertThat(circuit.open()).isEmpty();
    }

    @Test
    void aFailedTrialOpensTheCircuitForAnotherCoolDown() {
        for (int i = 0; i < 3; i++) {
            failingInit();
        }
        clock.advance(Duration.ofSeconds(31));
        failingInit().assertFailedWith(IllegalStateException.class, "no table");
        assertThat(circuit.open().orElseThrow().until()).isEqualTo(clock.instant().plusSeconds(30));
        assertThat(circuit.open().orElseThrow().failures()).isEqualTo(4);
    }

    @Test
    void aSuccessAfterFailuresStartsTheCountAgain() {
        failingInit();
        failingInit();
        circuit.ready(() -> counted(Uni.createFrom().voidItem())).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertCompleted();
        assertThat(circuit.open()).isEmpty();
        assertThat(circuit.initialised()).isTrue();
    }

    private UniAssertSubscriber<Void> failingInit() {
        return circuit.ready(() -> counted(Uni.createFrom().failure(new IllegalStateException("no table"))))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    private Uni<Void> counted(Uni<Void> init) {
        return Uni.createFrom().deferred(() -> {
            inits.incrementAndGet();
            return init;
        });
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
