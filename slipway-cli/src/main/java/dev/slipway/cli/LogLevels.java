package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Sets Slipway's log level for one run: DEBUG with {@code -v}, else whatever {@code logback.xml} says (WARN). */
final class LogLevels {
    private static final String SLIPWAY_LOGGER = "dev.slipway";

    private LogLevels() {
    }

    static void apply(boolean verbose) {
        // Reset to inherited when not verbose: run() may be called many times in one JVM (tests).
        if (LoggerFactory.getLogger(SLIPWAY_LOGGER) instanceof Logger logger) {
            logger.setLevel(verbose ? Level.DEBUG : null);
        }
    }
}
