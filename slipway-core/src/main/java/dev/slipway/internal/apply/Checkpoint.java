package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The persisted progress of one migration, written after every step so that a re-run resumes after the last
 * completed step.
 *
 * @param planId         the plan being applied
 * @param index          the index name the migration works on
 * @param status         running, failed, completed, or rolling back from the backup
 * @param completedSteps names of completed steps, in order
 * @param marks          named instants (epoch millis) used to measure downtime across restarts, and named figures
 *                       measured when the migration began ({@link #SOURCE_FAILURES}); kept across restarts
 * @param owner          who last wrote it
 * @param updatedAt      when it was last written
 * @param backupDir      the absolute backup directory of a rewrite ({@code ""} when none); a resumed run must
 *                       use the same one
 */
public record Checkpoint(String planId, String index, Status status, List<String> completedSteps,
                         Map<String, Long> marks, String owner, Instant updatedAt, String backupDir) {

    /**
     * The figure of the source index's indexing failures of keys that existed when the first run began, before it
     * changed anything (the server also counts failures of keys deleted or mended since); validation allows the
     * new index that many instead of the failures the source reported. Absent when the source reported none, or its
     * keys could not be counted (a FILTER, writes that kept moving the count).
     */
    public static final String SOURCE_FAILURES = "source_failures_of_existing_keys";
    /** The server's {@code evicted_keys} when the migration began (see {@link Evictions}). */
    public static final String EVICTED_KEYS = "evicted_keys_at_start";
    /**
     * 1 when the server had a {@code maxmemory} and used 90% of it or more when the migration began, before it
     * dropped anything (an LRU cache kept full by evictions): its drop-recreate build and rewrite are not stopped by
     * the memory guards, which would stop every one there, even one that needs no more memory than before, with the
     * index down (tester session 32 R13). Absent otherwise.
     */
    public static final String FULL_AT_START = "above_memory_line_at_start";

    /**
     * The batches and documents of a rewrite that an earlier run's write watch never judged (that run was killed),
     * as the run that finished the rewrite found them; every later report of the migration repeats the warning.
     */
    public static final String UNJUDGED_BATCHES = "rewrite_batches_not_watched";
    /** See {@link #UNJUDGED_BATCHES}. */
    public static final String UNJUDGED_DOCUMENTS = "rewrite_documents_not_watched";

    /** Where a migration stands. */
    public enum Status {
        /** Steps are running, or the process died while they ran. */
        RUNNING,
        /** A step failed; re-running resumes at that step. */
        FAILED,
        /** Every step completed. */
        COMPLETED,
        /** The run stopped on request at a safe point; re-running resumes there. */
        STOPPED,
        /**
         * A rollback from the backup directory is restoring the documents, or stopped while it did: they are partly
         * restored, and only finishing that rollback may touch the index. The finished rollback deletes the
         * checkpoint.
         */
        ROLLING_BACK
    }

    /** Copies the collections. */
    public Checkpoint {
        completedSteps = List.copyOf(completedSteps);
        marks = Map.copyOf(marks);
        backupDir = backupDir == null ? "" : backupDir;
    }

    /** A new checkpoint with nothing done. */
    public static Checkpoint start(String planId, String index, String owner) {
        return new Checkpoint(planId, index, Status.RUNNING, List.of(), Map.of(), owner, Instant.now(), "");
    }

    /** Whether the named step is done. */
    public boolean isDone(String step) {
        return completedSteps.contains(step);
    }

    /** A copy with one more completed step (a step done again, such as a re-run's validation, is listed once). */
    public Checkpoint withStepDone(String step) {
        List<String> steps = new ArrayList<>(completedSteps);
        if (!steps.contains(step)) {
            steps.add(step);
        }
        return new Checkpoint(planId, index, status, steps, marks, owner, Instant.now(), backupDir);
    }

    /** A copy in which the named step is to run again (a rewrite reopened by validation). */
    public Checkpoint withStepUndone(String step) {
        List<String> steps = new ArrayList<>(completedSteps);
        steps.remove(step);
        return new Checkpoint(planId, index, status, steps, marks, owner, Instant.now(), backupDir);
    }

    /** A copy with a mark set to now (kept if already set, so a resumed run measures from the first time). */
    public Checkpoint withMark(String name) {
        Map<String, Long> copy = new LinkedHashMap<>(marks);
        copy.putIfAbsent(name, System.currentTimeMillis());
        return new Checkpoint(planId, index, status, completedSteps, copy, owner, Instant.now(), backupDir);
    }

    /** A copy without the named marks (a step undone: its marks are set again when it runs again). */
    public Checkpoint withoutMarks(String... names) {
        Map<String, Long> copy = new LinkedHashMap<>(marks);
        for (String name : names) {
            copy.remove(name);
        }
        return new Checkpoint(planId, index, status, completedSteps, copy, owner, Instant.now(), backupDir);
    }

    /** A copy with a figure recorded under a name in the marks, replacing what was there (a running total). */
    public Checkpoint withFigureNow(String name, long value) {
        Map<String, Long> copy = new LinkedHashMap<>(marks);
        copy.put(name, value);
        return new Checkpoint(planId, index, status, completedSteps, copy, owner, Instant.now(), backupDir);
    }

    /** A copy with a figure recorded under a name, in the marks (kept if already set: the first run measured it). */
    public Checkpoint withFigure(String name, long value) {
        Map<String, Long> copy = new LinkedHashMap<>(marks);
        copy.putIfAbsent(name, value);
        return new Checkpoint(planId, index, status, completedSteps, copy, owner, Instant.now(), backupDir);
    }

    /** A copy with another status. */
    public Checkpoint withStatus(Status newStatus) {
        return new Checkpoint(planId, index, newStatus, completedSteps, marks, owner, Instant.now(), backupDir);
    }

    /** A copy owned by another process (a resumed run). */
    public Checkpoint ownedBy(String newOwner) {
        return new Checkpoint(planId, index, status, completedSteps, marks, newOwner, Instant.now(), backupDir);
    }

    /**
     * Refuses anything but finishing the rollback while one is unfinished; {@code refused} says what was asked
     * (e.g. "apply"), and nothing has been changed.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} when this checkpoint is {@link Status#ROLLING_BACK}
     */
    public void refuseWhileRollingBack(String refused) {
        if (status == Status.ROLLING_BACK) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "A rollback of '" + index + "' from its backup (plan "
                    + planId + ") did not finish: the documents are partly restored and the index is not rebuilt. "
                    + "Refused " + refused + "; nothing was changed. Finish it first with 'slipway rollback "
                    + "--backup-dir " + (backupDir.isEmpty() ? "<dir>" : backupDir) + "'.");
        }
    }

    /**
     * What to do about this unfinished migration before another plan of the index can run: finish it, or undo it
     * (a drop-recreate that dropped the index and rewrote nothing can only be finished). For messages; tester session
     * 40 R29 L4: the refusal named only finishing, which a migration that can never pass validation cannot do.
     */
    public String finishOrUndo() {
        String finish = "finish it by re-running 'slipway apply' with that plan" + (backupDir.isEmpty() ? ""
                : " and --backup-dir " + backupDir);
        if (!backupDir.isEmpty()) {
            return finish + ", or undo it with 'slipway rollback --backup-dir " + backupDir + "'";
        }
        return isDone("drop-index") ? finish + " (its index was dropped, so there is nothing to switch back to)"
                : finish + ", or discard it with 'slipway rollback --index " + index + "'";
    }

    /** A copy recording the backup directory. */
    public Checkpoint withBackupDir(String dir) {
        return new Checkpoint(planId, index, status, completedSteps, marks, owner, Instant.now(), dir);
    }
}
