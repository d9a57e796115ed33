package dev.slipway.internal.rewrite;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which JSON paths can hold several vectors a document, whose count the throwaway index's estimate samples. */
class AdmissionMemoryTest {
    @Test
    void pathsThatCanMatchSeveralValuesAreMultiValue() {
        assertThat(AdmissionMemory.multiValue("$.vecs[*]")).isTrue();
        assertThat(AdmissionMemory.multiValue("$..emb")).isTrue();
        assertThat(AdmissionMemory.multiValue("$.v[?(@.ok)].emb")).isTrue();
        assertThat(AdmissionMemory.multiValue("$.v[0:2]")).isTrue();
        assertThat(AdmissionMemory.multiValue("$.v[0,1]")).isTrue();
        assertThat(AdmissionMemory.multiValue("$.v.*")).isTrue();
    }

    @Test
    void aPlainPathIsOneVector() {
        assertThat(AdmissionMemory.multiValue("$.emb")).isFalse();
        assertThat(AdmissionMemory.multiValue("$.doc.emb")).isFalse();
        assertThat(AdmissionMemory.multiValue("$.v[0]")).isFalse();
    }
}
