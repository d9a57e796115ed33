package dev.slipway.internal.io;

import dev.slipway.api.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * Warnings the user is shown through the {@link ProgressListener} and that are logged too, for a library user who
 * reads the log. The log event carries {@link #SHOWN}, so that a front end that prints both (the CLI prints messages,
 * and its log shows warnings) leaves it out of the log: every such warning used to be printed twice (tester session
 * 34 R17 L1).
 */
public final class UserWarnings {
    /** The marker of a log event whose text was also given to the progress listener. */
    public static final Marker SHOWN = MarkerFactory.getMarker("SLIPWAY_SHOWN_TO_USER");

    private UserWarnings() {
    }

    /** Shows {@code text} as a warning and logs it, marked {@link #SHOWN}. */
    public static void warn(Logger log, ProgressListener progress, String text) {
        log.warn(SHOWN, "Warning: {}", text);
        progress.message("Warning: " + text);
    }
}
