package dev.slipway.cli;

import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.internal.redis.SchemaProbeName;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders where a served name stands, for people:
 *
 * <pre>
 * products -&gt; products:v2 (alias, version 2)
 *   VERSION  PHYSICAL INDEX  STATE     EXISTS  DOCS  MEMORY
 *   1        products:v1     RETAINED  yes       60  9.1 KiB
 *   2        products:v2     ACTIVE    yes       60  9.4 KiB
 *   Migration: plan 3f9a1c2e0b7d4e15, COMPLETED
 *              steps done (6): adopt-baseline, ...
 *              owner host/pid 42, updated 2026-01-02T03:04:05Z
 *   Rollback:  (only after a rollback --index, until the next switch)
 *   Lock:      free
 *   Strays:    none
 * </pre>
 */
final class StatusPrinter {
    private static final String[] HEADINGS = {"VERSION", "PHYSICAL INDEX", "STATE", "EXISTS", "DOCS", "MEMORY"};
    /** Columns aligned right (numbers). */
    private static final boolean[] RIGHT = {false, false, false, false, true, true};

    /** Where the lines of the migration block start. */
    private static final String INDENT = " ".repeat(13);

    private final PrintWriter out;

    StatusPrinter(PrintWriter out) {
        this.out = out;
    }

    /** One block per name, separated by blank lines. */
    void statuses(List<IndexStatus> statuses) {
        for (int i = 0; i < statuses.size(); i++) {
            if (i > 0) {
                out.println();
            }
            status(statuses.get(i));
        }
    }

    /**
     * The served index when it is not the active version (the alias switched or removed by hand): the headline named
     * the active version's number beside the index served, and nothing said which to trust (tester session 55 R51 L1).
     */
    private void drift(IndexStatus status) {
        Optional<VersionStatus> active = status.versions().stream().filter(v -> v.state().equals("ACTIVE")
                && v.exists() && !v.physicalIndex().equals(status.name())).findFirst();
        if (active.isEmpty() || status.servedBy().filter(active.get().physicalIndex()::equals).isPresent()) {
            return;
        }
        String again = "'slipway rollback --index " + status.name() + " --to " + active.get().physicalIndex() + "'";
        if (status.servedBy().isEmpty()) {
            out.println("  Drift:     '" + status.name() + "' serves nothing: its alias was removed outside Slipway; "
                    + again + " puts it back");
        } else if (status.alias()) {
            out.println("  Drift:     '" + status.name() + "' serves " + status.servedBy().get() + ", not its active "
                    + "version " + active.get().physicalIndex() + " (the alias was switched outside Slipway); "
                    + again + " serves that again");
        }
    }

    /** The name, what serves it, its versions, the migration, the lock and strays. */
    void status(IndexStatus status) {
        out.println(headline(status));
        if (status.versions().isEmpty()) {
            // a zero-downtime migration discarded before its switch keeps no version either (tester session 52 R46
            // T2 F13: "no zero-downtime migration so far" beside the rollback line that discarded one)
            boolean discarded = status.lastRollback().filter(r -> r.action().equals("discarded")).isPresent();
            out.println("  Versions:  none (" + (discarded ? "the migration the rollback discarded had kept none"
                    : "no zero-downtime migration of '" + status.name() + "' so far; only those keep versions") + ")");
        } else {
            versions(status.versions());
            drift(status);
        }
        status.migration().ifPresentOrElse(m -> migration(status.name(), m, status.lockOwner().isEmpty()),
                () -> out.println("  Migration: none"));
        // what a rollback again does depends on the migration: only with none unfinished does it change nothing
        boolean settled = status.migration().map(m -> m.status().equals("COMPLETED")).orElse(true);
        status.lastRollback().ifPresent(r -> out.println("  Rollback:  " + switchedLine(r, settled,
                !status.versions().isEmpty())));
        out.println("  Lock:      " + status.lockOwner().map(owner -> "held by " + owner).orElse("free"));
        out.println("  Strays:    " + (status.strays().isEmpty() ? "none" : String.join(", ", status.strays())
                + " (named like versions or schema probes, but not in Slipway's history"
                + (status.strays().stream().anyMatch(SchemaProbeName::isAnyProbe) ? "; a slipway-probe index is "
                + "Slipway's throwaway index left by a killed run (one a running apply or validate uses is not "
                + "listed): the next apply, rollback, prune or validate of the index drops it, or drop it yourself "
                + "(FT.DROPINDEX without DD keeps the documents)" : "") + ")"));
    }

    /** {@code products -> products:v3 (alias, version 3)}, or why the name serves nothing. */
    static String headline(IndexStatus status) {
        if (status.servedBy().isEmpty()) {
            return status.name() + " -> nothing (no index or alias of this name exists)";
        }
        String kind = status.alias() ? "alias" : "index";
        String version = status.activeVersion().map(v -> "version " + v)
                .orElse(!status.versions().isEmpty() ? "no active version" : status.migration().isPresent()
                        ? "no versions: drop-recreate migrations change it in place" : "not managed by Slipway");
        return status.name() + " -> " + status.servedBy().get() + " (" + kind + ", " + version + ")";
    }

