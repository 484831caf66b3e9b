package io.runstream.api.run;

import io.runstream.api.problem.ProblemException;
import io.runstream.run.RunIds;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunCursorTest {

    @Test
    void aCursorGivesBackTheIdItWasMadeOf() {
        UUID id = RunIds.newId();
        String cursor = RunCursor.encode(id);
        assertThat(cursor).hasSize(22).matches("[A-Za-z0-9_-]+"); // 16 bytes, base64url, no padding: URL-safe
        assertThat(RunCursor.decode(cursor)).isEqualTo(id);
    }

    @Test
    void anythingElseIsA400SayingWhatToPass() {
        for (String bad : new String[] {"", "not base64!", "AAAA", RunCursor.encode(RunIds.newId()) + "AA"}) {
            assertThatThrownBy(() -> RunCursor.decode(bad)).as(bad).isInstanceOf(ProblemException.class)
                    .hasMessageContaining("'next'");
        }
    }
}
