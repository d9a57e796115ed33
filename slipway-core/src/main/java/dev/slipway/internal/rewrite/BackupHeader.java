package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorDataType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The small JSON file that says how far a rewrite got. Replaced atomically (write to a temporary file, fsync,
 * rename) after every change, so a crash leaves either the old or the new header, never a torn one.
 *
 * @param formatVersion      backup format version
 * @param planId             the plan whose rewrite this is; another plan is refused
 * @param index              the served index name
 * @param phase              where the rewrite stands
 * @param cursor             the SCAN cursor of the next page to read ("0" at the start)
 * @param pendingCursor      the SCAN cursor after the last page backed up (equals {@code cursor} when every
 *                           backed-up page was also written)
 * @param batchesBackedUp    batches whose originals are durably in the data file
 * @param batchesApplied     batches whose rewrites were sent to Redis
 * @param documentsBackedUp  documents whose originals are saved
 * @param documentsRewritten documents rewritten
 * @param dataLength         bytes of the data file that are complete records; anything after is a torn append
 * @param conflicts          documents left unchanged because the rewrite would have overwritten existing data
 * @param recallAt10         recall@10 of converted vectors against the originals on a sample, per field
 * @param recordsRestored    records restored by a rollback so far
 * @param documentsMissing   documents of those records that a rollback found deleted (under their old and new
 *                           names) and left deleted
 * @param quantization       per converted vector field with an INT8/UINT8 target, the mapping every document of
 *                           the rewrite is quantized with: chosen from a sample before the first batch, so that a
 *                           resumed run converts with the same one
 * @param alreadyConverted   vectors the first pass found with the target length already, kept across resumes
 * @param malformedVectors   vectors of neither the source nor the target length that the first pass left as they
 *                           are, kept across resumes (the batches a resumed run re-applies are not counted again)
 * @param batchesWatched     applied batches whose documents the write watch has judged (every change another client
 *                           made inside their windows seen): a killed run's later batches were not, and the resumed
 *                           run says so
 * @param firstPassBatches   the records the first pass backed up, set when a later pass starts: records after them
 *                           may back up a document again (one the application wrote in the old form after the
 *                           first pass converted it, or one a pass left as it was), and a rollback then goes by the
 *                           document's last record ({@link SupersededOriginals}). Null while the first pass runs,
 *                           and in headers written before it was recorded
 * @param keyNamespace       the namespace of the apply's lock and checkpoint ({@code --namespace}); a rollback or a
 *                           resume in another one would not see that lock. Null in headers written before it was
 *                           recorded
 * @param overflowed         per converted field, finite vector elements that became infinity (values beyond a FLOAT16
 *                           or BFLOAT16 range), over every run of the rewrite; saved with the progress, so a killed
 *                           run's last second may be missing ("at least")
 * @param serverRunId        the {@code run_id} of the server the current pass's SCAN cursor came from: a cursor does
 *                           not carry over a restart, so a pass a restart interrupted starts again from the first page
 *                           (null in older headers)
 * @param evictedAtRollback  the server's {@code evicted_keys} (INFO stats) when a rollback of this backup first began
 *                           restoring: a run that stopped and the run that finishes it report evictions since then
 *                           (tester session 34 R16 H1: the finishing run exited 0 after the stopped one's evictions).
 *                           Null before a rollback, when INFO is refused, and in older headers
 * @param rollbackWatch      what a rollback's write watch saw so far, over every run of the rollback (recorded as
 *                           records land): a run that stopped after its watch was lost or saw writes, and the run
 *                           that finishes it, report that (tester session 37 R23 F1: the finishing run exited 0).
 *                           Null before a rollback restores anything, and in older headers
 * @param inPlace            documents apply found already under a new prefix that extends the old one (a move from
 *                           {@code doc:} to {@code doc:a:}), rewritten in place, not moved; the rollback's last look
 *                           finds them under the migration's prefix and must not take them for documents left there
 *                           (tester session 48 R43 T2 F1). Null when none, and in older headers
 * @param origin             the mark of the server the backup was made on and the address it was reached at
 *                           ({@code BackupOrigin}), set before the first record: a backup with records is used only
 *                           on that server. Null in older headers
 * @param startedAt          when the rewrite started
 * @param updatedAt          when the header was last written
 */
