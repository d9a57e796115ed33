package dev.slipway.cli;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ReportPrinterTest {
    /** A drop-recreate run the memory guard stopped after it created the index, which it then dropped. */
    private static String stoppedBuild(boolean rewrite) {
        return stoppedBuild(rewrite, "<dir>"); // as apply names a run without --backup-dir
    }

    private static String stoppedBuild(boolean rewrite, String backupDir) {
        List<StepReport> steps = new ArrayList<>(List.of(new StepReport("drop-index", StepReport.Status.DONE, 3,
                "dropped index 'idx'")));
        if (rewrite) {
            steps.add(new StepReport("rewrite-documents", StepReport.Status.DONE, 900, "rewrote 20000 documents"));
        }
        steps.add(new StepReport("create-index", StepReport.Status.UNDONE, 5, "created index 'idx'; undone by a "
                + "later step, runs again on a re-run"));
        steps.add(new StepReport("wait-for-indexing", StepReport.Status.FAILED, 6200, "Stopped the build"));
        steps.add(new StepReport("validate", StepReport.Status.NOT_RUN, 0, ""));
        MigrationReport report = new MigrationReport("abc", "idx", MigrationMode.DROP_RECREATE,
                MigrationReport.Result.FAILED, Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:07Z"), false, steps, new MigrationReport.Downtime(6300, 0, true),
                Optional.empty(), Optional.of("Stopped the build before the server reached its maxmemory"), List.of());
        StringWriter text = new StringWriter();
        new ReportPrinter(new PrintWriter(text, true)).report(report, backupDir);
        return text.toString();
    }

    @Test
    void anUndoneStepShowsItsTimeAndAStoppedBuildItsOngoingDowntime() {
        assertThat(stoppedBuild(false)).contains("UNDONE       create-index", "undone by a later step",
                "unavailable 6.3 s so far: the index is still missing");
    }

    /**
     * 'rollback --index' refuses an index-only drop-recreate that dropped the index, so only a rewrite's report names
     * a rollback (tester session 33 R14 M4: the report advised it, and it exited 2).
     */
    @Test
    void onlyARewriteIsPointedToARollback() {
        assertThat(stoppedBuild(false)).contains("until 'slipway apply' with the same plan finishes\n")
                .doesNotContain("rollback");
        assertThat(stoppedBuild(true)).contains("or 'slipway rollback --backup-dir <dir>' restores it");
        // apply names the directory it was given (tester session 48 R43 T1 F5: '<dir>' after a SIGTERM)
        assertThat(stoppedBuild(true, "/data/bk")).contains("or 'slipway rollback --backup-dir /data/bk' restores it");
    }
}
