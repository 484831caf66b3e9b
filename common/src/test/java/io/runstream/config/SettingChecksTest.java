package io.runstream.config;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingChecksTest {

    private static RunstreamConfig config(Map<String, String> values) {
        // Quarkus' converter reads durations as the apps do ("5s")
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(RunstreamConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 100)).build();
        return config.getConfigMapping(RunstreamConfig.class);
    }

    @Test
    void theDefaultsPass() {
        assertThat(config(Map.of()).check(new SettingChecks()).problems()).isEmpty();
    }

    @Test
    void everySettingOutOfRangeIsNamedAtOnce() {
        SettingChecks checks = config(Map.of("runstream.key-prefix", " ", "runstream.events.maxlen", "0",
                "runstream.events.ttl", "500ms", "runstream.workers.liveness", "1s")).check(new SettingChecks());
        assertThat(checks.problems()).containsExactly(
                "runstream.key-prefix must not be blank",
                "runstream.events.maxlen must be at least 1, was 0",
                "runstream.events.ttl must be at least 1000ms, was 500ms");
        assertThatThrownBy(checks::orFail).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("3 setting(s) out of range")
                .hasMessageContaining("runstream.events.maxlen must be at least 1, was 0");
    }

    @Test
    void eachCheckHasItsBoundsInclusive() {
        SettingChecks checks = new SettingChecks().atLeast("a", 1, 1).atLeast("b", Duration.ZERO, Duration.ZERO)
                .within("c", 0, 0, 1).within("d", 1, 0, 1).notBlank("e", "x");
        assertThat(checks.problems()).isEmpty();
        checks.orFail();
        assertThat(new SettingChecks().within("f", Double.NaN, 0, 1).within("g", 1.5, 0, 1).atLeast("h", 0, 1)
                .notBlank("i", null).problems()).hasSize(4);
    }
}