public record BackupHeader(int formatVersion, String planId, String index, Phase phase, String cursor,
                           String pendingCursor, long batchesBackedUp, long batchesApplied, long documentsBackedUp,
                           long documentsRewritten, long dataLength, long conflicts, Map<String, Double> recallAt10,
                           long recordsRestored,
                           @JsonSetter(nulls = Nulls.AS_EMPTY) long documentsMissing, // 0 when absent (older headers)
                           @JsonSetter(nulls = Nulls.AS_EMPTY) Map<String, Scale> quantization,
                           AlreadyConverted alreadyConverted,
                           @JsonSetter(nulls = Nulls.AS_EMPTY) long malformedVectors, // 0 when absent (older headers)
                           @JsonSetter(nulls = Nulls.AS_EMPTY) long batchesWatched, // 0 when absent (older headers)
                           @JsonInclude(JsonInclude.Include.NON_NULL) Long firstPassBatches,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String keyNamespace,
                           @JsonSetter(nulls = Nulls.AS_EMPTY) Map<String, Long> overflowed,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String serverRunId,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Long evictedAtRollback,
                           @JsonInclude(JsonInclude.Include.NON_NULL) RollbackWatch rollbackWatch,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Long inPlace,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Origin origin,
                           Instant startedAt, Instant updatedAt) {

    /** A server's mark ({@code id}, random) and the address (host:port) it was reached at. */
    public record Origin(String id, String address) {
    }

    /** The backup format this version writes. */
    public static final int FORMAT_VERSION = 1;

    /** Where a rewrite stands. */
    public enum Phase {
        /** Batches are being backed up and rewritten. */
        REWRITING,
        /** Every document was rewritten. */
        REWRITTEN,
        /** A pass finished but left conflicting documents unchanged; the next run scans everything again. */
        CONFLICTS,
        /**
         * Another client changed documents during the rewrite, which stopped; the next run scans everything again.
         */
        WRITES_SEEN,
        /** A new pass after conflicts, before its first batch. */
        RESCANNING,
        /** A rollback is restoring originals. */
        ROLLING_BACK,
        /** The rollback restored every original and the source index. */
        ROLLED_BACK
    }

    /**
     * An INT8/UINT8 mapping ({@code code = rint(value / scale) + zeroPoint}, see
     * {@link dev.slipway.internal.vector.QuantizationScale}).
     *
     * @param datatype     the integer datatype, as Redis names it
     * @param scale        the real value of one code step
     * @param zeroPoint    the code of 0.0
     * @param sampled      vectors the mapping was derived from
     */
    public record Scale(String datatype, double scale, int zeroPoint, long sampled) {
    }

    /**
     * Vectors found with the target length already when their batch was planned, and left as they are: written so by
     * the application, or a source vector of the wrong length that looks the same. Counted in the first pass only
     * ({@code counting} turns false when a new pass starts, which finds the first pass's own conversions), and
     * never in the batches a resumed run re-applies (the interrupted run converted their documents). Saved with the
     * header's progress, so a killed run may lose its last second's count: "at least".
     *
     * @param vectors  how many
     * @param examples the first three keys
     * @param counting whether the current pass still counts
     */
    public record AlreadyConverted(long vectors, List<String> examples, boolean counting) {
        static final AlreadyConverted NONE = new AlreadyConverted(0, List.of(), true);

        /** Copies the list. */
        public AlreadyConverted {
            examples = examples == null ? List.of() : List.copyOf(examples);
        }

        AlreadyConverted plus(List<String> keys) {
            if (keys.isEmpty() || !counting) {
                return this;
            }
            List<String> more = new ArrayList<>(examples);
            keys.stream().limit(Math.max(0, 3 - examples.size())).forEach(more::add);
            return new AlreadyConverted(vectors + keys.size(), more, true);
        }
    }

    /** Copies the maps. */
    public BackupHeader {
        recallAt10 = recallAt10 == null ? Map.of() : Map.copyOf(recallAt10);
        quantization = quantization == null ? Map.of() : Map.copyOf(quantization);
        alreadyConverted = alreadyConverted == null ? AlreadyConverted.NONE : alreadyConverted; // older headers
        overflowed = overflowed == null ? Map.of() : Map.copyOf(overflowed);
    }

    /** The header of a new rewrite. */
    public static BackupHeader start(String planId, String index) {
        Instant now = Instant.now();
        return new BackupHeader(FORMAT_VERSION, planId, index, Phase.REWRITING, "0", "0", 0, 0, 0, 0, 0, 0,
                Map.of(), 0, 0, Map.of(), AlreadyConverted.NONE, 0, 0, null, null, Map.of(),
                null, null, null, null, null, now, now);
    }

    /** After a batch's originals were appended and synced. */
    public BackupHeader backedUp(String nextCursor, int documents, long newDataLength) {
        return copy(d -> {
            d.pendingCursor = nextCursor;
            d.batchesBackedUp = batchesBackedUp + 1;
            d.documentsBackedUp = documentsBackedUp + documents;
            d.dataLength = newDataLength;
        });
    }

    /** Records the mark of the server the backup is made on ({@link #origin}). */
    public BackupHeader withOrigin(Origin mark) {
        return copy(d -> d.origin = mark);
    }

    /** Records how many documents apply found already under the new prefix ({@link #inPlace}). */
    public BackupHeader withInPlace(long documents) {
        return copy(d -> d.inPlace = documents);
    }

    /** After records found past {@code dataLength} on reopening were counted as backed up. */
    public BackupHeader recovered(String nextCursor, long backedUp, long documents, long newDataLength) {
        return copy(d -> {
            d.pendingCursor = nextCursor;
            d.batchesBackedUp = backedUp;
            d.documentsBackedUp = documents;
            d.dataLength = newDataLength;
        });
    }

    /** After a batch's rewrites were sent. */
    public BackupHeader applied(String cursorAfter, int documents, long newConflicts) {
        return copy(d -> {
            d.cursor = cursorAfter;
            d.batchesBackedUp = Math.max(batchesBackedUp, batchesApplied + 1);
            d.batchesApplied = batchesApplied + 1;
            d.documentsRewritten = documentsRewritten + documents;
            d.conflicts = conflicts + newConflicts;
        });
    }

    /** Whether a later pass over every document has started (after conflicts, writes seen or old vectors found). */
    public boolean laterPass() {
        return firstPassBatches != null;
    }

    /** Whether the rewrite has a pass that has not read every document (a new one, or one a run left half-way). */
    public boolean passUnfinished() {
        return switch (phase) {
            case RESCANNING, CONFLICTS, WRITES_SEEN -> true;
            case REWRITING -> laterPass();
            default -> false;
        };
    }

    /** A copy in another phase. */
    public BackupHeader withPhase(Phase newPhase) {
        return copy(d -> d.phase = newPhase);
    }

    /** A copy naming the server the pass's cursor comes from ({@link #serverRunId}). */
    public BackupHeader withServerRunId(String runId) {
        return copy(d -> d.serverRunId = runId);
    }

    /** A new pass from the first SCAN page, conflicts forgotten (they are found again if still there). */
    public BackupHeader restartPass() {
        return copy(d -> {
            d.phase = Phase.RESCANNING;
            d.cursor = "0";
            d.pendingCursor = "0";
            d.conflicts = 0;
            d.alreadyConverted = new AlreadyConverted(alreadyConverted.vectors(), alreadyConverted.examples(), false);
            d.firstPassBatches = firstPassBatches == null ? Long.valueOf(batchesBackedUp) : firstPassBatches;
        });
    }

    /** A copy with recall figures. */
    public BackupHeader withRecall(Map<String, Double> recall) {
        return copy(d -> d.recallAt10 = recall);
    }

    /** A copy recording the server's {@code evicted_keys} when the rollback began ({@link #evictedAtRollback}). */
    public BackupHeader withEvictedAtRollback(Long evicted) {
        return copy(d -> d.evictedAtRollback = evicted);
    }

    /** A copy recording what the rollback's write watch saw so far ({@link #rollbackWatch}). */
    public BackupHeader withRollbackWatch(RollbackWatch watch) {
        return copy(d -> d.rollbackWatch = watch);
    }

    /**
     * What a rollback's write watch saw: why it stopped watching, if it did (the first reason), and the changes by
     * other clients it reported, with the first of them named.
     *
     * @param lost       why the watch stopped; null while it watched
     * @param writesSeen changes by other clients to the documents being restored
     * @param written    the first {@value #WRITTEN_LISTED} of them
     */
    public record RollbackWatch(String lost, long writesSeen, List<String> written) {
        /** How many changed documents are named. */
        public static final int WRITTEN_LISTED = 20;
        /** Nothing seen. */
        public static final RollbackWatch NOTHING = new RollbackWatch(null, 0, List.of());

        /** Normalises absent values (older or hand-written headers). */
        public RollbackWatch {
            written = written == null ? List.of() : List.copyOf(written);
        }

        /** This, then what a later run saw: the first loss, every change, the first names. */
        public RollbackWatch then(RollbackWatch later) {
            List<String> names = new java.util.ArrayList<>(written);
            later.written.stream().filter(w -> !names.contains(w)).forEach(names::add);
            return new RollbackWatch(lost != null ? lost : later.lost, writesSeen + later.writesSeen,
                    names.subList(0, Math.min(names.size(), WRITTEN_LISTED)));
        }
    }

    /** A copy after a rollback restored more records, {@code missing} of whose documents it found deleted. */
    public BackupHeader withRestoreProgress(long records, long missing) {
        return copy(d -> {
            d.recordsRestored = records;
            d.documentsMissing = missing;
        });
    }

    /** A copy with the quantization mappings of the rewrite's integer conversions. */
    public BackupHeader withQuantization(Map<String, Scale> scales) {
        return copy(d -> d.quantization = scales);
    }

    /**
     * A copy that counts more vectors found already converted, and {@code malformed} more of neither length (both
     * left as they are; none counted once a new pass started, which finds the same ones again).
     */
    public BackupHeader foundUnchanged(List<String> keys, long malformed) {
        AlreadyConverted found = alreadyConverted.plus(keys);
        long more = alreadyConverted.counting() ? malformed : 0;
        return found == alreadyConverted && more == 0 ? this : copyAsOf(updatedAt, d -> {
            d.alreadyConverted = found;
            d.malformedVectors = malformedVectors + more;
        });
    }

    /** A copy saying that the watch has judged the first {@code batches} applied batches. */
    public BackupHeader withBatchesWatched(long batches) {
        return copyAsOf(updatedAt, d -> d.batchesWatched = batches);
    }

    /** A copy that records the apply's key namespace. */
    public BackupHeader withKeyNamespace(String namespace) {
        return copy(d -> d.keyNamespace = namespace);
    }

    /** A copy that counts more elements that became infinity, per field (none: this header). */
    public BackupHeader withOverflowed(Map<String, Long> more) {
        if (more.isEmpty()) {
            return this;
        }
        Map<String, Long> sum = new java.util.TreeMap<>(overflowed);
        more.forEach((field, count) -> sum.merge(field, count, Long::sum));
        return copyAsOf(updatedAt, d -> d.overflowed = sum);
    }

    /** The {@link #quantization()} mappings, each with a clamp tally of its own starting at zero. */
    public Map<String, QuantizationScale> quantizationScales() {
        Map<String, QuantizationScale> scales = new LinkedHashMap<>();
        quantization.forEach((path, scale) -> scales.put(path, QuantizationScale.of(
                VectorDataType.parse(scale.datatype()), scale.scale(), scale.zeroPoint())));
        return scales;
    }

    /** Whether the last backed-up batch may not have been written yet. */
    public boolean hasUnappliedBatch() {
        return batchesBackedUp > batchesApplied;
    }

    /** A copy with what {@code change} sets on a draft of this header, written now. */
    private BackupHeader copy(Consumer<Draft> change) {
        return copyAsOf(Instant.now(), change);
    }

    /** A copy with what {@code change} sets on a draft of this header, its {@link #updatedAt} {@code when}. */
    private BackupHeader copyAsOf(Instant when, Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        draft.updatedAt = when;
        return draft.header();
    }

    /**
     * The fields of a header, to be changed one by one: each copy above sets only what it changes, where each used to
     * list every field in a constructor call of its own (a new field went into sixteen of them).
     */
    private static final class Draft {
        private int formatVersion;
        private String planId;
        private String index;
        private Phase phase;
        private String cursor;
        private String pendingCursor;
        private long batchesBackedUp;
        private long batchesApplied;
        private long documentsBackedUp;
        private long documentsRewritten;
        private long dataLength;
        private long conflicts;
        private Map<String, Double> recallAt10;
        private long recordsRestored;
        private long documentsMissing;
        private Map<String, Scale> quantization;
        private AlreadyConverted alreadyConverted;
        private long malformedVectors;
        private long batchesWatched;
        private Long firstPassBatches;
        private String keyNamespace;
        private Map<String, Long> overflowed;
        private String serverRunId;
        private Long evictedAtRollback;
        private RollbackWatch rollbackWatch;
        private Long inPlace;
        private Origin origin;
        private Instant startedAt;
        private Instant updatedAt;

        Draft(BackupHeader header) {
            this.formatVersion = header.formatVersion;
            this.planId = header.planId;
            this.index = header.index;
            this.phase = header.phase;
            this.cursor = header.cursor;
            this.pendingCursor = header.pendingCursor;
            this.batchesBackedUp = header.batchesBackedUp;
            this.batchesApplied = header.batchesApplied;
            this.documentsBackedUp = header.documentsBackedUp;
            this.documentsRewritten = header.documentsRewritten;
            this.dataLength = header.dataLength;
            this.conflicts = header.conflicts;
            this.recallAt10 = header.recallAt10;
            this.recordsRestored = header.recordsRestored;
            this.documentsMissing = header.documentsMissing;
            this.quantization = header.quantization;
            this.alreadyConverted = header.alreadyConverted;
            this.malformedVectors = header.malformedVectors;
            this.batchesWatched = header.batchesWatched;
            this.firstPassBatches = header.firstPassBatches;
            this.keyNamespace = header.keyNamespace;
            this.overflowed = header.overflowed;
            this.serverRunId = header.serverRunId;
            this.evictedAtRollback = header.evictedAtRollback;
            this.rollbackWatch = header.rollbackWatch;
            this.inPlace = header.inPlace;
            this.origin = header.origin;
            this.startedAt = header.startedAt;
            this.updatedAt = header.updatedAt;
        }

        BackupHeader header() {
            return new BackupHeader(formatVersion, planId, index, phase, cursor, pendingCursor, batchesBackedUp,
                    batchesApplied, documentsBackedUp, documentsRewritten, dataLength, conflicts, recallAt10,
                    recordsRestored, documentsMissing, quantization, alreadyConverted, malformedVectors,
                    batchesWatched, firstPassBatches, keyNamespace, overflowed, serverRunId, evictedAtRollback,
                    rollbackWatch, inPlace, origin, startedAt, updatedAt);
        }
    }
}
