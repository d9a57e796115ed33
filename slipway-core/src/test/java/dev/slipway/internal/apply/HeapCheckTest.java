package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A document too large for the JVM's memory even alone is refused before anything changes; batches of documents
 * too large for {@code --batch-size} of them to fit are cut by bytes instead of refused.
 */
class HeapCheckTest {
    private static final long MIB = 1 << 20;

    @Test
    void aDocumentThatFitsAlonePasses() {
        assertThatCode(() -> RewriteMeasurement.checkHeap(8 * MIB, "doc:1", StorageType.HASH, 4 * 8 * MIB
                + RewriteMeasurement.HEAP_RESERVE)).doesNotThrowAnyException();
        assertThatCode(() -> RewriteMeasurement.checkHeap(3000, "doc:1", StorageType.JSON, 64 * MIB))
                .doesNotThrowAnyException();
    }

    @Test
    void aDocumentTooLargeForAnyBatchAsksForMoreMemory() {
        SlipwayException e = catchThrowableOfType(() -> RewriteMeasurement.checkHeap(20 * MIB, "doc:7",
                StorageType.HASH, 64 * MIB), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(e.getMessage()).contains("The largest document to rewrite (doc:7, 20.0 MiB", "needs about 112.0 "
                + "MiB", "this JVM may use 64.0 MiB", "nothing was changed", "Give the JVM more memory");
        SlipwayException json = catchThrowableOfType(() -> RewriteMeasurement.checkHeap(6 * MIB, "doc:7",
                StorageType.JSON, 64 * MIB), SlipwayException.class); // JSON values take more: x 6
        assertThat(json.getMessage()).contains("needs about 68.0 MiB");
    }

    @Test
    void batchesAreCutByBytesOnlyWhenTheLargestDocumentsWouldNotFit() {
        // 3 KB vectors, 500 per batch, 1 GiB: nothing is measured while rewriting
        assertThat(RewriteMeasurement.batchBytes(3072, StorageType.HASH, 500, 1024 * MIB)).isZero();
        // 1 MiB documents, 20 per batch, 64 MiB: (64 - 32) / 4 = 8 MiB of values per batch
        assertThat(RewriteMeasurement.batchBytes(MIB, StorageType.HASH, 20, 64 * MIB)).isEqualTo(8 * MIB);
        assertThat(RewriteMeasurement.batchBytes(MIB, StorageType.JSON, 20, 64 * MIB)).isEqualTo(32 * MIB / 6);
        assertThat(RewriteMeasurement.batchBytes(MIB, StorageType.HASH, 8, 64 * MIB)).isZero();
    }
}
