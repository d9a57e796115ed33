package dev.slipway.bench.quantize;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class VectorCorpusTest {

    @Test
    void documentsArePureFunctionsOfSeedAndId() {
        VectorCorpus corpus = new VectorCorpus(42, 1000, 768);
        VectorCorpus again = new VectorCorpus(42, 1000, 768);
        assertThat(corpus.float32Vector(17)).hasSize(768 * 4).isEqualTo(again.float32Vector(17));
        assertThat(corpus.float32Vector(17)).isNotEqualTo(corpus.float32Vector(18));
        assertThat(corpus.float32Vector(17)).isNotEqualTo(new VectorCorpus(43, 1000, 768).float32Vector(17));
        assertThat(corpus.title(5)).isEqualTo(again.title(5));
        assertThat(corpus.category(5)).matches("c\\d{1,2}");
        assertThat(corpus.expectedFloat16Vector(17)).hasSize(768 * 2);
    }

    @Test
    void auditSampleIsDistinctSpreadAndRepeatable() {
        long[] ids = VectorAudit.sampleIds(200_000, 200, 42);
        assertThat(ids).hasSize(200).isEqualTo(VectorAudit.sampleIds(200_000, 200, 42));
        assertThat(Arrays.stream(ids).distinct().count()).isEqualTo(200);
        assertThat(Arrays.stream(ids).min().orElseThrow()).isLessThan(1000);
        assertThat(Arrays.stream(ids).max().orElseThrow()).isGreaterThan(199_000).isLessThan(200_000);
        assertThat(VectorAudit.sampleIds(50, 200, 42)).as("never more than the documents").hasSize(50);
    }

    @Test
    void auditAcceptsOnlyTheExactFloat16Rounding() {
        VectorCorpus corpus = new VectorCorpus(42, 1000, 8);
        byte[] exact = corpus.expectedFloat16Vector(3);
        assertThat(VectorAudit.vectorProblem(corpus, 3, exact)).isNull();
        assertThat(VectorAudit.vectorProblem(corpus, 3, null)).isEqualTo("doc:3: no 'embedding' field");
        assertThat(VectorAudit.vectorProblem(corpus, 3, corpus.float32Vector(3)))
                .isEqualTo("doc:3: vector has 32 bytes, expected 16");
        byte[] offByOne = exact.clone();
        offByOne[10]++;
        assertThat(VectorAudit.vectorProblem(corpus, 3, offByOne)).startsWith("doc:3: element 5 is 0x");
        assertThat(VectorAudit.vectorProblem(corpus, 4, exact)).as("another document's vector").isNotNull();
    }
}
