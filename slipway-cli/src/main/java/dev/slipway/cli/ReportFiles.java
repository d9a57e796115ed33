package dev.slipway.cli;

import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;

import java.io.PrintWriter;
import java.nio.file.Path;

/** Writing a command's {@code --report-out} beside an error it is about to throw. */
final class ReportFiles {
    private ReportFiles() {
    }

    /**
     * Writes {@code value} to {@code file} when one was given; a file that cannot be written is said on {@code err},
     * so that the error being reported stays the one the command throws.
     */
    static void writeBesideError(Object value, Path file, PrintWriter err) {
        if (file == null) {
            return;
        }
        try {
            SlipwayFiles.write(value, file);
        } catch (SlipwayException e) {
            err.println("slipway: " + e.getMessage());
        }
    }
}
