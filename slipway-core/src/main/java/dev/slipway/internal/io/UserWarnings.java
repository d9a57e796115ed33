package dev.slipway.internal.io;

import dev.slipway.api.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Warnings the user is shown through the {@link ProgressListener} and that are logged too, for a library user who
 * reads the log. The log event carries {@link #SHOWN}, so that a front end that prints both (the CLI prints messages,
 * and its log shows warnings) leaves it out of the log: every such warning used to be printed twice (tester session
 * 34 R17 L1).
 */
public final class UserWarnings {
    /** What begins every warning's message to the progress listener. */
    public static final String PREFIX = "Warning: ";
    /** The marker of a log event whose text was also given to the progress listener. */
    public static final Marker SHOWN = MarkerFactory.getMarker("SLIPWAY_SHOWN_TO_USER");

    private UserWarnings() {
    }

    /** Shows {@code text} as a warning and logs it, marked {@link #SHOWN}. */
    public static void warn(Logger log, ProgressListener progress, String text) {
        log.warn(SHOWN, PREFIX + "{}", text);
        progress.message(PREFIX + text);
    }

    /**
     * A progress listener that passes everything on to {@code shown} and keeps the text of every warning given to it
     * ({@link #warn}), for a report of the run.
     */
    public static Kept keeping(ProgressListener shown) {
        return new Kept(shown);
    }

    /** The warnings given to a listener, kept; see {@link #keeping}. */
    public static final class Kept implements ProgressListener {
        private final ProgressListener shown;
        private final List<String> warnings = new CopyOnWriteArrayList<>();

        private Kept(ProgressListener shown) {
            this.shown = shown;
        }

        /** The warnings kept so far, without their prefix, in order. */
        public List<String> warnings() {
            return List.copyOf(warnings);
        }

        /** Forgets the warnings kept so far (a new run begins). */
        public void clear() {
            warnings.clear();
        }

        @Override
        public void begin(String task, long total, String unit) {
            shown.begin(task, total, unit);
        }

        @Override
        public void update(long done) {
            shown.update(done);
        }

        @Override
        public void end() {
            shown.end();
        }

        @Override
        public void stop() {
            shown.stop();
        }

        @Override
        public void message(String text) {
            if (text.startsWith(PREFIX)) {
                warnings.add(text.substring(PREFIX.length()));
            }
            shown.message(text);
        }
    }
}
