package dev.slipway.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class LogLevelsTest {
    private final Logger slipway = (Logger) LoggerFactory.getLogger("dev.slipway");

    @Test
    void verboseTurnsOnDebugForOneRunOnly() {
        CliRun verbose = CliRun.of("index", "list", "--url", "redis://127.0.0.1:1", "-v");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(slipway.getEffectiveLevel()).isEqualTo(Level.DEBUG);

        CliRun quiet = CliRun.of("index", "list", "--url", "redis://127.0.0.1:1");
        assertThat(quiet.exitCode()).isEqualTo(1);
        assertThat(slipway.getEffectiveLevel()).isEqualTo(Level.WARN);
    }
}
