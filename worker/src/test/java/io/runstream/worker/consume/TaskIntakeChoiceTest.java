package io.runstream.worker.consume;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which waiting task a free slot takes: priority first, aging against starvation, the queues in turn. */
class TaskIntakeChoiceTest {

    private static final long NOW = 1_000_000;
    private static final long AGING = 10_000;
    private static final long NONE = -1;

    @Test
    void theHighestPriorityWaitingGoesFirst() {
        // lanes: p1, p2, p3, p4 of one queue; p4 waited 20 s, p1 just came
        assertThat(TaskIntake.choose(new int[] {1, 2, 3, 4}, new long[] {NOW, NONE, NONE, NOW - 20_000},
                NOW, AGING, 0)).isZero();
        assertThat(TaskIntake.choose(new int[] {1, 2, 3, 4}, new long[] {NONE, NONE, NOW, NOW - 5_000},
                NOW, AGING, 0)).isEqualTo(2);
    }

    @Test
    void aLowerPriorityThatWaitedLongEnoughGoesBeforeAFreshHigherOne() {
        // 30 s: priority 4 - 3 agings = 1, a tie with a fresh priority 1, which keeps the slot
        assertThat(TaskIntake.choose(new int[] {1, 4}, new long[] {NOW, NOW - 30_000}, NOW, AGING, 0)).isZero();
        // 40 s: 4 - 4 = 0, ahead of priority 1
        assertThat(TaskIntake.choose(new int[] {1, 4}, new long[] {NOW, NOW - 40_000}, NOW, AGING, 0)).isOne();
        // no aging: strict priorities, however long it waited
        assertThat(TaskIntake.choose(new int[] {1, 4}, new long[] {NOW, NOW - 400_000}, NOW, 0, 0)).isZero();
    }

    @Test
    void equalLanesOfSeveralQueuesTakeTurns() {
        // lanes: default/p2 and verification/p2, both waiting
        int[] priorities = {2, 2};
        long[] waiting = {NOW - 1_000, NOW};
        assertThat(TaskIntake.choose(priorities, waiting, NOW, AGING, 0)).isZero();
        assertThat(TaskIntake.choose(priorities, waiting, NOW, AGING, 1)).isOne();
    }

    @Test
    void nothingWaitingIsNoChoice() {
        assertThat(TaskIntake.choose(new int[] {1, 2}, new long[] {NONE, NONE}, NOW, AGING, 0)).isEqualTo(-1);
    }
}
