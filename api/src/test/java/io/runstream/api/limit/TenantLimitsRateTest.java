package io.runstream.api.limit;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The request rate as a bucket: a burst at once, then one per interval, and the wait it tells is the real one. */
class TenantLimitsRateTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aBurstFitsAtOnceThenOnePerInterval() {
        TenantLimits.Rate rate = new TenantLimits.Rate(SECOND / 10, 3); // 10 a second, 3 at once
        long now = 1_000 * SECOND;
        assertThat(rate.take(now)).isZero();
        assertThat(rate.take(now)).isZero();
        assertThat(rate.take(now)).isZero();
        assertThat(rate.take(now)).as("the 4th at once waits one interval").isEqualTo(SECOND / 10);
        assertThat(rate.take(now + SECOND / 20)).as("half an interval later: half of one left").isEqualTo(SECOND / 20);
        assertThat(rate.take(now + SECOND / 10)).isZero();
        assertThat(rate.take(now + SECOND / 10)).isEqualTo(SECOND / 10);
    }

    @Test
    void anIdleTenantGetsItsWholeBurstBackButNoMore() {
        TenantLimits.Rate rate = new TenantLimits.Rate(SECOND, 2);
        long now = -5 * SECOND; // nanoTime may be negative
        assertThat(rate.take(now)).isZero();
        assertThat(rate.take(now)).isZero();
        assertThat(rate.take(now)).isPositive();
        long later = now + 3_600 * SECOND;
        assertThat(rate.take(later)).isZero();
        assertThat(rate.take(later)).isZero();
        assertThat(rate.take(later)).as("an hour idle saves no more than the burst").isEqualTo(SECOND);
    }
}
