package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How the keys of gathered SCAN pages are cut into batches of about the batch size. */
class BatchCountTest {

    private static List<byte[]> keys(int count) {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(("doc:" + i).getBytes());
        }
        return keys;
    }

    private static List<Integer> sizes(List<List<byte[]>> parts) {
        return parts.stream().map(List::size).toList();
    }

    @Test
    void keysThatFitOrAreAFewOverStayOneBatch() {
        assertThat(sizes(BatchReader.byCount(keys(0), 500))).containsExactly(0);
        assertThat(sizes(BatchReader.byCount(keys(499), 500))).containsExactly(499);
        assertThat(sizes(BatchReader.byCount(keys(518), 500))).containsExactly(518);
        assertThat(sizes(BatchReader.byCount(keys(625), 500))).containsExactly(625);
    }

    @Test
    void moreKeysAreCutIntoFullBatchesAndTheRest() {
        assertThat(sizes(BatchReader.byCount(keys(626), 500))).containsExactly(500, 126);
        assertThat(sizes(BatchReader.byCount(keys(1001), 500))).containsExactly(500, 500, 1);
        assertThat(sizes(BatchReader.byCount(keys(7), 2))).containsExactly(2, 2, 2, 1);
    }

    /** Under a rate limit: a group of more keys than the batch size is cut, however few more. */
    @Test
    void aPageOverTheRateIsCutToIt() {
        assertThat(sizes(BatchReader.atMost(keys(500), 500))).containsExactly(500);
        assertThat(sizes(BatchReader.atMost(keys(501), 500))).containsExactly(500, 1);
        assertThat(sizes(BatchReader.atMost(keys(1200), 500))).containsExactly(500, 500, 200);
    }

    /** Under a rate limit SCAN asks for a little less than a batch, as it often returns a few keys more. */
    @Test
    void aPacedReaderAsksForATwentiethLess() {
        assertThat(BatchReader.headroom(500)).isEqualTo(475);
        assertThat(BatchReader.headroom(250)).isEqualTo(238);
        assertThat(BatchReader.headroom(50)).isEqualTo(48);
        assertThat(BatchReader.headroom(10)).isEqualTo(9);
        assertThat(BatchReader.headroom(2)).isEqualTo(1);
        assertThat(BatchReader.headroom(1)).isEqualTo(1);
    }

    @Test
    void everyKeyIsInOneBatchInOrder() {
        List<byte[]> all = keys(1234);
        List<byte[]> joined = BatchReader.byCount(all, 100).stream().flatMap(List::stream).toList();
        assertThat(joined).containsExactlyElementsOf(all);
    }
}
