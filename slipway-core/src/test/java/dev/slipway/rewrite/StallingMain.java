package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate process that applies a rewrite plan, or rolls one back, with a short lock lease and stops itself with
 * {@code SIGSTOP} once the rewrite (or the restore) has landed {@code args[4]} documents: at that moment none of its
 * own writes is on its way (progress is reported after a batch or record lands, before the next is sent). A stopped
 * process stops its lock's refresh thread too, which is what a long GC pause or a suspended VM does. Prints
 * {@code STOPPING} before the stop, then {@code RESULT} or {@code FAILED <error>} (after a failed apply, first
 * {@code DOWNTIME ongoing=<whether its report says the index is still missing>}); exits 0 on success, the error's
 * exit code otherwise.
 *
 * <p>Arguments: {@code apply} or {@code rollback}, the Redis URL, the plan file, the backup directory, the documents
 * after which to stop.
 */
public final class StallingMain {
    /** The lock lease the child runs with. */
    static final Duration LEASE = Duration.ofSeconds(2);

    private StallingMain() {
    }

    /** Applies or rolls back as {@code args} say. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        boolean apply = args[0].equals("apply");
        String task = apply ? "rewriting documents" : "restoring originals";
        long stopAt = Long.parseLong(args[4]);
        ProgressListener progress = new TaskProgress() {
            private boolean stopped;

            @Override
            public void update(long done) {
                if (task().equals(task) && done >= stopAt && !stopped) {
                    stopped = true;
                    out.println("STOPPING " + done);
                    out.flush();
                    stopSelf();
                }
            }
        };
        try {
            Slipway slipway = Slipway.configure().url(args[1]).lockLease(LEASE).progress(progress).load();
            Path backup = Path.of(args[3]);
            if (apply) {
                slipway.apply(SlipwayFiles.readPlan(Path.of(args[2])), ApplyOptions.DEFAULTS.withBackupDir(backup)
                        .withAcceptDataLoss(true).withThroughput(20, 1, 0, 0));
            } else {
                // no retries, as the apply: retries that wait longer than the 2 s lease would make it longer
                slipway.rollbackFromBackup(backup, dev.slipway.api.RestoreOptions.DEFAULTS.withWorkers(1)
                        .withThroughput(0, 0));
            }
            out.println("RESULT done");
            out.flush();
            System.exit(0);
        } catch (SlipwayException e) {
            if (e instanceof MigrationFailedException failed) {
                out.println("DOWNTIME ongoing=" + failed.report().downtime().ongoing());
            }
            out.println("FAILED " + e.describe());
            out.flush();
            System.exit(e.exitCode());
        }
    }

    /** Sends this process SIGSTOP; returns once a SIGCONT has resumed it. */
    static void stopSelf() {
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
