package io.runstream.api.queue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runstream.queue.QueueStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

/**
 * The gauges' life: the registry outlives the app (several apps in one JVM share the global one), so a refresh
 * that lands after the app stopped must not leave gauges behind for the next app's registration to find.
 */
class QueueGaugesTest {

    private static final QueueStats STATS = new QueueStats("default", 3, 1, 2L, 1, 5, 0, 0, 1, Map.of("2", 2L), 0);

    @Test
    void aRefreshThatLandsAfterStopRegistersNothing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueueGauges gauges = new QueueGauges(null, registry);
        gauges.publish(STATS);
        assertThat(registry.find("runstream.queue.pending").gauge()).isNotNull();

        gauges.stop(null);
        assertThat(registry.find("runstream.queue.pending").gauge()).isNull();
        gauges.publish(STATS);
        assertThat(registry.getMeters()).isEmpty();
    }

    /** A short-lived app: its first refresh is still in flight when it stops. */
    @Test
    void theFirstRefreshLandingAfterStopRegistersNothing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QueueGauges gauges = new QueueGauges(null, registry);
        gauges.stop(null);
        gauges.publish(STATS);
        assertThat(registry.getMeters()).isEmpty();
    }
}
