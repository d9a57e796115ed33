package dev.slipway.cli;

import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.VersionStatus;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class StatusPrinterTest {
    private final StringWriter text = new StringWriter();
    private final StatusPrinter printer = new StatusPrinter(new PrintWriter(text, true));

    @Test
    void managedAliasWithVersionsAndACompletedMigration() {
        IndexStatus status = new IndexStatus("products", Optional.of("products:v3"), true, Optional.of(3),
                List.of(new VersionStatus(1, "products:v1", "DROPPED", false, 0, 0, "aaa"),
                        new VersionStatus(2, "products:v2", "RETAINED", true, 60, 9_420, "bbb"),
                        new VersionStatus(3, "products:v3", "ACTIVE", true, 1_060, 2_500_000, "ccc")),
                Optional.of(new IndexStatus.MigrationStatus("ccc", "COMPLETED", List.of("create-shadow-index",
                        "switch-alias", "validate"), "host-1/pid 42", "2026-01-02T03:04:05Z", "")),
                Optional.empty(), List.of());

        printer.status(status);

        assertThat(text.toString().lines()).containsExactly(
                "products -> products:v3 (alias, version 3)",
                "  VERSION  PHYSICAL INDEX  STATE     EXISTS  DOCS   MEMORY",
                "  1        products:v1     DROPPED   no         -        -",
                "  2        products:v2     RETAINED  yes       60  9.2 KiB",
                "  3        products:v3     ACTIVE    yes     1060  2.4 MiB",
                "  Migration: plan ccc, COMPLETED",
                "             steps done (3): create-shadow-index, switch-alias, validate",
                "             owner host-1/pid 42, updated 2026-01-02T03:04:05Z",
                "  Lock:      free",
                "  Strays:    none");
    }

    /** Tester session 55 R51 L1: "products -> products:v2 (alias, version 3)" and nothing said which to trust. */
    @Test
    void aServedIndexThatIsNotTheActiveVersionIsNamed() {
        List<VersionStatus> versions = List.of(new VersionStatus(2, "products:v2", "RETAINED", true, 60, 9_420, "b"),
                new VersionStatus(3, "products:v3", "ACTIVE", true, 60, 9_420, "c"));
        printer.status(new IndexStatus("products", Optional.of("products:v2"), true, Optional.of(3), versions,
                Optional.empty(), Optional.empty(), List.of()));
        printer.status(new IndexStatus("products", Optional.empty(), false, Optional.of(3), versions,
                Optional.empty(), Optional.empty(), List.of()));
        printer.status(new IndexStatus("products", Optional.of("products:v3"), true, Optional.of(3), versions,
                Optional.empty(), Optional.empty(), List.of()));

        assertThat(text.toString().lines().filter(l -> l.startsWith("  Drift:"))).containsExactly(
                "  Drift:     'products' serves products:v2, not its active version products:v3 (the alias was "
                        + "switched outside Slipway); 'slipway rollback --index products --to products:v3' serves "
                        + "that again",
                "  Drift:     'products' serves nothing: its alias was removed outside Slipway; 'slipway rollback "
                        + "--index products --to products:v3' puts it back");
    }

    @Test
    void aVersionOutdatedByARewriteIsNamedUnderTheTable() {
        IndexStatus status = new IndexStatus("products", Optional.of("products:v2"), true, Optional.of(2),
                List.of(new VersionStatus(0, "products", "DROPPED", false, 0, 0, "", "was built before ..."),
                        new VersionStatus(1, "products:v1", "RETAINED", true, 0, 9_420, "aaa",
                                "was built before plan bbb rewrote the documents (version 2 on), so it cannot serve "
                                        + "them"),
                        new VersionStatus(2, "products:v2", "ACTIVE", true, 60, 9_420, "bbb")),
                Optional.empty(), Optional.empty(), List.of());

        printer.status(status);

        assertThat(String.join(" ", text.toString().lines().toList()).replaceAll(" +", " "))
                .contains("2 products:v2 ACTIVE yes 60 9.2 KiB Outdated: version 1 was built before plan bbb "
                        + "rewrote the documents (version 2 on), so it cannot serve them; rollbacks skip it "
                        + "Migration: none")
                .as("a dropped one is not named").doesNotContain("version 0");
    }

    @Test
    void aCompletedMigrationWhoseLastValidationFailedSaysSo() {
        IndexStatus status = new IndexStatus("docs", Optional.of("docs"), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "COMPLETED", List.of("drop-index",
                        "rewrite-documents", "create-index"), "me", "now", "")), Optional.empty(), List.of());

        printer.status(status);

        assertThat(text.toString().lines().findFirst().orElseThrow()).as("not 'not managed by Slipway' above its "
                + "migration (tester session 48 R43 T1 F5)").isEqualTo("docs -> docs (index, no versions: "
                + "drop-recreate migrations change it in place)");
        assertThat(String.join(" ", text.toString().lines().toList()).replaceAll(" +", " "))
                .contains("steps done (3): drop-index, rewrite-documents, create-index owner me, updated now "
                        + "every change is done, but its last validation (a re-run of 'slipway apply') failed: "
                        + "'slipway validate' with the same plan says why;");
    }

    @Test
    void manyCompletedStepsWrapToTheWidthOfHelp() {
        List<String> steps = IntStream.rangeClosed(1, 12).mapToObj(i -> "wait-for-indexing:products:v" + i).toList();
        IndexStatus status = new IndexStatus("products", Optional.of("products:v2"), true, Optional.of(2), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "RUNNING", steps, "me", "now", "")), Optional.empty(),
                List.of());

        printer.status(status);

        List<String> lines = text.toString().lines().toList();
        assertThat(lines).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(UsageStyle.WIDTH));
        assertThat(lines.stream().filter(line -> line.startsWith("             ")).count()).isGreaterThan(3);
        assertThat(String.join(" ", lines).replaceAll(" +", " "))
                .contains("steps done (12): " + String.join(", ", steps))
                .as("RUNNING with the lock free (tester session 35 R19 L3)")
                .contains("Migration: plan p, RUNNING as last recorded, but no process holds its lock: the run ended "
                        + "without recording it");
    }

    @Test
    void aRewriteSaysWhereItStands() {
        IndexStatus status = new IndexStatus("docs", Optional.of("docs"), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "FAILED", List.of("drop-index", "create-index"),
                        "me", "now", "/backups/docs", "a new pass over every document is due or under way: 3 "
                        + "documents backed up, 3 rewrites")), Optional.empty(), List.of());

        printer.status(status);

        assertThat(text.toString().lines()).contains(
                "             rewrites documents; backup in /backups/docs",
                "             rewrite: a new pass over every document is due or under way: 3 documents backed up, 3",
                "               rewrites");
    }

    /** A drop-recreate stopped between its drop and its new index: the name is down, and since when (R14 L2). */
    @Test
    void aNameTheMigrationDroppedIsSaidToBeUnserved() {
        IndexStatus status = new IndexStatus("docs", Optional.empty(), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "FAILED", List.of("drop-index"), "me", "now", "",
                        "", "2026-11-23T12:00:00Z")), Optional.empty(), List.of());

        printer.status(status);

        assertThat(String.join(" ", text.toString().lines().toList()).replaceAll(" +", " ")).contains("'docs' is "
                + "not served since 2026-11-23T12:00:00Z, when the migration dropped it: queries fail until 'slipway "
                + "apply' with the same plan creates the new index");
    }

    /** Keys evicted since the migration began are said (R15 L2); none, nothing is said. */
    @Test
    void keysEvictedSinceTheMigrationBeganAreSaid() {
        IndexStatus status = new IndexStatus("docs", Optional.empty(), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "FAILED", List.of("drop-index"), "me", "now",
                        "/b", "", "", 3_300)), Optional.empty(), List.of());

        printer.status(status);

        assertThat(String.join(" ", text.toString().lines().toList()).replaceAll(" +", " ")).contains("the server "
                + "EVICTED 3300 keys since the migration began (INFO stats evicted_keys, every database): documents "
                + "may be among them; the backup holds the originals of the fields the rewrite changed");
        text.getBuffer().setLength(0);
        printer.status(new IndexStatus("docs", Optional.empty(), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "FAILED", List.of("drop-index"), "me", "now",
                        "/b", "", "", 0)), Optional.empty(), List.of()));
        assertThat(text.toString()).doesNotContain("EVICTED");
    }

    @Test
    void anUnfinishedRollbackNamesItsBackupAndTheCommandThatFinishesIt() {
        IndexStatus status = new IndexStatus("docs", Optional.empty(), false, Optional.empty(), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p", "ROLLING_BACK", List.of("rewrite-documents"), "me",
                        "now", "/backups/docs")), Optional.empty(), List.of());

        printer.status(status);

        assertThat(text.toString().lines()).contains(
                "  Migration: plan p, ROLLING_BACK",
                "             rewrites documents; backup in /backups/docs",
                "             the rollback did not finish (or is running): documents are partly restored;",
                "             finish it with 'slipway rollback --backup-dir /backups/docs'");
    }

    @Test
    void aRewriteUndoneFromItsBackupIsNamedAsTheLatestRollback() {
        IndexStatus status = new IndexStatus("docs", Optional.of("docs:v2"), true, Optional.of(2), List.of(),
                Optional.empty(), Optional.empty(), List.of(), Optional.of(new IndexStatus.RollbackStatus("restored",
                "docs:v3", "docs:v2", "p7", "2026-01-02T03:04:05Z")));

        printer.status(status);

        assertThat(text.toString().lines()).contains("  Rollback:  undid the rewrite of plan p7 from its backup "
                + "('rollback --backup-dir'), from docs:v3 back to docs:v2 at 2026-01-02T03:04:05Z; 'rollback "
                + "--index' again changes nothing");
    }

    /**
     * A first zero-downtime migration discarded before its switch leaves no version: the status says so, not that
     * there was no such migration, and does not offer '--to' (tester session 52 R46 T2 F13).
     */
    @Test
    void aDiscardedFirstMigrationLeavesNoVersionAndNoWayFurther() {
        IndexStatus status = new IndexStatus("big", Optional.of("big"), false, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), List.of(), Optional.of(new IndexStatus.RollbackStatus(
                "discarded", "big", "big", "p9", "2026-01-02T03:04:05Z")));

        printer.status(status);

        assertThat(text.toString().lines()).contains("  Versions:  none (the migration the rollback discarded had "
                + "kept none)", "  Rollback:  discarded "
                + "the unfinished migration (plan p9) at 2026-01-02T03:04:05Z; 'rollback --index' again changes "
                + "nothing");
    }

    /** With a migration unfinished, a rollback again does something (discards it, or is refused): not promised. */
    @Test
    void theLatestRollbackPromisesNothingWhileAMigrationIsUnfinished() {
        IndexStatus status = new IndexStatus("docs", Optional.of("docs:v2"), true, Optional.of(2), List.of(),
                Optional.of(new IndexStatus.MigrationStatus("p8", "RUNNING", List.of(), "me", "now", "")),
                Optional.empty(), List.of(), Optional.of(new IndexStatus.RollbackStatus("restored", "docs:v3",
                "docs:v2", "p7", "2026-01-02T03:04:05Z")));

        printer.status(status);

        assertThat(text.toString().lines()).contains("  Rollback:  undid the rewrite of plan p7 from its backup "
                + "('rollback --backup-dir'), from docs:v3 back to docs:v2 at 2026-01-02T03:04:05Z");
    }

    @Test
    void lockHolderAndStraysAreNamed() {
        IndexStatus status = new IndexStatus("products", Optional.of("products:v2"), true, Optional.of(2),
                List.of(new VersionStatus(2, "products:v2", "ACTIVE", true, 5, 100, "b")), Optional.empty(),
                Optional.of("host-2/pid 7 plan 1234"), List.of("products:v9"));

        printer.status(status);

        assertThat(text.toString()).contains("  Migration: none\n".replace("\n", System.lineSeparator()))
                .contains("  Lock:      held by host-2/pid 7 plan 1234")
                .contains("  Strays:    products:v9 (named like versions or schema probes, but not in Slipway's history)");
    }

    /** A throwaway index a killed run left behind is said to be one, and how it goes (tester session 36 R21 L4). */
    @Test
    void aLeftoverProbeIsExplained() {
        IndexStatus status = new IndexStatus("products", Optional.of("products"), false, Optional.empty(),
                List.of(), Optional.empty(), Optional.empty(),
                List.of("slipway-probe:products:00000000-0000-0000-0000-000000000000"));

        printer.status(status);

        assertThat(text.toString()).contains("a slipway-probe index is Slipway's throwaway index left by a killed "
                + "run (one a running apply or validate uses is not listed): the next apply, rollback, prune or "
                + "validate of the index drops it");
    }

    @Test
    void plainIndexIsNotManaged() {
        IndexStatus status = new IndexStatus("products", Optional.of("products"), false, Optional.empty(),
                List.of(), Optional.empty(), Optional.empty(), List.of());

        printer.status(status);

        assertThat(text.toString().lines()).startsWith(
                "products -> products (index, not managed by Slipway)",
                noVersions("products"));
    }

    @Test
    void nameThatResolvesToNothing() {
        IndexStatus status = new IndexStatus("nope", Optional.empty(), false, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), List.of());

        assertThat(StatusPrinter.headline(status))
                .isEqualTo("nope -> nothing (no index or alias of this name exists)");
    }

    @Test
    void severalNamesAreSeparatedByABlankLine() {
        IndexStatus a = new IndexStatus("a", Optional.of("a:v2"), true, Optional.of(2), List.of(), Optional.empty(),
                Optional.empty(), List.of());
        IndexStatus b = new IndexStatus("b", Optional.of("b:v2"), true, Optional.of(2), List.of(), Optional.empty(),
                Optional.empty(), List.of());

        printer.statuses(List.of(a, b));

        assertThat(text.toString().lines())
                .containsExactly("a -> a:v2 (alias, version 2)", noVersions("a"),
                        "  Migration: none", "  Lock:      free", "  Strays:    none", "",
                        "b -> b:v2 (alias, version 2)", noVersions("b"),
                        "  Migration: none", "  Lock:      free", "  Strays:    none");
    }

    private static String noVersions(String index) {
        return "  Versions:  none (no zero-downtime migration of '" + index + "' so far; only those keep versions)";
    }
}
