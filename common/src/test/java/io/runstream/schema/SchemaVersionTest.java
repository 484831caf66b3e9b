package io.runstream.schema;

import io.runstream.local.LocalInfrastructure;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaVersionTest {

    @Test
    void theAppsNeedTheSchemaThatRunstreamMigrateApplies() {
        LocalInfrastructure infra = LocalInfrastructure.shared();
        String database = "rs_schema_" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        infra.ensureDatabase(database);
        try {
            assertThat(infra.migrate(database)).as("the newest migration").isEqualTo(SchemaCheck.VERSION);
            assertThat(infra.migrate(database)).as("a migrated database is left as it is")
                    .isEqualTo(SchemaCheck.VERSION);
        } finally {
            infra.dropDatabase(database);
        }
    }
}
