package dev.slipway.internal.apply;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.OldFormScan;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.schema.IndexInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * Validation's scans after a rewrite for documents a client wrote in the form the rewrite moved away from since:
 * vectors of the old datatype ({@code old-vectors}), keys under the old prefix or renamed fields under their old
 * name ({@code old-form}). They look only at the documents {@code filterScope} admits; when its throwaway index could
 * not be built, they are "not checked".
 */
final class OldFormChecks {
    /** Keys per SCAN page of the searches. */
    private static final int SCAN_PAGE = 500;

    private final RedisSession session;
    private final FilterScope filterScope;
    private final String scopeRefused;
    private final int maxRetries;
    private final ProgressListener progress;
    private final String backupDir;
    private OldVectorScan.Result oldVectors;

    OldFormChecks(RedisSession session, FilterScope filterScope, String scopeRefused, int maxRetries,
                  ProgressListener progress, String backupDir) {
        this.session = session;
        this.filterScope = filterScope;
        this.scopeRefused = scopeRefused;
        this.maxRetries = maxRetries;
        this.progress = progress;
        this.backupDir = backupDir;
    }

    /** What {@link #vectors} found, once it ran and scanned; null otherwise. */
    OldVectorScan.Result oldVectors() {
        return oldVectors;
    }

    /**
     * After more documents failed to index than before, whether a client wrote vectors of the old datatype into
     * fields the migration converted (the usual cause: an application that still writes the old format). Names
     * them and says whether re-running apply converts them ({@link OldVectorScan}).
     */
    ValidationCheck vectors(RewriteSpec rewrite, IndexInfo info) {
        if (!scopeRefused.isEmpty()) {
            return scopeNotChecked("old-vectors", "no vectors of the old datatype");
        }
        OldVectorScan.Result found = OldVectorScan.run(rewrite, filterScope, info.schema().prefixes(),
                session.endpoint(), SCAN_PAGE, maxRetries, info.stats().documents(), progress);
        oldVectors = found;
        String actual = found.found() + " of " + found.documentsChecked() + " documents";
        if (found.found() == 0) {
            return new ValidationCheck("old-vectors", true, "no vectors of the old datatype", actual, "");
        }
        String named = String.join(", ", found.examples()) + (found.found() > found.examples().size() ? " and "
                + (found.found() - found.examples().size()) + " more" : "");
        String what = MigrationValidator.documents(found.found(), "holds", "hold") + " a vector of the old datatype "
                + "again (" + OldVectorScan.describe(rewrite) + "), so the new index cannot index them; a client wrote "
                + "them in the old format after their rewrite (or a server restart lost the rewrite's writes to "
                + "them): " + named + ". ";
        String next = found.repairable() ? "Make the application write the new datatype, then re-run 'slipway "
                + "apply' with the same plan: it rewrites them, backing up their current values first"
                : found.outsideRewrite() + " of them are where the rewrite does not look (under the new prefix, "
                + "or in a renamed field), so re-running apply cannot convert them: write them in the new datatype, "
                + "or roll back with 'slipway rollback --backup-dir " + backupDir + "'";
        return new ValidationCheck("old-vectors", false, "no vectors of the old datatype", actual, what + next,
                found.examples());
    }

    /**
     * After a rewrite that moved keys to a new prefix or renamed hash fields, whether a client wrote documents in the
     * form it moved away from since ({@link OldFormScan}): the new index does not find them, or not their new values.
     */
    ValidationCheck form(RewriteSpec rewrite, IndexInfo info) {
        if (!scopeRefused.isEmpty()) {
            return scopeNotChecked("old-form", "no documents in the form the rewrite moved away from");
        }
        OldFormScan.Result found = OldFormScan.run(rewrite, filterScope, info.schema().prefixes(),
                session.endpoint(), SCAN_PAGE, maxRetries, info.stats().documents(), progress);
        String actual = found.found() + " of " + found.documentsChecked() + " documents";
        if (found.found() == 0) {
            return new ValidationCheck("old-form", true, "no documents in the form the rewrite moved away from",
                    actual, "");
        }
        String named = String.join(", ", found.examples()) + (found.found() > found.examples().size() ? " and "
                + (found.found() - found.examples().size()) + " more" : "");
        List<String> what = new ArrayList<>();
        if (found.underOldPrefix() > 0) {
            what.add(found.underOldPrefix() + " under the old prefix, which the new index does not cover");
        }
        if (found.withOldFields() > 0) {
            what.add(found.withOldFields() + " holding a renamed field under its old name, whose value the new "
                    + "index does not read");
        }
        return new ValidationCheck("old-form", false, "no documents in the form the rewrite moved away from", actual,
                MigrationValidator.documents(found.found(), "is", "are") + " in the form the rewrite moved away from ("
                + String.join("; ", what) + "): a client wrote them after their rewrite, so the application still "
                + "writes the old form (or a server restart lost the rewrite's writes to them): " + named + ". Make "
                + "the application write the new form, then move them "
                + "(RENAME to the new prefix, or " + (rewrite.storage() == StorageType.HASH ? "HSET the new field and "
                + "HDEL the old one" : "JSON.SET the new path and JSON.DEL the old one") + "), or roll back with "
                + "'slipway rollback --backup-dir " + backupDir + "', which asks before it overwrites documents "
                + "changed since the migration", found.exampleKeys());
    }

    private ValidationCheck scopeNotChecked(String name, String expected) {
        return ValidationCheck.notChecked(name, expected, "the documents the index's FILTER admits, "
                + "which this scan reads, could not be told: " + scopeRefused + ". Free memory or raise maxmemory (or "
                + "run as a user allowed INFO), then run 'slipway validate' again");
    }
}
