package io.runstream.api.schedule;

import io.runstream.api.schedule.CronTicks.Tick;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ticks of cron expressions, across the DST changes of Europe/Berlin in 2026 (29 March, 25 October). */
class CronTicksTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void fiveFieldsTickOnTheMinuteSixFieldsOnTheSecond() {
        assertThat(ticks("*/15 * * * *", ZoneId.of("UTC"), "2026-12-05T10:07:30Z", 3))
                .containsExactly("2026-12-05T10:15:00Z", "2026-12-05T10:30:00Z", "2026-12-05T10:45:00Z");
        assertThat(ticks("*/20 * * * * *", ZoneId.of("UTC"), "2026-12-05T10:07:30Z", 3))
                .containsExactly("2026-12-05T10:07:40Z", "2026-12-05T10:08:00Z", "2026-12-05T10:08:20Z");
    }

    @Test
    void ticksAreWholeSecondsFromAnyInstant() {
        assertThat(ticks("* * * * * *", ZoneId.of("UTC"), "2026-12-05T10:07:30.250Z", 2))
                .containsExactly("2026-12-05T10:07:31Z", "2026-12-05T10:07:32Z");
        assertThat(ticks("* * * * * *", BERLIN, "2026-12-05T10:07:30.250Z", 1)).containsExactly("2026-12-05T10:07:31Z");
    }

    @Test
    void firstAfterIsStrictlyAfter() {
        assertThat(ticks("0 * * * *", ZoneId.of("UTC"), "2026-12-05T10:00:00Z", 1))
                .containsExactly("2026-12-05T11:00:00Z");
    }

    @Test
    void theWallClockOfTheZoneDecides() {
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer
        assertThat(ticks("0 9 * * *", BERLIN, "2026-03-27T12:00:00Z", 3))
                .containsExactly("2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z");
    }

    @Test
    void aDailyTickInTheSkippedHourFiresOnceWhenTheClocksJump() {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 does not exist that day
        assertThat(ticks("30 2 * * *", BERLIN, "2026-03-27T12:00:00Z", 3))
                .containsExactly("2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    }

    @Test
    void theTicksOfASkippedHourAreOneTickMergedWithTheJumpsOwn() {
        // every 20 minutes in hours 2 and 3: 02:00..02:40 do not exist and merge into 03:00 CEST
        assertThat(ticks("*/20 2,3 * * *", BERLIN, "2026-03-29T00:00:00Z", 4)).containsExactly(
                "2026-03-29T01:00:00Z", "2026-03-29T01:20:00Z", "2026-03-29T01:40:00Z", "2026-03-30T00:00:00Z");
    }

    @Test
    void aDailyTickInTheRepeatedHourFiresOnceAtItsFirstOccurrence() {
        // 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens at 00:30 and 01:30 UTC
        assertThat(ticks("30 2 * * *", BERLIN, "2026-10-24T12:00:00Z", 3))
                .containsExactly("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z");
    }

    @Test
    void ticksOfAFixedHourDoNotTickAgainInTheRepeatedHour() {
        assertThat(ticks("0,30 2,3 * * *", BERLIN, "2026-10-24T23:45:00Z", 4)).containsExactly(
                "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", // 02:00, 02:30 CEST
                // 02:00 and 02:30 CET (01:00, 01:30 UTC) are wall-clock times already past
                "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z"); // 03:00, 03:30 CET
    }

    @Test
    void startingInsideTheRepeatedHourPassesOverTheSecondOccurrenceOfAFixedHour() {
        // 01:10 UTC is 02:10 CET, the second pass: 02:20 CET is a wall-clock time that fired at 00:20 UTC
        assertThat(ticks("*/20 2,3 * * *", BERLIN, "2026-10-25T01:10:00Z", 2))
                .containsExactly("2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z");
    }

    @Test
    void anEveryHourExpressionKeepsItsIntervalThroughTheRepeatedHour() {
        assertThat(ticks("*/20 * * * *", BERLIN, "2026-10-24T23:50:00Z", 8)).containsExactly(
                "2026-10-25T00:00:00Z", "2026-10-25T00:20:00Z", "2026-10-25T00:40:00Z", // 02:00..02:40 CEST
                "2026-10-25T01:00:00Z", "2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z", // 02:00..02:40 CET
                "2026-10-25T02:00:00Z", "2026-10-25T02:20:00Z"); // 03:00, 03:20 CET
        assertThat(ticks("*/20 * * * *", BERLIN, "2026-10-25T01:10:00Z", 2)) // from inside the second pass
                .containsExactly("2026-10-25T01:20:00Z", "2026-10-25T01:40:00Z");
    }

    @Test
    void anEveryHourExpressionKeepsItsIntervalThroughTheSkippedHour() {
        // 01:40 CET, then the clocks jump from 02:00 CET to 03:00 CEST (01:00 UTC)
        assertThat(ticks("*/20 * * * *", BERLIN, "2026-03-29T00:30:00Z", 4)).containsExactly(
                "2026-03-29T00:40:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:20:00Z", "2026-03-29T01:40:00Z");
        assertThat(ticks("*/5 * * * * *", BERLIN, "2026-03-29T00:59:50Z", 3))
                .containsExactly("2026-03-29T00:59:55Z", "2026-03-29T01:00:00Z", "2026-03-29T01:00:05Z");
    }

    @Test
    void badExpressionsAreNamed() {
        assertThatThrownBy(() -> CronTicks.parse("* * *")).hasMessageContaining("5 fields")
                .hasMessageContaining("has 3");
        assertThatThrownBy(() -> CronTicks.parse("61 * * * *")).hasMessageContaining("not a valid cron expression");
        assertThatThrownBy(() -> CronTicks.parse("")).hasMessageContaining("has 0");
    }

    @Test
    void anExpressionThatNeverMatchesHasNoTicks() {
        assertThat(CronTicks.of("0 0 30 2 *", ZoneId.of("UTC")).firstAfter(Instant.parse("2026-01-01T00:00:00Z")))
                .isEmpty();
    }

    private static List<String> ticks(String cron, ZoneId zone, String from, int count) {
        CronTicks ticks = CronTicks.of(cron, zone);
        List<String> found = new ArrayList<>();
        Tick tick = ticks.firstAfter(Instant.parse(from)).orElseThrow();
        for (int i = 0; i < count; i++) {
            found.add(tick.at().toString());
            if (i + 1 < count) {
                tick = ticks.next(tick).orElseThrow();
            }
        }
        return found;
    }
}
