package io.runstream.api;

import io.runstream.config.RunstreamConfig;
import io.runstream.local.ConfigTable;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration table holds every setting of the api and of both apps, with its default, and no other. */
class ConfigTableTest {

    private static final Path README = Path.of("../README.md");

    @Test
    void theApisSettingsAreInTheReadmeWithTheirDefaults() throws Exception {
        assertThat(ConfigTable.readme(README, "RUNSTREAM_API_")).isEqualTo(ConfigTable.settings(ApiConfig.class));
    }

    @Test
    void theAuthSettingsAreInTheReadmeWithTheirDefaults() throws Exception {
        assertThat(ConfigTable.readme(README, "RUNSTREAM_AUTH_"))
                .isEqualTo(ConfigTable.settings(io.runstream.api.auth.AuthConfig.class));
    }

    @Test
    void theLimitsAreInTheReadmeWithTheirDefaults() throws Exception {
        assertThat(ConfigTable.readme(README, "RUNSTREAM_LIMITS_"))
                .isEqualTo(ConfigTable.settings(io.runstream.api.limit.LimitsConfig.class));
    }

    @Test
    void theSettingsBothAppsReadAreInTheReadmeWithTheirDefaults() throws Exception {
        Map<String, String> rows = new TreeMap<>(ConfigTable.readme(README, "RUNSTREAM_KEY_PREFIX"));
        rows.putAll(ConfigTable.readme(README, "RUNSTREAM_EVENTS_"));
        rows.putAll(ConfigTable.readme(README, "RUNSTREAM_FEED_"));
        rows.putAll(ConfigTable.readme(README, "RUNSTREAM_TRACING_"));
        rows.putAll(ConfigTable.readme(README, "RUNSTREAM_WORKERS_"));
        assertThat(rows).isEqualTo(ConfigTable.settings(RunstreamConfig.class));
    }
}
