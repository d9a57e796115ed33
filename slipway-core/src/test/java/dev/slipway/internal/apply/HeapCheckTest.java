package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.RewriteEstimator.Needs;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Batches too large for the JVM's memory are refused before anything changes, with a batch size that fits. */
class HeapCheckTest {
    private static final long MIB = 1 << 20;
    private final Needs megabyteDocuments = new Needs(0, MIB, MIB);

    @Test
    void batchesThatFitPass() {
        assertThatCode(() -> RewriteStepHandler.checkHeap(megabyteDocuments, StorageType.HASH, 20, 4 * 20 * MIB
                + RewriteStepHandler.HEAP_RESERVE)).doesNotThrowAnyException();
        assertThatCode(() -> RewriteStepHandler.checkHeap(new Needs(0, 3000, 3000), StorageType.JSON, 500,
                256 * MIB)).doesNotThrowAnyException();
    }

    @Test
    void largerBatchesAreRefusedWithTheLargestBatchSizeThatFits() {
        SlipwayException e = catchThrowableOfType(() -> RewriteStepHandler.checkHeap(megabyteDocuments,
                StorageType.HASH, 20, 64 * MIB), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(e.getMessage()).contains("Batches of 20 documents", "1.0 MiB each", "this JVM may use 64.0 MiB",
                "nothing was changed", "Lower --batch-size to 8 or less"); // (64 - 32) / 4
        SlipwayException json = catchThrowableOfType(() -> RewriteStepHandler.checkHeap(megabyteDocuments,
                StorageType.JSON, 20, 64 * MIB), SlipwayException.class);
        assertThat(json.getMessage()).contains("Lower --batch-size to 5 or less"); // JSON values take more: / 6
    }

    @Test
    void aDocumentTooLargeForAnyBatchAsksForMoreMemory() {
        SlipwayException e = catchThrowableOfType(() -> RewriteStepHandler.checkHeap(new Needs(0, 2 * MIB,
                20 * MIB), StorageType.HASH, 1, 64 * MIB), SlipwayException.class);

        assertThat(e.getMessage()).contains("Give the JVM more memory (at least 112.0 MiB for one document per "
                + "batch)").doesNotContain("--batch-size to");
    }
}
