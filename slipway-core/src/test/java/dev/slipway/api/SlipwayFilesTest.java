package dev.slipway.api;

import dev.slipway.api.plan.QueryCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Files the library writes (tester session 40 R30 F14). */
class SlipwayFilesTest {

    @Test
    void queryChecksWrittenAreReadBack(@TempDir Path dir) {
        List<QueryCheck> checks = List.of(
                new QueryCheck("laptops", "@category:{laptop}", 2, Optional.of(1L), Optional.of(100L),
                        List.of("product:1")),
                new QueryCheck("any", "*", 3, Optional.empty(), Optional.empty(), List.of()));

        for (String name : new String[] {"queries.yaml", "queries.json"}) {
            SlipwayFiles.writeQueryChecks(checks, dir.resolve(name));

            assertThat(SlipwayFiles.readQueryChecks(dir.resolve(name))).as(name).isEqualTo(checks);
        }
    }

    @Test
    void aJsonFileIsJsonWhateverTheCaseOfItsName(@TempDir Path dir) throws IOException {
        SlipwayFiles.write(Map.of("a", 1), dir.resolve("upper.JSON"));

        assertThat(Files.readString(dir.resolve("upper.JSON")).strip()).startsWith("{").endsWith("}");
    }

    @Test
    void aFileThatCannotBeWrittenSaysWhy(@TempDir Path dir) throws IOException {
        Path file = Files.createFile(dir.resolve("taken")).resolve("plan.yaml"); // a file where a folder should be

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.write(Map.of("a", 1), file),
                SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.FILE_UNWRITABLE);
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.getMessage()).startsWith("Cannot write " + file + ": ").contains("(not a directory)",
                "Choose a writable path.");
    }

    /** A file further up the path is named as in the way, not only "Not a directory" (tester R45). */
    @Test
    void aFileFurtherUpThePathIsNamed(@TempDir Path dir) throws IOException {
        Path taken = Files.createFile(dir.resolve("taken"));
        Path file = taken.resolve("sub").resolve("plan.yaml");

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.write(Map.of("a", 1), file),
                SlipwayException.class);

        assertThat(e.getMessage()).startsWith("Cannot write " + file + ": " + taken + " is in the way (not a "
                + "directory)");
        assertThat(SlipwayFiles.fileInTheWay(dir.resolve("free").resolve("plan.yaml"))).isEmpty();
    }
}
