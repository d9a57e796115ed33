package dev.slipway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Exit codes and error messages of runs that need no Redis server. */
class CliErrorsTest {
    /** Nothing listens on port 1 of the loopback address. */
    private static final String UNREACHABLE = "redis://127.0.0.1:1";
    private static final String SECRET = "s3cr3t-Pa55word";

    @TempDir
    Path dir;

    @Test
    void unknownOptionExits2WithMessageAndHint() {
        CliRun run = CliRun.of("index", "list", "--bogus");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("error: Unknown option: '--bogus'")
                .contains("Try 'slipway index list --help' for more information.");
    }

    @Test
    void missingRequiredOptionExits2() {
        CliRun run = CliRun.of("apply");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required option: '--plan=<plan-file>'")
                .contains("Try 'slipway apply --help'");
    }

    @Test
    void planNeedsExactlyOneOfPatchAndTargetSchema() {
        CliRun neither = CliRun.of("plan", "--index", "products");
        CliRun both = CliRun.of("plan", "--index", "products", "--patch", "a.yaml", "--target-schema", "b.yaml");

        assertThat(neither.exitCode()).as(neither.toString()).isEqualTo(2);
        assertThat(neither.err()).contains("--patch=<patch-file>").contains("--target-schema=<schema-file>");
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
    }

    @Test
    void invalidFormatValueExits2NamingTheChoices() {
        CliRun run = CliRun.of("index", "list", "--format", "xml");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("--format").contains("xml").contains("TEXT, YAML, JSON");
    }

