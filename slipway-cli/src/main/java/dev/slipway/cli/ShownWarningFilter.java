package dev.slipway.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import dev.slipway.internal.io.UserWarnings;

/**
 * Leaves out of the CLI's log output the warnings the CLI has printed already as progress messages
 * ({@link UserWarnings#SHOWN}); named in {@code logback.xml}.
 */
public final class ShownWarningFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
        return event.getMarkerList() != null && event.getMarkerList().contains(UserWarnings.SHOWN)
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
