package io.runstream.api.sse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EntryIdTest {

    @Test
    void ordersByMillisecondsThenSequenceAsUnsignedNumbers() {
        assertThat(EntryId.parse("1795394101494-10")).isGreaterThan(EntryId.parse("1795394101494-9"));
        assertThat(EntryId.parse("1795394101495-0")).isGreaterThan(EntryId.parse("1795394101494-99"));
        assertThat(EntryId.parse("18446744073709551615-0")).isGreaterThan(EntryId.parse("9223372036854775807-0"));
        assertThat(EntryId.parse("1-0").isAfter(EntryId.START)).isTrue();
        assertThat(EntryId.START.isAfter(EntryId.START)).isFalse();
    }

    @Test
    void aBareMillisecondPartMeansSequenceZeroAndPrintsBackInFull() {
        assertThat(EntryId.parse("1795394101494")).isEqualTo(new EntryId(1795394101494L, 0));
        assertThat(EntryId.parse("18446744073709551615-3")).hasToString("18446744073709551615-3");
        assertThat(EntryId.parse("0-0").isStart()).isTrue();
    }

    @Test
    void rejectsWhatIsNotAnEntryId() {
        for (String bad : new String[] {"", "-", "abc", "12-", "-12", "+12-0", "1-2-3", "18446744073709551616-0",
                "1795394101494-0 "}) {
            assertThatThrownBy(() -> EntryId.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
