package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SourceOnDebugConverterTest {
    private final LoggerContext context = new LoggerContext();

    private String source(Level level) {
        LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.slipway.internal.rewrite.RewriteEngine"),
                level, "a message", null, null);
        return new SourceOnDebugConverter().convert(event);
    }

    @Test
    void warningsAndErrorsCarryNoClassName() {
        assertThat(source(Level.WARN)).isEmpty();
        assertThat(source(Level.ERROR)).isEmpty();
    }

    @Test
    void debugAndInfoLinesNameTheirClass() {
        assertThat(source(Level.DEBUG)).isEqualTo(" RewriteEngine");
        assertThat(source(Level.INFO)).isEqualTo(" RewriteEngine");
    }
}
