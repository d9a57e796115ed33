package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationReport;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A separate process that applies a plan file through the facade, so that a test can {@code kill -9} it mid-step.
 * Prints {@code MESSAGE <text>} for every progress message (flushed at once, the test waits for them), then
 * {@code RESULT <result>}; exits 0 on success, the error's exit code otherwise.
 *
 * <p>Arguments: the Redis URL and the plan file.
 */
public final class ApplyProcessMain {
    /** Prefix of the progress lines. */
    static final String MESSAGE = "MESSAGE ";

    private ApplyProcessMain() {
    }

    /** Applies {@code args[1]} to {@code args[0]}. */
    public static void main(String[] args) {
        PrintStream out = System.out;
        ProgressListener progress = new ProgressListener() {
            @Override
            public void message(String text) {
                out.println(MESSAGE + text);
                out.flush();
            }
        };
        try {
            MigrationReport report = Slipway.configure().url(args[0]).progress(progress).load()
                    .apply(SlipwayFiles.readPlan(Path.of(args[1])), ApplyOptions.DEFAULTS);
            out.println("RESULT " + report.result());
            out.flush();
            System.exit(0);
        } catch (SlipwayException e) {
            out.println("FAILED " + e.describe());
            out.flush();
            System.exit(e.exitCode());
        }
    }
}
