package dev.slipway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Golden {@code --help} texts: the command names and options are a contract, so any change to them shows up
 * here. To regenerate after an intended change, run with {@code -Dslipway.updateHelp=true}, review the diff of
 * {@code src/test/resources/help/} and re-run without the property.
 */
class HelpTest {
    private static final String UPDATE_PROPERTY = "slipway.updateHelp";

    @ParameterizedTest(name = "slipway {0} --help")
    @ValueSource(strings = {"", "index", "index list", "index info", "plan", "estimate", "apply", "validate", "status",
            "rollback", "prune"})
    void helpMatchesGoldenFile(String command) throws IOException {
        String[] args = command.isEmpty() ? new String[] {"--help"}
                : append(command.split(" "), "--help");
        CliRun run = CliRun.of(args);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.err()).isEmpty();
        String name = command.isEmpty() ? "slipway" : command.replace(' ', '-');
        String actual = run.out().replace("\r\n", "\n");
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            Files.writeString(Path.of("src/test/resources/help", name + ".txt"), actual, StandardCharsets.UTF_8);
            fail("Rewrote help/" + name + ".txt; review it and re-run without -D" + UPDATE_PROPERTY);
        }
        assertThat(actual).as("help of '%s' (regenerate with -D%s=true)", name, UPDATE_PROPERTY)
                .isEqualTo(golden(name));
    }

    @Test
    void shortHelpOptionWorksOnSubcommands() {
        assertThat(CliRun.of("plan", "-h").out()).isEqualTo(CliRun.of("plan", "--help").out());
    }

    @Test
    void versionIsTheProjectVersion() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip()).matches("slipway \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(run.out().strip()).isEqualTo("slipway " + VersionProvider.version());
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = HelpTest.class.getResourceAsStream("/help/" + name + ".txt")) {
            assertThat(in).as("golden file help/%s.txt", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        }
    }

    private static String[] append(String[] head, String last) {
        String[] all = Arrays.copyOf(head, head.length + 1);
        all[head.length] = last;
        return all;
    }
}
