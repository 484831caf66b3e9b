package io.runstream.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark's scenarios in smoke mode (tiny counts), so the load driver cannot rot unnoticed. */
class BenchSmokeTest {

    @Test
    void everyScenarioRunsAndReportsEveryRunCompleted() throws Exception {
        Bench bench = new Bench(true, new PrintStream(new ByteArrayOutputStream()));

        String noop = bench.run("noop-throughput");
        assertThat(noop).contains("scenario=noop-throughput", "completed=200", "not_completed=0").containsPattern(
                "runs_per_s=\\d+\\.\\d+");

        String single = bench.run("single-add-latency");
        assertThat(single).contains("scenario=single-add-latency", "not_completed=0").containsPattern(
                "start_p50_ms=\\d+\\.\\d+");
    }
}
