package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import dev.slipway.internal.io.UserWarnings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A warning the CLI printed as a progress message is not printed again by its log (tester session 34 R17 L1). */
class ShownWarningFilterTest {
    private final ch.qos.logback.classic.Logger logger = new LoggerContext().getLogger("dev.slipway.test");

    @Test
    void warningsShownAsMessagesAreLeftOutOthersAreNot() {
        ShownWarningFilter filter = new ShownWarningFilter();
        LoggingEvent shown = new LoggingEvent("x", logger, Level.WARN, "Warning: {}", null, new Object[]{"a"});
        shown.addMarker(UserWarnings.SHOWN);
        LoggingEvent other = new LoggingEvent("x", logger, Level.WARN, "something else", null, null);

        assertThat(filter.decide(shown)).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(other)).isEqualTo(FilterReply.NEUTRAL);
    }
}
