package io.runstream.worker.handler.testing;

import io.runstream.worker.demo.Echo;
import io.runstream.worker.demo.Fail;
import io.runstream.worker.demo.Generate;
import io.runstream.worker.demo.Sleep;
import io.runstream.worker.handler.Ending;
import io.runstream.worker.handler.GiveUpException;
import io.runstream.worker.handler.RunHandler;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The handler test kit on the demo pipelines and on handlers written here: what a pipeline author would check. */
class TestRunTest {

    @Test
    void outputsAndResultOfACompletedRun() {
        TestRun.Result run = TestRun.of(new Generate()).input("{\"chunks\":3,\"delayMs\":0}").run();
        assertThat(run.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(run.outputs()).containsExactly("token-0 ", "token-1 ", "token-2 ");
        assertThat(run.result().asText()).isEqualTo("token-0 token-1 token-2 ");
        assertThat(run.failure()).isNull();
    }

    @Test
    void aReactiveHandlersResultIsItsJson() {
        TestRun.Result run = TestRun.of(new Echo()).input("{\"a\":[1,2]}").run();
        assertThat(run.ending()).isEqualTo(Ending.COMPLETED);
        assertThat(run.result().toString()).isEqualTo("{\"a\":[1,2]}");
    }

    @Test
    void progressEventsInOrder() {
        RunHandler steps = run -> {
            run.progress(0, "start");
            run.progress(50, null);
            run.progress(100, "done");
            return null;
        };
        assertThat(TestRun.of(steps).run().progress()).extracting(TestRun.Event::percent).containsExactly(0, 50, 100);
        RunHandler wrong = run -> {
            run.progress(101, "too far");
            return null;
        };
        TestRun.Result refused = TestRun.of(wrong).run();
        assertThat(refused.ending()).as("the worker refuses it too").isEqualTo(Ending.FAILED);
        assertThat(refused.failure()).hasMessageContaining("percent");
    }

    @Test
    void aHandlerThatHonoursCancelStopsAndEndsCancelled() {
        TestRun.Result run = TestRun.of(new Generate()).input("{\"chunks\":1000,\"delayMs\":1}").cancelAfterEvents(2)
                .timeout(Duration.ofSeconds(10)).run();
        assertThat(run.ending()).isEqualTo(Ending.CANCELLED);
        assertThat(run.outputs()).hasSize(2);
        assertThat(TestRun.of(new Sleep()).input("{\"ms\":60000}").cancelAfterEvents(0).run().ending())
                .isEqualTo(Ending.CANCELLED);
    }

    @Test
    void givingUpAndFailingAreTold() {
        TestRun.Result failed = TestRun.of(new Fail()).input("{\"message\":\"boom\"}").run();
        assertThat(failed.ending()).as("retried by the worker").isEqualTo(Ending.FAILED);
        assertThat(failed.failure()).hasMessage("boom");

        assertThat(TestRun.of(new Fail()).input("{\"times\":1}").attempt(2).run().ending()).as("second attempt")
                .isEqualTo(Ending.COMPLETED);

        TestRun.Result gaveUp = TestRun.of(new Sleep()).input("{\"ms\":-1}").run();
        assertThat(gaveUp.ending()).isEqualTo(Ending.GAVE_UP);
        assertThat(gaveUp.failure()).isInstanceOf(GiveUpException.class).hasMessageContaining("input.ms");
    }

    @Test
    void aHandlerThatNeverEndsFailsTheTest() {
        RunHandler stuck = run -> {
            Thread.sleep(60_000);
            return null;
        };
        assertThatThrownBy(() -> TestRun.of(stuck).timeout(Duration.ofMillis(200)).run())
                .isInstanceOf(AssertionError.class).hasMessageContaining("did not end");
    }
}
