package io.runstream.api.schedule;

import io.runstream.api.schedule.CronTicks.Tick;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one pass does with a due schedule: the ticks that make runs now, where its cursor goes, and what it passes
 * over. Pure: the ticker reads the schedule, plans, and writes the plan in the same transaction.
 *
 * @param fire    the ticks that make a run now, oldest first
 * @param next    the schedule's next tick, or null when it has none
 * @param pending queue-one: the tick waiting for the running run to end, or null
 * @param skipped ticks passed over because the schedule's run was still going (overlap)
 * @param missed  ticks passed over because they were too old (catch-up); after downtime of more than
 *                {@link #MAX_STEPS} ticks before the window, those beyond are passed over at once and not counted
 * @param more    whether due ticks are left for another pass (a pass handles a bounded number)
 */
public record TickPlan(List<Instant> fire, Tick next, Instant pending, long skipped, long missed, boolean more) {

    /** Most ticks one pass goes through for a schedule. */
    static final int MAX_STEPS = 1_000;
    /** Most runs one pass makes for a schedule. */
    static final int MAX_FIRES = 100;

    /**
     * The state of a schedule as a pass finds it.
     *
     * @param ticks         its ticks
     * @param next          its next tick (its cursor), or null when it has none
     * @param pending       queue-one: a tick waiting, or null
     * @param lastRunActive whether the newest run it made is still queued or running
     * @param overlap       its overlap policy
     * @param catchUp       its catch-up policy
     * @param window        its catch-up window: older ticks never make runs
     */
    public record State(CronTicks ticks, Tick next, Instant pending, boolean lastRunActive, Overlap overlap,
                        CatchUp catchUp, Duration window) {
    }

    /**
     * Plans the pass at {@code now} over {@code state}.
     *
     * @param misfire how late a tick may be handled and still count as on time (catch-up {@code none})
     */
    public static TickPlan of(State state, Instant now, Duration misfire) {
        Instant oldest = now.minus(state.window());
        List<Instant> due = new ArrayList<>();
        long missed = 0;
        Tick cursor = state.next();
        for (int steps = 0; cursor != null && !cursor.at().isAfter(now) && steps < MAX_STEPS
                && due.size() < MAX_FIRES; steps++) {
            if (cursor.at().isBefore(oldest)) {
                missed++;
                if (steps == MAX_STEPS - 1) {
                    // long downtime: the rest of the ticks before the window are passed over at once, uncounted
                    cursor = state.ticks().firstAfter(oldest.minusNanos(1)).orElse(null);
                    steps = 0;
                    continue;
                }
            } else {
                due.add(cursor.at());
            }
            cursor = state.ticks().next(cursor).orElse(null);
        }
        boolean reachedNow = cursor == null || cursor.at().isAfter(now);

        List<Instant> chosen = due;
        if (state.catchUp() != CatchUp.ALL) {
            // only the newest due tick may make a run, and only when no newer one is left for another pass
            Instant newest = due.isEmpty() || !reachedNow ? null : due.getLast();
            if (newest != null && state.catchUp() == CatchUp.NONE && newest.isBefore(now.minus(misfire))) {
                newest = null;
            }
            chosen = newest == null ? List.of() : List.of(newest);
            missed += due.size() - chosen.size();
        }

        List<Instant> fire = new ArrayList<>();
        Instant pending = state.pending();
        boolean active = state.lastRunActive();
        long skipped = 0;
        if (pending != null && !active) {
            fire.add(pending);
            pending = null;
            active = true;
        }
        for (Instant tick : chosen) {
            if (state.overlap() == Overlap.ALLOW || !active) {
                fire.add(tick);
                active = true;
            } else if (state.overlap() == Overlap.QUEUE_ONE && pending == null) {
                pending = tick;
            } else {
                skipped++;
            }
        }
        return new TickPlan(fire, cursor, pending, skipped, missed, !reachedNow);
    }
}