    @Test
    void formatIsCaseInsensitive() {
        CliRun run = CliRun.of("index", "list", "--format", "JsOn", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as("parsed, then failed to connect: " + run).isEqualTo(1);
    }

    @Test
    void unknownModeExits2() throws IOException {
        Path patch = Files.writeString(dir.resolve("patch.yaml"), "version: 1\nchanges:\n  remove_fields: [a]\n");

        CliRun run = CliRun.of("plan", "--index", "products", "--patch", patch.toString(), "--mode", "fast",
                "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown mode 'fast'");
    }

    @Test
    void nonPositiveTimeoutExits2() {
        CliRun run = CliRun.of("apply", "--plan", "plan.yaml", "--timeout", "0");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("--timeout must be a positive number of seconds");
    }

    @Test
    void rollbackNeedsExactlyOneOfIndexAndBackupDir() {
        CliRun neither = CliRun.of("rollback", "--yes", "--url", UNREACHABLE);
        CliRun both = CliRun.of("rollback", "--index", "products", "--backup-dir", dir.toString(), "--yes",
                "--url", UNREACHABLE);

        assertThat(neither.exitCode()).as(neither.toString()).isEqualTo(2);
        assertThat(neither.err()).contains("--index=<name>").contains("--backup-dir=<dir>")
                .contains("Try 'slipway rollback --help'").startsWith("error: Missing required argument");
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
    }

    @ParameterizedTest(name = "apply {0}")
    @ValueSource(strings = {"--workers=-1", "--workers=65", "--batch-size=0", "--rate-limit=-5", "--retries=-1",
        "--retries=31"})
    void badThroughputNumbersExit2BeforeAnyFileIsRead(String option) {
        Path missingPlan = dir.resolve("not-read.yaml");

        CliRun run = CliRun.of("apply", "--plan", missingPlan.toString(), option, "--yes", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("error: --").contains(option.substring(0, option.indexOf('=')))
                .doesNotContain(missingPlan.toString());
    }

    @Test
    void negativeWorkersIsReportedWithTheAllowedRange() {
        CliRun run = CliRun.of("apply", "--plan", "plan.yaml", "--workers", "-1", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).isEqualToIgnoringNewLines("error: --workers must be between 1 and 64, not -1.");
    }

    @Test
    void rollbackFromBackupChecksWorkersAndTheDirectoryBeforeConnecting() throws IOException {
        Path backup = Files.createDirectory(dir.resolve("backup"));

        CliRun zeroWorkers = CliRun.of("rollback", "--backup-dir", backup.toString(), "--workers", "0", "--yes",
                "--url", UNREACHABLE);
        CliRun missingDir = CliRun.of("rollback", "--backup-dir", dir.resolve("gone").toString(), "--yes",
                "--url", UNREACHABLE);

        CliRun manyRetries = CliRun.of("rollback", "--backup-dir", backup.toString(), "--retries", "1000000", "--yes",
                "--url", UNREACHABLE);

        assertThat(zeroWorkers.exitCode()).as(zeroWorkers.toString()).isEqualTo(2);
        assertThat(zeroWorkers.err()).contains("--workers must be between 1 and 64, not 0.");
        // the migration lock's lease outlasts the retries: a million made one of 173 days (tester R25 F2)
        assertThat(manyRetries.exitCode()).as(manyRetries.toString()).isEqualTo(2);
        assertThat(manyRetries.err()).contains("--retries must be between 0 and 30, not 1000000");
        assertThat(missingDir.exitCode()).as(missingDir.toString()).isEqualTo(2);
        assertThat(missingDir.err()).contains(dir.resolve("gone") + " does not exist", "nothing was changed");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun aFile = CliRun.of("rollback", "--backup-dir", file.toString(), "--yes", "--url", UNREACHABLE);
        assertThat(aFile.exitCode()).as(aFile.toString()).isEqualTo(2);
        assertThat(aFile.err()).contains(file + " is a file, not a directory", "nothing was changed");
    }

    @Test
    void aDirectoryOrABinaryFileGivenAsAPatchIsNamedForWhatItIs() throws IOException {
        Path directory = Files.createDirectory(dir.resolve("patches"));
        Path binary = Files.write(dir.resolve("binary.yaml"), new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0xc3});

        CliRun fromDirectory = CliRun.of("plan", "--index", "products", "--patch", directory.toString(), "--url",
                UNREACHABLE);
        CliRun fromBinary = CliRun.of("plan", "--index", "products", "--patch", binary.toString(), "--url",
                UNREACHABLE);

        assertThat(fromDirectory.exitCode()).as(fromDirectory.toString()).isEqualTo(2);
        assertThat(fromDirectory.err()).contains(directory + ": it is a directory, not a file");
        assertThat(fromBinary.exitCode()).as(fromBinary.toString()).isEqualTo(2);
        assertThat(fromBinary.err()).contains(binary + ": it is not UTF-8 text");
    }

    @Test
    void workersWithIndexRollbackIsBadUsage() {
        CliRun run = CliRun.of("rollback", "--index", "products", "--workers", "4", "--yes", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("--workers applies only with --backup-dir");
        CliRun overwrite = CliRun.of("rollback", "--index", "products", "--overwrite-changed", "--yes", "--url",
                UNREACHABLE);
        assertThat(overwrite.exitCode()).as(overwrite.toString()).isEqualTo(2);
        assertThat(overwrite.err()).contains("--overwrite-changed applies only with --backup-dir");
        CliRun ignore = CliRun.of("rollback", "--index", "products", "--ignore-maxmemory", "--yes", "--url",
                UNREACHABLE);
        assertThat(ignore.exitCode()).as(ignore.toString()).isEqualTo(2);
        assertThat(ignore.err()).contains("--ignore-maxmemory applies only with --backup-dir");
        CliRun to = CliRun.of("rollback", "--backup-dir", dir.toString(), "--to", "v1", "--yes", "--url",
                UNREACHABLE);
        assertThat(to.exitCode()).as(to.toString()).isEqualTo(2);
        assertThat(to.err()).contains("--to applies only with --index");
    }

    @Test
    void pruneNeedsAnIndexAndAVersionOfZeroOrMore() {
        CliRun noIndex = CliRun.of("prune", "--yes", "--url", UNREACHABLE);
        CliRun negative = CliRun.of("prune", "--index", "products", "--version", "-1", "--yes", "--url", UNREACHABLE);

        assertThat(noIndex.exitCode()).as(noIndex.toString()).isEqualTo(2);
        assertThat(noIndex.err()).contains("Missing required option: '--index=<name>'");
        assertThat(negative.exitCode()).as(negative.toString()).isEqualTo(2);
        assertThat(negative.err()).contains("--version must be a version number");
        for (String bad : List.of("v", "x1", "2147483648", "other:v1")) {
            CliRun run = CliRun.of("prune", "--index", "products", "--version", bad, "--yes", "--url", UNREACHABLE);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(run.err()).contains("--version must be a version number (0 or more, as 1, v1 or products:v1",
                    "got " + bad);
        }
    }

    /** A number too large for an int says so, with the bound, not "is not an int" (tester session 39 R27 F8). */
    @Test
    void aNumberTooLargeSaysTheBound() {
        CliRun large = CliRun.of("apply", "--plan", "p.yaml", "--rate-limit", "2147483648", "--url", UNREACHABLE);
        CliRun small = CliRun.of("apply", "--plan", "p.yaml", "--workers", "-99999999999", "--url", UNREACHABLE);
        CliRun word = CliRun.of("apply", "--plan", "p.yaml", "--workers", "two", "--url", UNREACHABLE);

        assertThat(large.exitCode()).as(large.toString()).isEqualTo(2);
        assertThat(large.err()).contains("Invalid value for option '--rate-limit': '2147483648' is too large (at most "
                + "2147483647)");
        assertThat(small.err()).contains("'-99999999999' is too small (at least -2147483648)");
        assertThat(word.exitCode()).isEqualTo(2);
        assertThat(word.err()).contains("'two' is not an int");
    }

    @Test
    void estimateOfAMissingPlanFileExits2NamingTheFile() {
        Path missing = dir.resolve("no-plan.yaml");

        CliRun run = CliRun.of("estimate", "--plan", missing.toString(), "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: ").contains(missing.toString());
    }

    @Test
    void statusOfUnreachableRedisExits1() {
        CliRun run = CliRun.of("status", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: Cannot connect to Redis");
    }

    @ParameterizedTest(name = "slipway {0}")
    @ValueSource(strings = {"", "index"})
    void groupWithoutSubcommandExits2WithUsage(String command) {
        CliRun run = command.isEmpty() ? CliRun.of() : CliRun.of(command);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("error: missing command").contains("Usage: slipway");
    }

    @Test
    void unreachableRedisExits1WithOneLineAndNoStackTrace() {
        CliRun run = CliRun.of("index", "list", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("error: Cannot connect to Redis at redis://127.0.0.1:1")
                .doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliRun run = CliRun.of("index", "list", "--url", UNREACHABLE, "-v");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: Cannot connect to Redis")
                .contains("dev.slipway.api.SlipwayException").contains("\tat ");
    }

    @Test
    void missingPlanFileExits2NamingTheFile() {
        Path missing = dir.resolve("no-such-plan.yaml");

        CliRun run = CliRun.of("apply", "--plan", missing.toString(), "--yes", "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.errLines()).hasSize(1);
        assertThat(run.err()).startsWith("error: ").contains(missing.toString()).contains("no such file");
    }

    @Test
    void missingPlanFileOfValidateExits2() {
        Path missing = dir.resolve("gone.yaml");

        CliRun run = CliRun.of("validate", "--plan", missing.toString(), "--url", UNREACHABLE);

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains(missing.toString());
    }

    @Test
    void malformedPatchYamlExits2WithFileAndLine() throws IOException {
        Path patch = Files.writeString(dir.resolve("broken.yaml"),
                "version: 1\nchanges:\n  add_fields:\n    - name: price\n      type: numeric\n   attrs: [\n");

        CliRun run = CliRun.of("plan", "--index", "products", "--patch", patch.toString(), "--url", UNREACHABLE,
                "--out", dir.resolve("plan.yaml").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains(patch.toString()).containsPattern("line \\d+").doesNotContain("\tat ");
        assertThat(dir.resolve("plan.yaml")).doesNotExist();
    }

    @Test
    void invalidPatchContentNamesFileAndLineOfEachProblem() throws IOException {
        Path patch = Files.writeString(dir.resolve("typo.yaml"),
                "version: 1\nchanges:\n  add_fields:\n    - name: price\n      type: nummeric\n");

        CliRun run = CliRun.of("plan", "--index", "products", "--patch", patch.toString(), "--url", UNREACHABLE,
                "--out", dir.resolve("plan.yaml").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains(patch + " line 5").contains("nummeric");
    }

    @Test
    void passwordInUrlIsNeverPrinted() throws IOException {
        String url = "redis://admin:" + SECRET + "@127.0.0.1:1/2";
        Path patch = Files.writeString(dir.resolve("patch.yaml"), "version: 1\nchanges:\n  remove_fields: [a]\n");

        for (String[] args : new String[][] {
                {"index", "list", "--url", url},
                {"index", "info", "products", "--url", url, "-v"},
                {"plan", "--index", "products", "--patch", patch.toString(), "--url", url, "-v"},
                {"index", "list", "--url", "http://admin:" + SECRET + "@127.0.0.1:1"},
                // an unescaped '@' in the password: everything up to the last '@' is the password
                {"index", "list", "--url", "redis://:" + SECRET + "@" + SECRET + "@127.0.0.1:1", "-v"},
                {"index", "list", "--url", "redis://:" + SECRET + "/@" + SECRET + "@127.0.0.1:1"}}) {
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).as(run.toString()).isNotZero();
            assertThat(run.all()).as(String.join(" ", args)).doesNotContain(SECRET).contains("***");
        }
    }

    @Test
    void anUnescapedAtInThePasswordIsExplained() {
        CliRun run = CliRun.of("index", "list", "--url", "redis://:pa@ss@127.0.0.1:1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("%40").doesNotContain("names no host").doesNotContain("ss@127");
    }

    @Test
    void badUrlExits2() {
        CliRun run = CliRun.of("index", "list", "--url", "http://localhost:6379");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("redis://");
    }

    @Test
    void aPortOutOfRangeExits2() {
        CliRun run = CliRun.of("index", "list", "--url", "redis://127.0.0.1:99999");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("its port is not a whole number from 1 to 65535");
    }

    @Test
    void aUrlWithAQueryExits2() {
        CliRun run = CliRun.of("index", "list", "--url", "redis://127.0.0.1:6379?db=1");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        assertThat(run.err()).contains("query", "/N");
    }
}
