package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.vector.VectorMemory;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The memory of the index a plan builds, from the live index's {@code FT.INFO} figures and the target schema. The
 * live figure alone cannot see what the target changes (tester session 30, R9 H1: a build over a new, larger vector
 * field outgrew the estimate and the server evicted documents).
 *
 * <ul>
 *   <li>Vector indexes are sized from each vector field's dims, datatype and algorithm, per document: FLAT keeps
 *       the vector and about {@value #FLAT_PER_VECTOR} bytes; HNSW also keeps {@code 2 * M} level-0 links of 4 bytes
 *       and about {@value #HNSW_PER_VECTOR} bytes of element data and upper levels. Fitted on Search 2.10 at 20,000
 *       documents of 128 dims: FLAT float32 573 bytes per vector, HNSW float32 M=16 898, M=64 1,283, HNSW float16
 *       M=16 636. When the live index has vectors, the model is scaled by how it compares with the live index's own
 *       {@code vector_index_sz_mb}, so that a server that keeps vectors differently is followed.</li>
 *   <li>A TEXT field over a document field no TEXT field of the live index reads is sized from the words the
 *       sampled documents hold there ({@link SourceSnapshot#wordsSampled}): {@value #TEXT_BYTES_PER_WORD} bytes per
 *       word and document (its inverted index and offsets: 9.2 to 15.2 by FT.INFO on Search 2.10, for 20 to 400
 *       words from vocabularies of 5,000 to 200,000). Tester session 31 R10 found the estimate of such a field at
 *       0.82 of what it took.</li>
 *   <li>The rest (inverted indexes, tags, the document and key tables) is the live figure, grown in proportion when
 *       the target has more non-vector fields (beyond those new TEXT fields): the document and key tables do not
 *       grow with fields, so this errs high; a field that replaces another (a rename, a new type) counts as
 *       neither.</li>
 * </ul>
 */
public final class IndexMemoryModel {
    /** Bytes of a FLAT vector index per vector beside the vector itself. */
    static final long FLAT_PER_VECTOR = 64;
    /** Bytes of an HNSW vector index per vector beside the vector and its level-0 links. */
    static final long HNSW_PER_VECTOR = 256;
    /** Bytes of a TEXT field's index per word of a document. */
    static final long TEXT_BYTES_PER_WORD = 16;

    /**
     * The estimate.
     *
     * @param bytes      the index structures of the target (what {@code FT.INFO} would report), before allocator
     *                   overhead
     * @param vector     of which vector indexes
     * @param liveVector the live index's vector indexes
     * @param added      how many more non-vector fields the target has than the live index, besides new TEXT fields
     *                   sized from their words
     * @param text       of which new TEXT fields sized from their words
     * @param words      the words per sampled document of those fields, together
     */
    record Sizing(long bytes, long vector, long liveVector, int added, long text, double words) {
        /** Whether the target's vector indexes differ from the live ones by more than 1%. */
        boolean vectorsResized() {
            return Math.abs(vector - liveVector) > liveVector / 100;
        }
    }

    private IndexMemoryModel() {
    }

    /** The index structures a version built to the target schema over the live documents would take. */
    static Sizing target(SourceSnapshot source, IndexSchema target) {
        long documents = source.numDocs();
        long liveModel = vectorBytes(source.schema(), documents);
        long measured = Math.min(source.vectorIndexBytes(), source.indexMemoryBytes());
        double scale = liveModel > 0 && measured > 0 ? (double) measured / liveModel : 1.0;
        long vector = Math.round(vectorBytes(target, documents) * scale);
        // a plan made before the vector share was recorded: the live vectors by the model, within the whole
        long liveVector = measured > 0 ? measured : Math.min(liveModel, source.indexMemoryBytes());
        long rest = source.indexMemoryBytes() - liveVector;
        java.util.Set<String> liveText = new java.util.HashSet<>();
        source.schema().fields().stream().filter(f -> f.type() == FieldType.TEXT).forEach(f -> liveText.add(f.path()));
        List<String> newText = target.fields().stream().filter(f -> f.type() == FieldType.TEXT)
                .map(FieldSchema::path).filter(p -> !liveText.contains(p) && source.wordsSampled().containsKey(p))
                .distinct().toList();
        double words = newText.stream().mapToDouble(p -> source.wordsSampled().get(p)).sum();
        long text = Math.round(documents * words * TEXT_BYTES_PER_WORD);
        int liveFields = otherFields(source.schema());
        int added = Math.max(0, otherFields(target) - liveFields - newText.size());
        long grown = rest + rest * added / Math.max(liveFields, 1);
        return new Sizing(grown + vector + text, vector, liveVector, added, text, words);
    }

    private static int otherFields(IndexSchema schema) {
        return (int) schema.fields().stream().filter(f -> f.type() != FieldType.VECTOR).count();
    }

    /**
     * What the documents grow by while a rewrite widens their vectors (float16 to float32, say): HASH values as the
     * server allocates them ({@link VectorMemory}); a JSON conversion is index-only. A narrowing conversion in the
     * same rewrite frees its memory only as it goes, so it is not set against the growth (tester session 31 R10 H1:
     * 20,000 documents each grew 640 bytes beyond an estimate of the index alone, and 1,847 were evicted).
     */
    static long documentGrowth(Optional<RewriteSpec> rewrite, int listpackLimit) {
        return documentGrowth(rewrite, listpackLimit, 1);
    }

    /** As above, for documents of which a share {@code listpackShare} is kept as a listpack. */
    static long documentGrowth(Optional<RewriteSpec> rewrite, int listpackLimit, double listpackShare) {
        return documentGrowth(rewrite, new VectorMemory.HashShape(listpackLimit, listpackShare, 2));
    }

    /** As above, for documents of that shape. */
    static long documentGrowth(Optional<RewriteSpec> rewrite, VectorMemory.HashShape shape) {
        return rewrite.map(r -> growthPerDocument(r, shape) * r.documents()).orElse(0L);
    }

    /**
     * How the source's HASH documents are kept, from what the planner sampled: the server's
     * {@code hash-max-listpack-value}, the share of listpacks and the fields they hold.
     */
    public static VectorMemory.HashShape hashShape(SourceSnapshot source) {
        return new VectorMemory.HashShape(source.server().listpackLimit(), source.listpackShare(),
                source.listpackFieldsSampled() > 0 ? source.listpackFieldsSampled() : 2);
    }

    /**
     * What one document of the rewrite grows by, by the model above (0 for JSON, or when no vector widens); the
     * rewrite's memory ceiling projects its next batches with it.
     */
    public static long growthPerDocument(RewriteSpec rewrite, VectorMemory.HashShape shape) {
        return growthPerDocument(rewrite, shape, false);
    }

    /**
     * What one document grows by when a rollback gives it its original vectors back (each conversion the other
     * way): a rollback of a narrowing rewrite widens. The documents are charged as the plan found them, which errs
     * high for those the rewrite left hash tables.
     */
    public static long restoreGrowthPerDocument(RewriteSpec rewrite, VectorMemory.HashShape shape) {
        return growthPerDocument(rewrite, shape, true);
    }

    /** What one document of the plan's rewrite grows by, its documents kept as the plan sampled them (0 for none). */
    public static long growthPerDocument(MigrationPlan plan) {
        return plan.rewrite().map(r -> growthPerDocument(r, hashShape(plan.source()), false)).orElse(0L);
    }

    /** What one document grows by when a rollback undoes the plan's rewrite (0 for none). */
    public static long restoreGrowthPerDocument(MigrationPlan plan) {
        return plan.rewrite().map(r -> growthPerDocument(r, hashShape(plan.source()), true)).orElse(0L);
    }

    private static long growthPerDocument(RewriteSpec rewrite, VectorMemory.HashShape shape, boolean back) {
        if (rewrite.storage() != StorageType.HASH) {
            return 0;
        }
        long perDocument = 0;
        for (RewriteSpec.VectorConversion conversion : rewrite.conversions()) {
            int from = conversion.dims() * width(back ? conversion.to() : conversion.from());
            int to = conversion.dims() * width(back ? conversion.from() : conversion.to());
            perDocument += Math.max(0, -VectorMemory.documentSaving(from, to, shape));
        }
        return perDocument;
    }

    /** The vector indexes of a schema over {@code documents} documents, by the model. */
    public static long vectorBytes(IndexSchema schema, long documents) {
        return schema.fields().stream().filter(f -> f.type() == FieldType.VECTOR)
                .mapToLong(f -> perVector(f) * documents).sum();
    }

    /** One vector's bytes in the field's index. */
    static long perVector(FieldSchema field) {
        long dims = number(field.attrs().get("dims"), 0);
        long vector = dims * width(String.valueOf(field.attrs().get("datatype")));
        String algorithm = String.valueOf(field.attrs().getOrDefault("algorithm", "flat")).toLowerCase(Locale.ROOT);
        if (algorithm.equals("flat")) {
            return vector + FLAT_PER_VECTOR;
        }
        return vector + 2 * number(field.attrs().get("m"), 16) * Integer.BYTES + HNSW_PER_VECTOR;
    }

    /** Bytes per element of a vector datatype (4 for a name this model does not know). */
    static int width(String datatype) {
        return VectorMemory.width(datatype);
    }

    private static long number(Object value, long fallback) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return value == null ? fallback : Long.parseLong(value.toString());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
