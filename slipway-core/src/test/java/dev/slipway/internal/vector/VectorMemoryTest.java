package dev.slipway.internal.vector;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory model behind the estimate's "memory saved" ({@code MemorySavedIT} checks it against Redis). */
class VectorMemoryTest {

    @Test
    void allocationsRoundUpToJemallocSizeClasses() {
        assertThat(VectorMemory.allocation(1)).isEqualTo(8);
        assertThat(VectorMemory.allocation(128)).isEqualTo(128);
        assertThat(VectorMemory.allocation(129)).isEqualTo(160);
        assertThat(VectorMemory.allocation(1024)).isEqualTo(1024);
        assertThat(VectorMemory.allocation(1025)).isEqualTo(1280);
        assertThat(VectorMemory.allocation(1542)).isEqualTo(1792);
        assertThat(VectorMemory.allocation(3078)).isEqualTo(3584);
        assertThat(VectorMemory.allocation(4096)).isEqualTo(4096);
        assertThat(VectorMemory.allocation(16385)).isEqualTo(20480);
    }

    @Test
    void aLongValueIsAStringOfItsOwnInASizeClass() {
        assertThat(VectorMemory.stringSize(3072)).isEqualTo(3078); // 5-byte header and a terminating zero
        assertThat(VectorMemory.stringSize(100)).isEqualTo(104);
        assertThat(VectorMemory.stringSize(70_000)).isEqualTo(70_010);
        // 768 dims: float32 in 3,584 bytes, float16 in 1,792
        assertThat(VectorMemory.documentSaving(3072, 1536)).isEqualTo(1792);
        // 1536 dims: 6,144 + 6 rounds up to 7,168, and 3,072 + 6 to 3,584
        assertThat(VectorMemory.documentSaving(6144, 3072)).isEqualTo(3584);
    }

    @Test
    void aShortValueInTheListpackFreesItsOwnBytes() {
        assertThat(VectorMemory.documentSaving(64, 32)).isEqualTo(32);
        assertThat(VectorMemory.documentSaving(32, 8)).isEqualTo(24);
        // 32 dims float16 -> float32: 64 bytes in the listpack become a 128-byte string in a hash table
        assertThat(VectorMemory.documentSaving(64, 128)).isEqualTo(64 - 160 - VectorMemory.HASH_TABLE_CONVERSION);
        // hash-max-listpack-value 16: 8 dims float16 -> float32 leaves the listpack too
        assertThat(VectorMemory.documentSaving(16, 32, 16)).isEqualTo(16 - 40 - VectorMemory.HASH_TABLE_CONVERSION);
        // a listpack growing in it is one allocation, a size class a quarter apart: 16 bytes more count 21
        assertThat(VectorMemory.documentSaving(16, 32, 64)).isEqualTo(-21);
    }

    @Test
    void aHashThatIsAHashTableAlreadyGrowsByItsValuesStringOnly() {
        // 16 bytes in a 24-byte allocation become 32 in a 40-byte one; nothing is converted
        assertThat(VectorMemory.documentSaving(16, 32, 16, 0)).isEqualTo(-16);
        assertThat(VectorMemory.documentSaving(16, 32, 16, 1)).isEqualTo(16 - 40 - VectorMemory.HASH_TABLE_CONVERSION);
        assertThat(VectorMemory.documentSaving(16, 32, 16, 0.5)).isEqualTo(-148);
        // a listpack of 42 fields: each field beyond two becomes an entry and strings of its own
        assertThat(VectorMemory.documentSaving(48, 96, new VectorMemory.HashShape(64, 1, 42)))
                .isEqualTo(48 - 104 - VectorMemory.HASH_TABLE_CONVERSION - 40 * VectorMemory.FIELD_CONVERSION);
        assertThat(VectorMemory.documentSaving(48, 96, new VectorMemory.HashShape(64, 0, 42)))
                .as("hash tables already: no conversion").isEqualTo(56 - 104);
        // narrowing a string of its own frees its allocation's difference
        assertThat(VectorMemory.documentSaving(32, 16, 64, 0)).isEqualTo(16);
    }

    @Test
    void theIndexCopyShrinksByTheWidths() {
        assertThat(VectorMemory.indexSaving(768, 4, 2)).isEqualTo(1536);
        assertThat(VectorMemory.indexSaving(768, 4, 1)).isEqualTo(2304);
        assertThat(VectorMemory.indexSaving(768, 4, 8)).isEqualTo(-3072); // widened: the index grows
        assertThat(VectorMemory.documentSaving(3072, 6144)).isEqualTo(3584 - 7168);
    }
}
