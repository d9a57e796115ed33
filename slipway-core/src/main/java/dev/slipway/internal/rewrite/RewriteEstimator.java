package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.VectorTuning;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.internal.vector.VectorMemory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Estimates a migration from a short, read-only sample: reads the fields a rewrite touches on up to a few hundred
 * documents, times the reads and the conversions, and extrapolates. Writes nothing.
 */
public final class RewriteEstimator {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteEstimator.class);
    static final int SAMPLE = 500;
    private static final int NEEDS_ATTEMPTS = 3;
    /**
     * The sample's values are read a few documents at a time, about this many bytes per read, so that large
     * documents do not have to fit in memory all at once.
     */
    static final long CHUNK_BYTES = 4L << 20;
    /** No more documents are sampled once their values add up to this: a few large documents make a fair sample. */
    static final long SAMPLE_BYTES = 32L << 20;
    /**
     * The sample is read (and converted) at least {@value #MIN_TIMED_READS} and at most {@value #MAX_TIMED_READS}
     * times, more only while {@link #TIMING_BUDGET_NANOS} lasts, and the median of the later half of the reads is
     * used: the first reads pay for a cold JVM and connection (timing the first alone made the estimate 4-8 times too
     * long), and a 768-dim sample's reads kept getting faster for about 15 reads (51 ms, then 10, 6, 3 ms), so the
     * median of five said twice the rewrite's time.
     */
    private static final int MIN_TIMED_READS = 5;
    private static final int MAX_TIMED_READS = 25;
    private static final long TIMING_BUDGET_NANOS = 1_000_000_000L;
    /**
     * A rewrite sends about as much as it reads, and writes the backup; measured reads are scaled by this. Calibrated
     * on 100k documents (session 22, a cold CLI, re-index included): 2.3 s said for a 2.2 s run at 128 dims, 3.4 and
     * 4.1 s for a 3.5 s run at 768 dims.
     */
    private static final double WRITE_FACTOR = 3.0;
    /** Per record: its length, CRC-32, batch number, cursor length and a cursor of up to 20 digits, document count. */
    private static final int RECORD_FRAME = 4 + 4 + 8 + 2 + 20 + 4;
    /** The smallest batch the estimate assumes ({@code --batch-size} is not known yet). */
    private static final int MIN_BATCH = 10;
    /** The last direct-I/O block, padded (the file is cut to its length when closed). */
    private static final int PADDING = 4096;

    private RewriteEstimator() {
    }

    /**
     * {@code estimate} with a note in its basis when the live index holds more than a tenth more or fewer documents
     * than the plan counted: its counts, bytes and memory are the plan's, and apply meets the documents there now
     * (tester session 40 R30 F15: a plan made on a server with 600 documents estimated 600 on one holding 200, without
     * a word). The same figures are kept, since a count does not say which documents came or went.
     */
    public static MigrationEstimate withLiveCount(MigrationEstimate estimate, MigrationPlan plan, long liveDocuments) {
        long planned = plan.source().numDocs();
        if (Math.abs(liveDocuments - planned) * 10 <= planned) {
            return estimate;
        }
        return new MigrationEstimate(estimate.index(), estimate.documents(), estimate.documentsToRewrite(),
                estimate.sampledDocuments(), estimate.bytesToBackUp(), estimate.diskNeededBytes(),
                estimate.extraMemoryBytes(), estimate.memorySavedBytes(), estimate.indexMemorySavedBytes(),
                estimate.expectedSeconds(), estimate.expectedDowntimeSeconds(), estimate.basis() + "; the index holds "
                + Wording.count(liveDocuments, "document", "documents") + " now, against the " + planned + " the plan "
                + "counted (written or deleted since the plan was made, or the plan was made on another server): the "
                + "counts, bytes and memory above are the plan's, and apply " + (plan.rewrite().isPresent()
                ? "converts" : "indexes") + " the documents there when it runs. Re-run 'slipway plan' for figures of "
                + "the data as it is now");
    }

    /**
     * The estimate of a plan against the live server, for a rewrite at most {@code maxDocsPerSecond} documents a
     * second (0 for no limit).
     */
    public static MigrationEstimate estimate(MigrationPlan plan, RedisSession session, int maxDocsPerSecond) {
        RedisEndpoint endpoint = session.endpoint();
        double reindex = plan.estimate().reindexSeconds();
        long extraMemory = plan.estimate().extraMemoryBytes();
        JsonIndexSaving json = jsonIndexSaving(plan, session);
        long jsonIndexSaving = json.bytes();
        if (plan.rewrite().isEmpty()) {
            return new MigrationEstimate(plan.servedName(), plan.estimate().documents(), 0, 0, 0, 0, extraMemory,
                    jsonIndexSaving, jsonIndexSaving, reindex, plan.estimate().downtimeSeconds(),
                    plan.estimate().basis() + "; index-only: nothing is rewritten or backed up" + savingBasis(plan)
                            + json.basis() + (maxDocsPerSecond > 0 ? "; --rate-limit paces document rewrites only"
                            : ""));
        }
        RewriteSpec spec = plan.rewrite().get();
        List<String> fields = DocumentRewriter.fieldsToRead(spec);
        try (JedisDocumentStore store = JedisDocumentStore.open(endpoint)) {
            List<byte[]> keys = sampleKeys(store, spec);
            SampledBytes bytes = null;
            List<Double> times = new ArrayList<>();
            long deadline = System.nanoTime() + TIMING_BUDGET_NANOS;
            while (times.size() < MIN_TIMED_READS
                    || times.size() < MAX_TIMED_READS && System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                bytes = sampleBytes(store, spec, fields, keys, true, IndexMemoryModel.hashShape(plan.source()));
                times.add((System.nanoTime() - t0) / 1e9);
                keys = keys.subList(0, bytes.documents()); // the same documents every time
            }
            double seconds = laterMedian(times);
            int n = Math.max(keys.size(), 1);
            long docs = spec.documents();
            String filtered = "";
            if (FilterScope.narrows(plan)) {
                filtered = "; the index has a FILTER, and the rewrite converts only the documents it admits";
            } else if (plan.source().schema().filter().isPresent()) {
                // the patch changes the FILTER: the rewrite converts every document under the prefixes, the FILTER's
                // or not (tester session 33 R15 M1: 2,000 estimated, 20,000 converted); only counting them all tells
                // how many
                long holding;
                try {
                    holding = DocumentSizes.survey(spec, endpoint, 1000, ProgressListener.NONE, new StopSignal())
                            .holding();
                } catch (DocumentSizes.UnmeasurableException e) {
                    holding = -1;
                    filtered = "; " + FilterScope.whyEveryDocument(plan.source().schema(), plan.targetSchema())
                            + ", so the rewrite converts every document under the index's prefixes that holds the "
                            + "fields, but they could not be counted (" + e.getMessage()
                            + "): apply counts them";
                }
                if (holding > docs) {
                    extraMemory += IndexMemoryModel.growthPerDocument(plan) * (holding - docs);
                    filtered = "; " + FilterScope.whyEveryDocument(plan.source().schema(), plan.targetSchema())
                            + ", so the rewrite converts every document under the index's prefixes that holds the "
                            + "fields: " + holding + " counted, against the " + docs
                            + " the plan counted";
                    docs = holding;
                }
            }
            double rewriteSeconds = seconds / n * docs * WRITE_FACTOR;
            String paced = "";
            if (maxDocsPerSecond > 0) {
                double atTheRate = (double) docs / maxDocsPerSecond;
                paced = atTheRate > rewriteSeconds
                        ? "; --rate-limit " + maxDocsPerSecond + " docs/s holds the rewrite to " + docs + " documents "
                        + "over the rate (" + round(atTheRate) + " s, measured pace " + round(rewriteSeconds) + " s)"
                        : "; --rate-limit " + maxDocsPerSecond + " docs/s is above the measured pace";
                rewriteSeconds = Math.max(rewriteSeconds, atTheRate);
            }
            double total = rewriteSeconds + reindex;
            // the index holds only the documents it counts, not every one the rewrite converts (a FILTER): tester
            // session 34 R18 F2, 625 KiB said where 156 KiB was right
            long indexSaving = bytes.savedInIndex() * spec.documents() / n + jsonIndexSaving;
            return new MigrationEstimate(plan.servedName(), plan.estimate().documents(),
                    keys.isEmpty() ? docs : docs * bytes.changed() / n, keys.size(),
                    bytes.records() * docs / n, disk(bytes, docs), extraMemory,
                    bytes.savedInDocuments() * docs / n + indexSaving, indexSaving, round(total),
                    plan.mode() == MigrationMode.ZERO_DOWNTIME ? 0 : round(total),
                    "sampled " + keys.size() + " documents (median of the last " + (times.size() + 1) / 2 + " of "
                            + times.size() + " reads: " + Math.round(seconds * 1000) + " ms); rewrite time "
                            + "= sampled read time x " + WRITE_FACTOR + " per document; " + plan.estimate().basis()
                            + savingBasis(plan) + json.basis() + filtered + paced);
        }
    }

    /** The median of the later half of the timed reads, once the JIT and the connection have warmed up. */
    static double laterMedian(List<Double> times) {
        List<Double> later = new ArrayList<>(times.subList(times.size() / 2, times.size()));
        later.sort(null);
        return later.get(later.size() / 2);
    }

    /**
     * What a rewrite of the plan's documents needs, from a sample of the live documents, without timing anything.
     *
     * @param diskBytes          the disk the backup needs (what {@link #estimate} reports); 0 for an index-only plan
     * @param largestDocumentBytes the largest size in the sample of the values a rewrite reads from one document
     */
    public record Needs(long diskBytes, long largestDocumentBytes) {
    }

    /**
     * What a rewrite of the plan's documents needs (all 0 for an index-only plan). The sample is only read, so a
     * connection lost on the way is replaced and the sample read again, up to {@value #NEEDS_ATTEMPTS} times in all:
     * one lost connection failed apply's checks (exit 1, nothing changed).
     */
    public static Needs needs(MigrationPlan plan, RedisEndpoint endpoint) {
        if (plan.rewrite().isEmpty()) {
            return new Needs(0, 0);
        }
        RewriteSpec spec = plan.rewrite().get();
        for (int attempt = 1; ; attempt++) {
            try (JedisDocumentStore store = JedisDocumentStore.open(endpoint)) {
                List<byte[]> keys = sampleKeys(store, spec);
                SampledBytes bytes = sampleBytes(store, spec, DocumentRewriter.fieldsToRead(spec), keys, false);
                return new Needs(disk(bytes, spec.documents()), bytes.largest());
            } catch (JedisConnectionException e) {
                if (attempt >= NEEDS_ATTEMPTS) {
                    throw e;
                }
                LOG.debug("Lost the connection while sampling the documents ({}); reading the sample again",
                        e.getMessage());
            }
        }
    }

    /**
     * The sampled documents' original values, the bytes their backup records take ({@link BackupRecord}: per
     * document its key and lengths, per field read its name, a presence flag and the value), how many documents
     * were read, the largest document's values, and what converting their vectors frees in the documents and in the
     * vector index ({@link VectorMemory}; only vectors of the source length are converted).
     */
    record SampledBytes(long values, long records, int documents, long largest, long savedInDocuments,
                        long savedInIndex, int changed) {
    }

    /**
     * Scaled up from the sample, plus each record's own header and checksum (at least one batch per
     * {@value #MIN_BATCH} documents) and one direct-I/O block of padding at the end.
     */
    private static long disk(SampledBytes bytes, long documents) {
        return bytes.records() * documents / Math.max(bytes.documents(), 1)
                + (documents / MIN_BATCH + 1) * RECORD_FRAME + PADDING;
    }

    private static List<byte[]> sampleKeys(DocumentStore store, RewriteSpec spec) {
        KeyScope scope = KeyScope.of(spec);
        String pattern = scope.pattern();
        String type = spec.storage().keyType();
        KeyMove move = KeyMove.of(spec);
        List<byte[]> keys = new ArrayList<>();
        String cursor = "0";
        int pages = 0;
        do {
            ScanPage page = store.scan(cursor, pattern, SAMPLE, type);
            for (byte[] key : page.keys()) {
                // an index of several prefixes is scanned with '*': only its own keys are a fair sample
                if (keys.size() < SAMPLE && scope.contains(key)
                        && move.needsMove(key) == spec.targetPrefix().isPresent()) {
                    keys.add(key);
                }
            }
            cursor = page.nextCursor();
        } while (!cursor.equals("0") && keys.size() < SAMPLE && ++pages < 100);
        return keys;
    }

    /**
     * Reads the sampled documents' values a chunk at a time, each chunk sized from the documents read so far to
     * about {@value #CHUNK_BYTES} bytes, and stops early once {@value #SAMPLE_BYTES} bytes were read: a sample of
     * large documents must not need them all in memory at once.
     */
    static SampledBytes sampleBytes(DocumentStore store, RewriteSpec spec, List<String> fields, List<byte[]> keys,
                                    boolean convert) {
        return sampleBytes(store, spec, fields, keys, convert, VectorMemory.HashShape.DEFAULT);
    }

    /** As above, for HASH documents of that shape (the server's listpack limit, how many are listpacks). */
    static SampledBytes sampleBytes(DocumentStore store, RewriteSpec spec, List<String> fields, List<byte[]> keys,
                                    boolean convert, VectorMemory.HashShape shape) {
        if (fields.isEmpty() || keys.isEmpty()) {
            return new SampledBytes(0, keys.stream().mapToLong(k -> 8 + k.length).sum(), keys.size(), 0, 0, 0,
                    keys.size());
        }
        int names = fields.stream().mapToInt(f -> 2 + f.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        long values = 0;
        long records = 0;
        long largest = 0;
        long[] saved = new long[2];
        int changed = 0;
        int read = 0;
        int chunk = 1;
        while (read < keys.size() && values < SAMPLE_BYTES) {
            List<byte[]> part = keys.subList(read, Math.min(read + chunk, keys.size()));
            if (spec.storage() == StorageType.HASH) {
                List<byte[][]> replies = store.readHashFields(part, fields);
                for (int i = 0; i < part.size(); i++) {
                    long document = 0;
                    long record = 8 + part.get(i).length + names;
                    for (byte[] value : replies.get(i)) {
                        document += value == null ? 0 : value.length;
                        record += value == null ? 0 : 4 + value.length;
                    }
                    if (changes(spec, fields, replies.get(i))) { // only a document the rewrite changes is backed up
                        records += record;
                        changed++;
                    }
                    values += document;
                    largest = Math.max(largest, document);
                    addSavings(spec, fields, replies.get(i), saved, shape);
                    if (convert) {
                        convertForTiming(spec, fields, replies.get(i));
                    }
                }
            } else {
                List<String> replies = store.readJson(part, fields);
                for (int i = 0; i < part.size(); i++) {
                    String reply = replies.get(i);
                    long length = reply == null ? 0 : reply.getBytes(StandardCharsets.UTF_8).length;
                    values += length;
                    largest = Math.max(largest, length);
                    long record = reply == null ? -1 : jsonRecord(spec, fields, part.get(i),
                            DocumentRewriter.jsonValues(fields, reply));
                    if (record >= 0) {
                        records += record;
                        changed++;
                    }
                }
            }
            read += part.size();
            chunk = (int) Math.max(1, Math.min(SAMPLE, CHUNK_BYTES / Math.max(values / read, 1)));
        }
        return new SampledBytes(values, records, read, largest, saved[0], saved[1], changed);
    }

    /**
     * The backup record of a sampled JSON document as the rewriter makes it: its key, and per path it moves the
     * name, a presence flag and the value (the first match as JSON text, not the {@code JSON.GET} reply around it,
     * which made short values count 1.5 times). -1 when the rewrite leaves the document alone (no prefix to move, and
     * every path to move already gone).
     */
    private static long jsonRecord(RewriteSpec spec, List<String> fields, byte[] key, byte[][] values) {
        long record = 8 + key.length;
        boolean changes = spec.targetPrefix().isPresent();
        for (RewriteSpec.FieldMove move : spec.fieldMoves()) {
            byte[] from = values[fields.indexOf(move.from())];
            if (from == null) {
                continue;
            }
            changes = true;
            for (String path : List.of(move.from(), move.to())) {
                byte[] value = values[fields.indexOf(path)];
                record += 2 + path.getBytes(StandardCharsets.UTF_8).length + 1 + (value == null ? 0 : 4 + value.length);
            }
        }
        return changes ? record : -1;
    }

    /** Converts the sampled vectors so that the measured time includes the conversion work. */
    private static void convertForTiming(RewriteSpec spec, List<String> fields, byte[][] values) {
        for (RewriteSpec.VectorConversion conversion : spec.conversions()) {
            byte[] vector = convertible(spec, conversion, fields, values);
            VectorDataType to = VectorDataType.parse(conversion.to());
            if (vector != null && to.isFloatingPoint()) {
                VectorCodec.convert(vector, VectorDataType.parse(conversion.from()), to, null);
            }
        }
    }

    /**
     * Whether the rewrite changes a HASH document read for the sample: every document moves to a new prefix; else a
     * field to move is still under its old name, or a vector has the source length (what the rewriter does).
     */
    private static boolean changes(RewriteSpec spec, List<String> fields, byte[][] values) {
        if (spec.targetPrefix().isPresent()) {
            return true;
        }
        for (RewriteSpec.FieldMove move : spec.fieldMoves()) {
            int at = fields.indexOf(move.from());
            if (at >= 0 && values[at] != null) {
                return true;
            }
        }
        return spec.conversions().stream().anyMatch(c -> convertible(spec, c, fields, values) != null);
    }

    /**
     * A sampled document's vector for a conversion, read under its old name if the field also moves, when it has
     * the source length (the one length the rewrite converts); else null.
     */
    private static byte[] convertible(RewriteSpec spec, RewriteSpec.VectorConversion conversion, List<String> fields,
                                      byte[][] values) {
        int at = fields.indexOf(DocumentRewriter.sourceField(spec, conversion));
        byte[] vector = at >= 0 ? values[at] : null;
        return vector != null
                && vector.length == conversion.dims() * VectorDataType.parse(conversion.from()).bytesPerElement()
                ? vector : null;
    }

    /**
     * Adds what converting a sampled document's vectors frees: {@code saved[0]} in the document, {@code saved[1]} in
     * the vector index. A vector not of the source length is left as it is by the rewrite and frees nothing.
     */
    private static void addSavings(RewriteSpec spec, List<String> fields, byte[][] values, long[] saved,
                                   VectorMemory.HashShape shape) {
        for (RewriteSpec.VectorConversion conversion : spec.conversions()) {
            byte[] vector = convertible(spec, conversion, fields, values);
            if (vector != null) {
                int fromWidth = VectorDataType.parse(conversion.from()).bytesPerElement();
                int toWidth = VectorDataType.parse(conversion.to()).bytesPerElement();
                saved[0] += VectorMemory.documentSaving(vector.length, conversion.dims() * toWidth, shape);
                saved[1] += VectorMemory.indexSaving(conversion.dims(), fromWidth, toWidth);
            }
        }
    }

    /**
     * What narrowing a JSON index's vector fields frees, and, when a field's vectors could not be counted, how they
     * were guessed (empty otherwise).
     */
    record JsonIndexSaving(long bytes, String basis) {
    }

    /**
     * What the vector index frees when a JSON index's vector field narrows: the documents keep their numbers (an
     * index-only change), the index's copy of every vector it holds shrinks. The vectors are counted by the vector
     * index itself ({@link #indexedVectors}): a document may hold none, or several under a multi-value path such as
     * {@code $.vecs[*]}, so the number of documents was 6 times too low for three vectors per document. Where the
     * server does not tell, one vector per indexed document is assumed, and the basis says so.
     */
    private static JsonIndexSaving jsonIndexSaving(MigrationPlan plan, RedisSession session) {
        if (plan.source().schema().storageType() != StorageType.JSON) {
            return new JsonIndexSaving(0, "");
        }
        long saved = 0;
        List<String> guessed = new ArrayList<>();
        for (SchemaChange change : plan.changes()) {
            if (change.kind() != ChangeKind.CHANGE_VECTOR_DATATYPE || !change.supported()) {
                continue;
            }
            Object dims = plan.targetSchema().field(change.subject()).map(f -> f.attrs().get("dims")).orElse(null);
            if (dims instanceof Number n) {
                String attribute = sourceAttribute(plan, change.subject());
                OptionalLong counted = indexedVectors(session, plan.source().physicalIndex(), attribute);
                if (counted.isEmpty()) {
                    guessed.add(attribute);
                }
                saved += counted.orElse(plan.source().numDocs()) * VectorMemory.indexSaving(n.intValue(),
                        VectorDataType.parse(change.from()).bytesPerElement(),
                        VectorDataType.parse(change.to()).bytesPerElement());
            }
        }
        return new JsonIndexSaving(saved, guessed.isEmpty() ? "" : "; the vectors of " + String.join(", ", guessed)
                + " could not be counted (FT.DEBUG VECSIM_INFO refused), so one per indexed document is assumed");
    }

    /** The source index's name for a target attribute: its old name when the patch renames it. */
    private static String sourceAttribute(MigrationPlan plan, String target) {
        return plan.requestedPatch().flatMap(p -> p.renameFields().stream()
                .filter(r -> r.newName().equals(target)).map(SchemaPatch.FieldRename::oldName).findFirst())
                .orElse(target);
    }

    /**
     * How many vectors an index holds in a vector attribute: {@code INDEX_SIZE} of {@code FT.DEBUG VECSIM_INFO}
     * (for HNSW, the tiered index's total of its flat buffer and its graph). Empty when the server refuses the
     * command (a managed service may not offer {@code FT.DEBUG}, an ACL may deny it) or does not say.
     */
    static OptionalLong indexedVectors(RedisSession session, String index, String attribute) {
        Object size = VectorTuning.info(session, index, attribute).map(info -> info.get("INDEX_SIZE")).orElse(null);
        double count = size == null ? Double.NaN : RedisReplies.number(size);
        return Double.isNaN(count) || count < 0 ? OptionalLong.empty() : OptionalLong.of((long) count);
    }

    /** How the memory saved was worked out, when the plan narrows a vector field. */
    private static String savingBasis(MigrationPlan plan) {
        boolean narrows = plan.changes().stream().anyMatch(c -> c.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE
                && c.supported());
        return narrows ? "; memory saved from how Redis keeps vectors (the documents' values in jemalloc size "
                + "classes, the vector index's own copy of each), without fragmentation" : "";
    }

    private static double round(double seconds) {
        return Math.round(seconds * 100) / 100.0;
    }
}
