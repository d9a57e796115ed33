package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.apply.Evictions;
import dev.slipway.internal.io.Wording;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The parts of a rewrite's summary ({@link RewriteEngine}): what it read and rewrote, why it stopped near maxmemory,
 * and what it left as it was or changed in a way the user should check: vectors of unexpected length, vectors
 * already of the target length, values that became infinity, and batches an earlier run's write watch never judged.
 */
public final class RewriteSummary {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteSummary.class);

    private RewriteSummary() {
    }

    /**
     * What a run's new passes did, for its summary: passes made after restarts of the server, the first pass's
     * rewrites (-1 when this run's first pass was a new pass already) and the documents the new passes read.
     */
    record NewPasses(int afterRestarts, long firstPassRewrites, long readAgain) {
    }

    /**
     * The summary's opening: {@code rewrote 20000 documents (12000 of them this run, 2400 docs/s)}, or, when this
     * run made new passes ({@code passes} not null), what they read and rewrote.
     *
     * @param rewrites every run's rewrites, from the header
     * @param done     this run's rewrites, re-applied batches of a killed run left out
     * @param seconds  this run's time
     */
    static String rewrote(long rewrites, long done, double seconds, NewPasses passes) {
        if (passes == null) {
            String thisRun = done == 0 ? "none this run: earlier runs rewrote them"
                    : (done == rewrites ? "" : done + " of them this run, ") + Math.round(done / seconds) + " docs/s";
            return "rewrote " + rewrites + " documents (" + thisRun + ")";
        }
        // most documents of a new pass are in the new form already and produce nothing. After a restart during this
        // run's first pass, "rewrote the N still in the old form" counted that pass's rewrites too, as if the restart
        // had undone them (tester session 35 R19 L2); several restarts make a pass each, which together read more
        // documents than there are (tester R26 F-E)
        int count = passes.afterRestarts();
        String more = count > 1 ? ", and " + (count - 1) + " of the new passes too" : "";
        String first = passes.firstPassRewrites() < 0 ? "" : "rewrote " + passes.firstPassRewrites() + " documents, "
                + "then (the server restarted during that pass" + more + ") ";
        return first + "read " + passes.readAgain() + " documents again" + (count > 1 ? " in " + count + " passes" : "")
                + " (" + Math.round(passes.readAgain() / seconds) + " docs/s) and rewrote the "
                + (passes.firstPassRewrites() < 0 ? done : done - passes.firstPassRewrites())
                + " still in the old form; " + rewrites + " rewrites in all, a document rewritten in two passes "
                + "counting twice";
    }

    /**
     * What a rewrite stopped on request has done, and where a resumed run continues: {@code unjudged} documents
     * another client changed meanwhile, still in the old form, make it scan every document again.
     */
    static String stopped(BackupHeader header, long expected, Path backupDir, long unjudged) {
        // a later pass reads every document again, and the header counts every pass's rewrites together
        String done = header.laterPass()
                ? "in a new pass over every document; " + header.documentsRewritten() + " rewrites in all passes"
                : header.documentsRewritten() + " of about " + expected + " documents rewritten";
        return "The rewrite stopped after " + header.batchesApplied() + " batches (" + done + "; their originals are in "
                + backupDir + ")." + (unjudged == 0 ? "" : " " + unjudged + " documents another client changed "
                + "meanwhile were still in the old form, and whether the rewrite had reached them is not known yet, "
                + "so a resumed run scans every document again.");
    }

    /** Documents another client deleted, or whose rewritten field it removed, while they were rewritten. */
    static String goneMeanwhile(BatchReplies replies) {
        return (replies.vanished() > 0 ? "; " + replies.vanished() + " documents deleted or expired while being "
                + "rewritten were left deleted" + (replies.leftBehind() > 0 ? " (" + replies.leftBehind() + " of them "
                + "brought back in part by an earlier run's writes before it was killed, and deleted again)" : "")
                : "") + (replies.fieldsRemoved() > 0 ? "; " + replies.fieldsRemoved()
                + " documents whose rewritten field another client removed while they were rewritten were left "
                + "without it" : "");
    }

    /**
     * Why a rewrite stopped near a server's maxmemory ({@link MemoryCeiling}), with what became of the documents:
     * keys evicted meanwhile may be documents, so it never claims nothing was lost then (tester session 33 R14 H1).
     */
    static String nearMaxmemory(BackupHeader header, long expected, MemoryCeiling memory, Path backupDir) {
        long evicted = memory.evictedSince();
        return "The rewrite stopped after " + header.batchesApplied() + " batches (" + header.documentsRewritten()
                + " of about " + expected + " documents rewritten) near the server's maxmemory: " + memory.describe()
                + ". " + (evicted == 0
                ? "Nothing was lost: the documents rewritten so far are in the new form, the others as they were, "
                + "and their originals are in " + backupDir + "."
                : "The server EVICTED " + evicted + " keys since the migration began: "
                + Evictions.mayBeAmongThem("documents", memory.policy()) + ", gone from Redis, and the backup in "
                + backupDir + " holds only the fields the rewrite changed. "
                + "The other documents rewritten so far are in the new form, the rest as they were.")
                + " Raise maxmemory (CONFIG SET maxmemory) or free memory, then re-run "
                + "'slipway apply' with the same plan, which continues from here; or undo it with 'slipway rollback "
                + "--backup-dir " + backupDir + "'.";
    }

    /**
     * The warning about batches an earlier run's write watch never judged, for the summary and, once the rewrite is
     * done, for the reports of later runs (the checkpoint keeps the figures: tester session 28 saw the warning lost
     * when the run that gave it was killed before its report).
     */
    public static String unjudgedText(long batches, long documents) {
        return "an earlier run ended (killed, or unwatched) before its write watch had judged its last " + batches
                + " batches (" + documents + " documents): a write by another client to one of them between its "
                + "read and its rewrite may have been overwritten unseen (the values read are in the backup)";
    }

    /**
     * Finite values too large for a half-width target that became infinity ({@code header}'s count over every run,
     * {@code rewriter}'s this run; IEEE rounding, as every converter does; tester session 27, #3: it was silent),
     * said in the summary and logged as a warning; empty when there were none.
     */
    static String overflowed(BackupHeader header, DocumentRewriter rewriter, Path backupDir) {
        Map<String, Long> all = header.overflowed();
        if (all.isEmpty()) {
            return "";
        }
        Map<String, Long> thisRun = rewriter.overflowed();
        List<String> fields = all.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue() + " elements beyond "
                + range(rewriter.targetType(e.getKey())) + (thisRun.getOrDefault(e.getKey(), 0L)
                .equals(e.getValue()) ? "" : ", " + thisRun.getOrDefault(e.getKey(), 0L) + " of them this run"))
                .toList();
        String text = "values too large for the new datatype became infinity (" + String.join(", ", fields)
                + "), which vector search cannot compare; the originals are in " + backupDir;
        LOG.warn("Some vector values were too large for the new datatype and became infinity: {}", fields);
        return "; " + text;
    }

    /** A datatype's range, for the overflow summary (tester session 30: BFLOAT16 was given FLOAT16's). */
    static String range(String type) {
        return type + "'s range" + switch (type.toUpperCase(java.util.Locale.ROOT)) {
            case "FLOAT16" -> " (at most ±65504)";
            case "BFLOAT16" -> " (at most about ±3.39e38)";
            default -> "";
        };
    }

    /**
     * Vectors of neither length left as they are: the first pass's count ({@code header}'s, over this run and the
     * interrupted runs before it), and in a new pass ({@code rescanned}) the ones it read (the first pass's again,
     * and any written since), which the header does not add up so as not to count them twice.
     */
    static String malformedNote(boolean rescanned, long malformedThisRun, BackupHeader header, List<String> examples) {
        long malformed = header.malformedVectors();
        String such = examples.isEmpty() ? "" : "such as " + String.join(", ", examples);
        if (rescanned && malformedThisRun > 0) {
            return "; " + Wording.count(malformedThisRun, "vector", "vectors") + " of unexpected "
                    + "length read by this pass and left unchanged (" + malformed + " found by the first pass"
                    + (such.isEmpty() ? "" : ", " + such) + ")";
        }
        // a resumed run that met none of them keeps their count, not their names (the SCAN order put every one in
        // the part before the stop, as it did once in CI): it says so rather than name none
        return malformed > 0 ? "; " + Wording.count(malformed, "vector", "vectors") + " of unexpected length left "
                + "unchanged (" + (such.isEmpty() ? "all found before an interruption; this run kept their count, not "
                + "their keys" : such) + ")" : "";
    }

    /**
     * Vectors found with the target length and left as they are, by this run and the interrupted runs before it
     * (see {@link BackupHeader.AlreadyConverted}). A source vector of half the dimensions (float32 to float16) has
     * that length too, so the user is told which, to check them.
     */
    static String alreadyConverted(BackupHeader header, RewriteSpec spec) {
        BackupHeader.AlreadyConverted found = header.alreadyConverted();
        if (found.vectors() == 0) {
            return "";
        }
        RewriteSpec.VectorConversion first = spec.conversions().get(0);
        return "; " + found.vectors() + " vectors already had the " + first.to() + " length when this migration "
                + "first read them and were left as they are (such as " + String.join(", ", found.examples())
                + "): written so by the application, or a " + first.from() + " vector of the wrong length, which "
                + "looks the same; check them if the application never wrote " + first.to();
    }
}