    private void versions(List<VersionStatus> versions) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADINGS);
        for (VersionStatus v : versions) {
            rows.add(new String[] {Integer.toString(v.version()), v.physicalIndex(), v.state(),
                    v.exists() ? "yes" : "no", v.exists() ? Long.toString(v.numDocs()) : "-",
                    v.exists() ? Units.bytes(v.memoryBytes()) : "-"});
        }
        int[] widths = new int[HEADINGS.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder(" ");
            for (int c = 0; c < row.length; c++) {
                String cell = RIGHT[c] ? " ".repeat(widths[c] - row[c].length()) + row[c]
                        : row[c] + " ".repeat(widths[c] - row[c].length());
                line.append(c == 0 ? " " : "  ").append(cell);
            }
            out.println(line.toString().stripTrailing());
        }
        for (VersionStatus v : versions) {
            if (!v.outdated().isEmpty() && !v.state().equals("DROPPED")) {
                wrap("Outdated: version " + v.version() + " " + v.outdated() + "; rollbacks skip it")
                        .forEach(line -> out.println("  " + line));
            }
        }
    }

    /** The status line of the latest rollback, and what running one again does. */
    private static String switchedLine(IndexStatus.RollbackStatus r, boolean settled, boolean versions) {
        String at = " at " + r.at();
        String again = settled ? "; 'rollback --index' again changes nothing" + (versions ? ", '--to <version>' goes "
                + "further" : "") : ""; // no version to go to (tester session 52 R46 T2 F13)
        return switch (r.action()) {
            case "discarded" -> "discarded the unfinished migration (plan " + r.planId() + ")" + at + again;
            case "restored" -> "undid the rewrite of plan " + r.planId() + " from its backup ('rollback --backup-dir')"
                    + (r.from().equals(r.to()) ? ", serving " + r.to() : ", from " + r.from() + " back to " + r.to())
                    + at + again;
            case "switched_forward" -> "switched forward from " + r.from() + " to " + r.to() + at
                    + " ('rollback --to')" + (settled ? "; 'rollback --index' switches back" : "");
            default -> "switched back from " + r.from() + " to " + r.to() + at + again;
        };
    }

    /**
     * The migration block; {@code unheld} when no process holds the lock, so that a migration still marked RUNNING
     * is said to have ended without recording it (tester session 35 R19 L3: a run stopped on losing its lock showed
     * RUNNING beside "Lock: free").
     */
    private void migration(String name, IndexStatus.MigrationStatus migration, boolean unheld) {
        out.println("  Migration: plan " + migration.planId() + ", " + migration.status());
        if (unheld && migration.status().equals("RUNNING")) {
            wrap("as last recorded, but no process holds its lock: the run ended without recording it (killed, or "
                    + "stopped on losing the lock); re-run 'slipway apply' with the same plan to resume")
                    .forEach(line -> out.println(INDENT + line));
        }
        String steps = "steps done (" + migration.completedSteps().size() + "): "
                + (migration.completedSteps().isEmpty() ? "none" : String.join(", ", migration.completedSteps()));
        wrap(steps).forEach(line -> out.println(INDENT + line));
        out.println(INDENT + "owner " + migration.owner() + ", updated " + migration.updatedAt());
        if (!migration.backupDir().isEmpty()) {
            out.println(INDENT + "rewrites documents; backup in " + migration.backupDir());
            if (!migration.rewrite().isEmpty()) {
                wrap("rewrite: " + migration.rewrite()).forEach(line -> out.println(INDENT + line));
            }
        }
        if (!migration.unservedSince().isEmpty()) { // tester session 33 R14 L2: status did not say the name was down
            wrap("'" + name + "' is not served since " + migration.unservedSince() + ", when the migration dropped it: "
                    + "queries fail until 'slipway apply' with the same plan creates the new index")
                    .forEach(line -> out.println(INDENT + line));
        }
        if (migration.evictedSince() > 0) { // tester session 33 R15 L2: status did not say
            wrap("the server EVICTED " + migration.evictedSince() + (migration.evictedSince() == 1 ? " key" : " keys")
                    + " since the migration began (INFO stats evicted_keys, every database): documents may be among "
                    + "them" + (migration.backupDir().isEmpty() ? "" : "; the backup holds the originals of the "
                    + "fields the rewrite changed") + ". Give the server room (maxmemory) before going on")
                    .forEach(line -> out.println(INDENT + line));
        }
        if (migration.status().equals("ROLLING_BACK")) {
            out.println(INDENT + "the rollback did not finish (or is running): documents are partly restored;");
            out.println(INDENT + "finish it with 'slipway rollback --backup-dir " + migration.backupDir() + "'");
        }
        if (migration.status().equals("COMPLETED") && !migration.completedSteps().contains("validate")) {
            wrap("every change is done, but its last validation (a re-run of 'slipway apply') failed: "
                    + "'slipway validate' with the same plan says why; re-running 'slipway apply' validates again "
                    + "and records the result").forEach(line -> out.println(INDENT + line));
        }
        if (migration.status().equals("STOPPED")) {
            out.println(INDENT + "stopped on request at a safe point; re-run 'slipway apply' with the same plan to "
                    + "resume");
        }
    }

    /** Breaks a long line between words so that, indented, it fits the help width; later lines indent more. */
    private static List<String> wrap(String text) {
        int width = UsageStyle.WIDTH - INDENT.length();
        List<String> lines = new ArrayList<>();
        String line = "";
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line);
                line = "  " + word;
            } else {
                line = line.isEmpty() ? word : line + " " + word;
            }
        }
        lines.add(line);
        return lines;
    }
}
