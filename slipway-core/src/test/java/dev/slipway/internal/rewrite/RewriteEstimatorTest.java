package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The estimate's sample reads large documents a few at a time and stops once it has read enough bytes. */
class RewriteEstimatorTest {
    private final RewriteSpec spec = RewritePlans.quantize("float16").rewrite().orElseThrow();

    /** Serves every document with one value of the given size and records how many keys each read asked for. */
    private static final class SizedDocuments extends ForwardingDocumentStore {
        private final int valueBytes;
        private final List<Integer> reads = new ArrayList<>();

        SizedDocuments(int valueBytes) {
            super(null);
            this.valueBytes = valueBytes;
        }

        @Override
        public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
            reads.add(keys.size());
            List<byte[][]> values = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                byte[][] document = new byte[fields.size()][];
                document[0] = new byte[valueBytes];
                values.add(document);
            }
            return values;
        }
    }

    private static List<byte[]> keys(int count) {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(("doc:" + i).getBytes());
        }
        return keys;
    }

    @Test
    void largeDocumentsAreReadAFewAtATimeUntilTheSampleHasEnoughBytes() {
        SizedDocuments store = new SizedDocuments(3 << 20);

        RewriteEstimator.SampledBytes sampled = RewriteEstimator.sampleBytes(store, spec, List.of("emb"),
                keys(RewriteEstimator.SAMPLE), false);

        assertThat(store.reads).allMatch(n -> n * (3L << 20) <= Math.max(RewriteEstimator.CHUNK_BYTES, 3L << 20));
        assertThat(sampled.documents()).isEqualTo(11); // the first read past 32 MiB: 11 x 3 MiB
        assertThat(sampled.values()).isEqualTo(11L * (3 << 20));
        assertThat(sampled.largest()).isEqualTo(3 << 20);
    }

    @Test
    void smallDocumentsAreAllSampledInTwoReads() {
        SizedDocuments store = new SizedDocuments(16); // the fixture's 4-dim float32 vectors

        RewriteEstimator.SampledBytes sampled = RewriteEstimator.sampleBytes(store, spec, List.of("emb"),
                keys(RewriteEstimator.SAMPLE), false);

        assertThat(store.reads).containsExactly(1, RewriteEstimator.SAMPLE - 1);
        assertThat(sampled.documents()).isEqualTo(RewriteEstimator.SAMPLE);
        // per record: 8 bytes of lengths, the key, the field's name (2 + 3 + 1), the value's length and the value
        long keys = 10 * "doc:0".length() + 90 * "doc:10".length() + 400 * "doc:100".length();
        assertThat(sampled.records()).isEqualTo(RewriteEstimator.SAMPLE * (8 + 6 + 4 + 16L) + keys);
    }

    /** The cold first reads do not count: the median is taken over the later half of the reads. */
    @Test
    void theTimeIsTheMedianOfTheLaterHalfOfTheReads() {
        assertThat(RewriteEstimator.laterMedian(List.of(0.051, 0.023, 0.010, 0.006, 0.003))).isEqualTo(0.006);
        assertThat(RewriteEstimator.laterMedian(List.of(0.040, 0.010, 0.004, 0.002, 0.005, 0.003))).isEqualTo(0.003);
        assertThat(RewriteEstimator.laterMedian(List.of(0.009))).isEqualTo(0.009);
    }

    /** Serves, per document, the given value for the field {@code field} and nothing for the others. */
    private static final class FieldValues extends ForwardingDocumentStore {
        private final String field;
        private final java.util.function.IntFunction<byte[]> value;
        private int served;

        FieldValues(String field, java.util.function.IntFunction<byte[]> value) {
            super(null);
            this.field = field;
            this.value = value;
        }

        @Override
        public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
            List<byte[][]> values = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                byte[][] document = new byte[fields.size()][];
                document[fields.indexOf(field)] = value.apply(served++);
                values.add(document);
            }
            return values;
        }
    }

    /**
     * A vector that is renamed and converted is read under its old name (tester session 22: rename + quantize said
     * "memory saved: ~0 B", looking for the new name among the fields read).
     */
    @Test
    void aRenamedAndConvertedVectorIsCountedUnderItsOldName() {
        RewriteSpec renamed = new RewriteSpec(dev.slipway.api.schema.StorageType.HASH, List.of("doc:"),
                java.util.Optional.empty(), List.of(new RewriteSpec.FieldMove("emb", "vec")),
                List.of(new RewriteSpec.VectorConversion("vec", "float32", "float16", 768)), 100, true);
        List<String> fields = DocumentRewriter.fieldsToRead(renamed);

        RewriteEstimator.SampledBytes sampled = RewriteEstimator.sampleBytes(new FieldValues("emb",
                i -> new byte[3072]), renamed, fields, keys(100), false);

        assertThat(sampled.savedInDocuments()).isEqualTo(100 * 1792L);
        assertThat(sampled.savedInIndex()).isEqualTo(100 * 1536L);
        assertThat(sampled.changed()).isEqualTo(100);
    }

    /**
     * Documents the rewrite leaves alone (a vector of another length, or none) are neither counted to rewrite nor
     * backed up (tester session 22: half of them of the wrong length, and the estimate said twice the backup).
     */
    @Test
    void documentsTheRewriteLeavesAloneAreNotCounted() {
        List<String> fields = DocumentRewriter.fieldsToRead(spec);
        int source = 4 * 4; // the fixture's 4-dim float32 vectors

        RewriteEstimator.SampledBytes sampled = RewriteEstimator.sampleBytes(new FieldValues("emb",
                i -> i % 4 == 0 ? new byte[source] : i % 4 == 1 ? null : new byte[source + 4]), spec, fields,
                keys(100), false);

        assertThat(sampled.changed()).isEqualTo(25);
        long keysOfChanged = 0;
        for (int i = 0; i < 100; i += 4) {
            keysOfChanged += ("doc:" + i).length();
        }
        assertThat(sampled.records()).isEqualTo(25 * (8 + 6 + 4 + source) + keysOfChanged);
    }
    /**
     * A JSON document's backup record holds the moved path's value as JSON text, not the {@code JSON.GET} reply
     * around it (tester session 22: 1.5 times for short values), and a document whose path already moved is left
     * alone, so it is neither counted nor backed up.
     */
    @Test
    void jsonRecordsHoldTheMovedValuesOfTheDocumentsTheRewriteChanges() {
        RewriteSpec move = new RewriteSpec(dev.slipway.api.schema.StorageType.JSON, List.of("jdoc:"),
                java.util.Optional.empty(), List.of(new RewriteSpec.FieldMove("$.title", "$.name")), List.of(), 100,
                false);
        List<String> fields = DocumentRewriter.fieldsToRead(move);
        ForwardingDocumentStore store = new ForwardingDocumentStore(null) {
            private int served;

            @Override
            public List<String> readJson(List<byte[]> keys, List<String> paths) {
                List<String> replies = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    boolean moved = served++ % 2 == 1;
                    replies.add("{\"$.title\":" + (moved ? "[]" : "[\"abc\"]") + ",\"$.name\":"
                            + (moved ? "[\"abc\"]" : "[]") + "}");
                }
                return replies;
            }
        };

        RewriteEstimator.SampledBytes sampled = RewriteEstimator.sampleBytes(store, move, fields, keys(100), false);

        assertThat(fields).containsExactly("$.title", "$.name");
        assertThat(sampled.changed()).isEqualTo(50);
        long keysOfChanged = 0;
        for (int i = 0; i < 100; i += 2) {
            keysOfChanged += ("doc:" + i).length();
        }
        // per document: key length and field count; "$.title" with "abc" (5 bytes as JSON text); "$.name" absent
        assertThat(sampled.records()).isEqualTo(50 * (8 + (2 + 7 + 1 + 4 + 5) + (2 + 6 + 1)) + keysOfChanged);
    }
}
