package io.runstream.worker;

import io.runstream.local.ConfigTable;
import io.runstream.worker.demo.DemoConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration table holds every setting of the worker, with its default, and no other. */
class ConfigTableTest {

    private static final Path README = Path.of("../README.md");

    @Test
    void theWorkersSettingsAreInTheReadmeWithTheirDefaults() throws Exception {
        assertThat(ConfigTable.readme(README, "RUNSTREAM_WORKER_")).isEqualTo(ConfigTable.settings(WorkerConfig.class));
        assertThat(ConfigTable.readme(README, "RUNSTREAM_DEMO_")).isEqualTo(ConfigTable.settings(DemoConfig.class));
    }
}
