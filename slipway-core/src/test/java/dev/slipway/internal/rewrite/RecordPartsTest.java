package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** How a rollback under a rate limit cuts a record into parts it can keep whole within a second. */
class RecordPartsTest {
    private static List<Integer> sizes(int record, int rate) {
        List<Integer> items = IntStream.range(0, record).boxed().toList();
        List<List<Integer>> parts = RestorePasses.evenParts(items, rate);
        assertThat(parts.stream().flatMap(List::stream).toList()).as("every document once, in order")
                .isEqualTo(items);
        return parts.stream().map(List::size).toList();
    }

    @Test
    void withoutALimitOrWhenItFitsARecordIsOnePart() {
        assertThat(sizes(1000, 0)).containsExactly(1000);
        assertThat(sizes(100, 400)).containsExactly(100);
        assertThat(sizes(0, 400)).containsExactly(0);
    }

    @Test
    void aLargerRecordIsCutIntoEqualPartsAWholeFractionOfTheRateAtMost() {
        assertThat(sizes(1000, 200)).containsExactly(200, 200, 200, 200, 200);
        assertThat(sizes(300, 500)).containsExactly(150, 150);
        assertThat(sizes(7, 2)).containsExactly(2, 2, 2, 1);
    }
}
