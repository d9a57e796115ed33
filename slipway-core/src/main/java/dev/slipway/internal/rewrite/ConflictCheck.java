package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.vector.QuantizationScale;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds, before a rewrite begins, the documents it would have to leave unchanged because rewriting them would
 * overwrite data: a field (or JSON path) a rename moves into that already holds something else, or a new key name
 * that is taken, under a new prefix that extends the old one. (A new prefix apart from the old one is refused
 * earlier, when any key is under it.) The rewrite finds them too, but only after the index was dropped, which then
 * stays down until they are resolved; found here, they cost a refusal with nothing changed.
 *
 * <p>It reads little on the usual path: per SCAN page only the fields a rename moves into (absent in a document
 * not rewritten yet), and whether the moved keys' new names exist. Only documents where something is there are
 * read in full and planned by {@link DocumentRewriter} itself, so the check and the rewrite judge a conflict by one
 * rule. A document changed after the check can still conflict; the rewrite then reports it as before.
 */
public final class ConflictCheck {
    /** How many conflicting documents a result names. */
    public static final int EXAMPLES = 20;

    private final RewriteSpec spec;
    private final KeyScope scope;
    private final KeyMove keyMove;
    private final int pageSize;
    private final List<String> targets;
    private final List<String> examples = new ArrayList<>();
    private DocumentRewriter rewriter;
    private BatchReader reader;
    private long conflicts;
    private long inPlace;
    private final List<String> inPlaceExamples = new ArrayList<>();

    /**
     * What the check found.
     *
     * @param documentsChecked documents looked at
     * @param conflicts        documents the rewrite would leave unchanged
     * @param examples         the first {@value #EXAMPLES} of them, as "key: reason"
     * @param inPlace          documents whose key is already under a new prefix that extends the old one, so that
     *                         they are rewritten in place and not moved ("doc:v2:7" with "doc:" to "doc:v2:")
     * @param inPlaceExamples  the first few of their keys
     */
    public record Result(long documentsChecked, long conflicts, List<String> examples, long inPlace,
                         List<String> inPlaceExamples) {
        static final Result NOTHING = new Result(0, 0, List.of(), 0, List.of());
    }

    private ConflictCheck(RewriteSpec spec, FilterScope filter, int pageSize) {
        this.spec = spec;
        this.scope = KeyScope.of(spec).filteredBy(filter);
        this.keyMove = KeyMove.of(spec);
        this.pageSize = pageSize;
        this.targets = spec.fieldMoves().stream().map(FieldMove::to).distinct().toList();
    }

    /**
     * Whether a rewrite can conflict with data in a way only a read of every document shows: it renames fields, or
     * moves keys to a prefix that extends the old one.
     */
    private static boolean needed(RewriteSpec spec) {
        return !spec.fieldMoves().isEmpty() || KeyMove.of(spec).extending();
    }

    /**
     * Checks every document the rewrite covers (those {@code filter} admits), {@code pageSize} keys per SCAN page,
     * showing progress.
     */
    public static Result run(RewriteSpec spec, FilterScope filter, RedisEndpoint endpoint, int pageSize,
                             int maxRetries, ProgressListener progress, StopSignal stop) {
        if (!needed(spec)) {
            return Result.NOTHING;
        }
        try (WorkerPool workers = WorkerPool.open(endpoint, 1, maxRetries).stoppedBy(stop)) {
            return KeyScope.acrossRestarts(() -> new ConflictCheck(spec, filter, pageSize).scan(workers, progress,
                    stop));
        } catch (JedisDataException e) {
            throw new SlipwayException(ErrorCode.REDIS_ERROR, "Redis rejected a read of the check for documents in "
                    + "the way of this rewrite: " + e.getMessage() + ". Nothing was changed; if the plan is older "
                    + "than this Slipway, make it again with 'slipway plan'.", e);
        }
    }

    private Result scan(WorkerPool workers, ProgressListener progress, StopSignal stop) {
        String type = spec.storage().keyType();
        long checked;
        try (ProgressTask task = ProgressTask.begin(progress, "checking for conflicts", spec.documents(), "docs")) {
            checked = scope.forEachPage(workers, pageSize, type, task, stop,
                    "The check for data in the way of the rewrite", keys -> {
                        countInPlace(keys);
                        checkPage(workers, keys);
                    });
            task.finished();
        }
        return new Result(checked, conflicts, List.copyOf(examples), inPlace, List.copyOf(inPlaceExamples));
    }

    private void countInPlace(List<byte[]> keys) {
        for (byte[] key : keys) {
            if (keyMove.alreadyUnderTarget(key)) {
                inPlace++;
                if (inPlaceExamples.size() < 3) {
                    inPlaceExamples.add(DocumentRewriter.shown(key));
                }
            }
        }
    }

    /** Plans in full only the documents of the page where the cheap reads found something in the way. */
    private void checkPage(WorkerPool workers, List<byte[]> keys) {
        List<byte[]> suspects = suspects(workers, keys);
        if (suspects.isEmpty()) {
            return;
        }
        if (rewriter == null) {
            Map<String, QuantizationScale> scales = ScaleChoice.preview(spec, workers, scope, pageSize);
            rewriter = new DocumentRewriter(spec, scales);
            rewriter.samplePerBatch(0);
            reader = new BatchReader(spec, workers, rewriter, scope, pageSize, new StageClock());
        }
        DocumentRewriter.BatchChanges changes = rewriter.plan(reader.read(suspects));
        conflicts += changes.conflicts().size();
        for (String conflict : changes.conflicts()) {
            if (examples.size() < EXAMPLES) {
                examples.add(conflict);
            }
        }
    }

    /** The keys whose rename targets hold something, or whose new name exists. */
    private List<byte[]> suspects(WorkerPool workers, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return List.of();
        }
        boolean[] suspect = new boolean[keys.size()];
        if (!targets.isEmpty()) {
            markOccupiedTargets(workers, keys, suspect);
        }
        if (keyMove.extending()) {
            boolean[] taken = BatchReader.newNamesTaken(workers, keyMove, keys);
            for (int i = 0; i < keys.size(); i++) {
                suspect[i] |= taken[i];
            }
        }
        List<byte[]> found = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (suspect[i]) {
                found.add(keys.get(i));
            }
        }
        return found;
    }

    private void markOccupiedTargets(WorkerPool workers, List<byte[]> keys, boolean[] suspect) {
        if (spec.storage() == StorageType.HASH) {
            List<byte[][]> values = workers.read(store -> store.readHashFields(keys, targets));
            for (int i = 0; i < keys.size(); i++) {
                suspect[i] = anyPresent(values.get(i));
            }
        } else {
            List<String> replies = workers.read(store -> store.readJson(keys, targets));
            for (int i = 0; i < keys.size(); i++) {
                suspect[i] = replies.get(i) != null && anyPresent(DocumentRewriter.jsonValues(targets,
                        replies.get(i)));
            }
        }
    }

    private static boolean anyPresent(byte[][] values) {
        for (byte[] value : values) {
            if (value != null) {
                return true;
            }
        }
        return false;
    }
}
