package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The CLI log line's source ({@code %source} in {@code logback.xml}): the logging class's simple name, for lines below
 * WARN only, which a user sees with {@code -v} to follow what Slipway does. A warning or an error is written for
 * whoever runs the command, to whom a class name says nothing (tester session 34 R18 F8).
 */
public final class SourceOnDebugConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return "";
        }
        String name = event.getLoggerName();
        return " " + name.substring(name.lastIndexOf('.') + 1);
    }
}
