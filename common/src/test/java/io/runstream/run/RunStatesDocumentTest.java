package io.runstream.run;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docs/run-states.md} lists exactly the transitions {@link RunTransition} allows, from and to where they go. */
class RunStatesDocumentTest {

    @Test
    void theDocumentedTransitionsAreTheAllowedOnes() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "run-states.md"));
        String table = doc.substring(doc.indexOf("<!-- transitions"), doc.indexOf("<!-- /transitions -->"));
        List<String> documented = table.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| transition")
                && !l.startsWith("| ---")).map(RunStatesDocumentTest::normalise).toList();

        List<String> allowed = Arrays.stream(RunTransition.values()).map(t -> String.join(" | ", t.name(),
                t.from().isEmpty() ? "—" : t.from().stream().map(RunStatus::wire).sorted().collect(Collectors.joining(", ")),
                t.to().map(RunStatus::wire).orElse("— (removed)"), t.by())).toList();
        assertThat(documented).containsExactlyElementsOf(allowed);
    }

    private static String normalise(String row) {
        return Arrays.stream(row.substring(1, row.lastIndexOf('|')).split("\\|")).map(String::strip)
                .collect(Collectors.joining(" | "));
    }

    @Test
    void everyGuardNamesTheStatusesItAppliesFrom() {
        assertThat(RunTransition.POISON.guard()).isEqualTo("status IN ('queued', 'running')");
        assertThat(RunTransition.COMPLETE.guard()).isEqualTo("status IN ('running')");
    }
}
