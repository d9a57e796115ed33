package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.io.Wording;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The parts of a rewrite's summary ({@link RewriteEngine}) that tell the user about documents it left as they were
 * or changed in a way they should check: vectors of unexpected length, vectors already of the target length, values
 * that became infinity, and batches an earlier run's write watch never judged.
 */
public final class RewriteSummary {
    private static final Logger LOG = LoggerFactory.getLogger(RewriteSummary.class);

    private RewriteSummary() {
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
    static String malformedNote(boolean rescanned, long malformedThisRun, BackupHeader header) {
        long malformed = header.malformedVectors();
        if (rescanned && malformedThisRun > 0) {
            return "; " + Wording.count(malformedThisRun, "vector", "vectors") + " of unexpected "
                    + "length read by this pass and left unchanged (" + malformed + " found by the first pass)";
        }
        return malformed > 0 ? "; " + malformed + " vectors of unexpected length left unchanged" : "";
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
