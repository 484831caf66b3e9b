package io.runstream.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark's scenarios in smoke mode (tiny counts), so the load driver cannot rot unnoticed. */
class BenchSmokeTest {

    private final Bench bench = new Bench(true, new PrintStream(new ByteArrayOutputStream()));

    @Test
    void throughputAndLatencyRunThroughTheQueueLayerAndTheFullPath() throws Exception {
        List<String> noop = bench.run("noop-throughput");
        assertThat(noop).hasSize(3);
        assertThat(noop.get(0)).contains("path=queue", "scenario=noop-throughput", "runs=500")
                .containsPattern("runs_per_s=\\d+\\.\\d+");
        assertThat(noop.get(1)).contains("path=http", "submit=bulk50", "completed=200", "not_completed=0")
                .containsPattern("runs_per_s=\\d+\\.\\d+").containsPattern("cpu_ms_per_run_worker=\\d+\\.\\d+");
        assertThat(noop.get(2)).contains("path=http", "submit=single64", "completed=200", "not_completed=0")
                .containsPattern("runs_per_s=\\d+\\.\\d+");

        List<String> single = bench.run("single-add-latency");
        assertThat(single.get(0)).contains("path=queue", "runs=50").containsPattern("start_p50_ms=\\d+\\.\\d+");
        assertThat(single.get(1)).contains("path=http", "not_completed=0").containsPattern("start_p50_ms=\\d+\\.\\d+");
    }

    @Test
    void streamedOutputAndFanOutDeliverEveryEvent() throws Exception {
        assertThat(bench.run("streamed-output").getFirst()).contains("received=200", "lost=0", "dup=0",
                "clients_ended_ok=20");
        assertThat(bench.run("fanout").getFirst()).contains("clients_complete=20", "lost=0");
    }

    @Test
    void aKilledWorkersRunsAllCompleteOnceAndStartUpIsMeasured() throws Exception {
        assertThat(bench.run("crash-recovery-fast").getFirst()).contains("completed_never=0", "completed_twice=0")
                .containsPattern("recovery_s=\\d+\\.\\d+");
        assertThat(bench.run("startup").getFirst()).containsPattern("worker_ready_s=\\d+\\.\\d+")
                .containsPattern("api_idle_rss_mib=\\d+");
    }

    @Test
    void theRunsViewIsAskedItsQuestionsOverManyRuns() throws Exception {
        assertThat(bench.run("runs-view").getFirst()).contains("runs=20000")
                .containsPattern("first_page_p99_ms=\\d+\\.\\d+").containsPattern("rare_pair_p50_ms=\\d+\\.\\d+");
    }

    @Test
    void aPriorityOneRunTakesTheNextFreeSlotAheadOfABacklog() throws Exception {
        String line = bench.run("priority-jump").getFirst();
        assertThat(line).contains("urgent=5").containsPattern("jump_start_p99_ms=\\d+\\.\\d+");
        // a smoke run proves the scenario, not the timing (a loaded machine delays a submit past a few free slots):
        // were priorities ignored, an urgent run would wait behind the whole backlog of 200, ~180 runs
        assertThat(number(line, "overtaken_max")).as(line).isLessThan(20);
    }

    @Test
    void delayedRunsStartAfterTheirTimeNeverBefore() throws Exception {
        String line = bench.run("delayed-start").getFirst();
        assertThat(line).contains("runs=20", "started_early=0").containsPattern("start_error_p99_ms=\\d+\\.\\d+");
    }

    @Test
    void everyTickOfASchedulesMakesOneRunOnTwoApiReplicas() throws Exception {
        String line = bench.run("schedule-tick").getFirst();
        assertThat(line).contains("schedules=2", "schedules_with_gaps=0", "made_early=0")
                .containsPattern("tick_to_start_p99_ms=\\d+\\.\\d+");
        assertThat(number(line, "runs")).as(line).isEqualTo(number(line, "distinct_ticks")).isGreaterThanOrEqualTo(8);
    }

    @Test
    void theFuzzRunCountsEveryAnswerAndChecksTheApiAfter() throws Exception {
        assertThat(bench.run("fuzz").getFirst()).contains("requests=2000", "hangs=0", "outside_4xx=0",
                "recorded_nothing=true", "ready_after=true", "served_after=true");
    }

    @Test
    void moreWorkersDrainABacklogFaster() throws Exception {
        String line = bench.run("scaling").getFirst();
        assertThat(line).contains("lag_after=0").containsPattern("three_workers_runs_per_s=\\d+\\.\\d+");
        // three workers instead of one: ideally 3×; on two shared cores well over 1.5× all the same
        assertThat(number(line, "speedup")).as(line).isGreaterThan(1.5);
    }

    /** The number in field {@code name} of a result line. */
    private static double number(String line, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+(\\.\\d+)?)").matcher(line);
        assertThat(m.find()).as("%s in %s", name, line).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
