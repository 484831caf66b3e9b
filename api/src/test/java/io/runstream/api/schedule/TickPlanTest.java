package io.runstream.api.schedule;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;

/** Planning a pass over a due schedule: catch-up, overlap, and long downtime. */
class TickPlanTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00.500Z");
    private static final CronTicks EVERY_SECOND = CronTicks.of("* * * * * *", ZoneId.of("UTC"));

    @Test
    void aMonthOfMissedTicksIsPassedOverInOnePassNotTickByTick() {
        var state = new TickPlan.State(EVERY_SECOND,
                EVERY_SECOND.firstAfter(NOW.minus(Duration.ofDays(30))).orElseThrow(), null, false, Overlap.ALLOW,
                CatchUp.ALL, Duration.ofSeconds(30));
        TickPlan plan = TickPlan.of(state, NOW, Duration.ofSeconds(5));
        assertThat(plan.fire()).hasSize(30).first().isEqualTo(Instant.parse("2026-12-05T11:59:31Z"));
        assertThat(plan.fire().getLast()).isEqualTo(Instant.parse("2026-12-05T12:00:00Z"));
        assertThat(plan.next().at()).isEqualTo(Instant.parse("2026-12-05T12:00:01Z"));
        assertThat(plan.more()).isFalse();
        assertThat(plan.missed()).isEqualTo(TickPlan.MAX_STEPS);
    }

    @Test
    void aPassMakesABoundedNumberOfRunsAndLeavesTheRestForTheNext() {
        var state = new TickPlan.State(EVERY_SECOND,
                EVERY_SECOND.firstAfter(NOW.minus(Duration.ofMinutes(10))).orElseThrow(), null, false, Overlap.ALLOW,
                CatchUp.ALL, Duration.ofHours(1));
        TickPlan plan = TickPlan.of(state, NOW, Duration.ofSeconds(5));
        assertThat(plan.fire()).hasSize(TickPlan.MAX_FIRES);
        assertThat(plan.more()).isTrue();
        assertThat(plan.next().at()).isEqualTo(plan.fire().getLast().plusSeconds(1));
    }

    @Test
    void lastAndNoneWaitForThePassThatReachesNow() {
        var last = new TickPlan.State(EVERY_SECOND,
                EVERY_SECOND.firstAfter(NOW.minus(Duration.ofMinutes(10))).orElseThrow(), null, false, Overlap.ALLOW,
                CatchUp.LAST, Duration.ofHours(1));
        TickPlan plan = TickPlan.of(last, NOW, Duration.ofSeconds(5));
        // 600 ticks due, a pass looks at 100: none of them is the newest
        assertThat(plan.fire()).isEmpty();
        assertThat(plan.missed()).isEqualTo(TickPlan.MAX_FIRES);
        assertThat(plan.more()).isTrue();
    }

    @Test
    void queueOneFiresTheWaitingTickOnceTheRunEnded() {
        Instant waiting = NOW.minusSeconds(3);
        var state = new TickPlan.State(EVERY_SECOND, EVERY_SECOND.firstAfter(NOW.minusSeconds(1)).orElseThrow(),
                waiting, false, Overlap.QUEUE_ONE, CatchUp.ALL, Duration.ofHours(1));
        TickPlan plan = TickPlan.of(state, NOW, Duration.ofSeconds(5));
        assertThat(plan.fire()).containsExactly(waiting); // the new tick waits behind the run just made
        assertThat(plan.pending()).isEqualTo(Instant.parse("2026-12-05T12:00:00Z"));
        assertThat(plan.skipped()).isZero();
    }
}
