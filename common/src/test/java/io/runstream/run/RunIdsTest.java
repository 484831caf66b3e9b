package io.runstream.run;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RunIdsTest {

    @Test
    void idsAreVersion7WithTheirCreationTimeInTheFirst48Bits() {
        long now = 1_795_395_478_636L;
        UUID id = RunIds.at(now);
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2); // RFC 9562
        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(now);
    }

    @Test
    void laterIdsSortAfterEarlierOnesAsStringsAndAsUuidsOfTheSameSign() {
        UUID earlier = RunIds.at(1_795_395_478_636L);
        UUID later = RunIds.at(1_795_395_478_637L);
        // PostgreSQL compares uuids as unsigned bytes, as the canonical strings sort
        assertThat(later.toString()).isGreaterThan(earlier.toString());
    }

    @Test
    void idsOfTheSameMillisecondDiffer() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(RunIds.at(1_795_395_478_636L));
        }
        assertThat(ids).hasSize(10_000);
    }
}
