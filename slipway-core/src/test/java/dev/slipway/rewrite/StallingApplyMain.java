package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationReport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate process that applies a rewrite plan with a short lock lease and stops itself with {@code SIGSTOP} once
 * the rewrite has landed {@code args[3]} documents: at that moment no write of its own is on its way (the progress is
 * reported after a batch lands and before the next is sent). A stopped process stops its lock's refresh thread too,
 * which is what a long GC pause or a suspended VM does. Prints {@code STOPPING} before the stop, then
 * {@code RESULT <result>} or {@code FAILED <error>}; exits 0 on success, the error's exit code otherwise.
 *
 * <p>Arguments: the Redis URL, the plan file, the backup directory, the documents after which to stop.
 */
public final class StallingApplyMain {
    /** The lock lease the child runs with. */
    static final Duration LEASE = Duration.ofSeconds(2);

    private StallingApplyMain() {
    }

    /** Applies {@code args[1]} to {@code args[0]}, backing up into {@code args[2]}. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        long stopAt = Long.parseLong(args[3]);
        ProgressListener progress = new TaskProgress() {
            private boolean stopped;

            @Override
            public void update(long done) {
                if (rewriting() && done >= stopAt && !stopped) {
                    stopped = true;
                    out.println("STOPPING " + done);
                    out.flush();
                    stopSelf();
                }
            }
        };
        try {
            MigrationReport report = Slipway.configure().url(args[0]).lockLease(LEASE).progress(progress).load()
                    .apply(SlipwayFiles.readPlan(Path.of(args[1])), ApplyOptions.DEFAULTS
                            .withBackupDir(Path.of(args[2])).withAcceptDataLoss(true).withThroughput(20, 1, 0, 0));
            out.println("RESULT " + report.result());
            out.flush();
            System.exit(0);
        } catch (SlipwayException e) {
            out.println("FAILED " + e.describe());
            out.flush();
            System.exit(e.exitCode());
        }
    }

    /** Sends this process SIGSTOP; returns once a SIGCONT has resumed it. */
    private static void stopSelf() {
        try {
            Process kill = new ProcessBuilder("sh", "-c", "kill -STOP " + ProcessHandle.current().pid()).start();
            kill.waitFor();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
