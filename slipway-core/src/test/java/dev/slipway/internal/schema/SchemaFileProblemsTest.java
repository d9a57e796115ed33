package dev.slipway.internal.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when a schema or patch file is wrong: file, line, every problem at once, exit code 2. */
class SchemaFileProblemsTest {

    @TempDir
    Path dir;

    @Test
    void malformedYamlNamesTheFileAndTheLine() throws IOException {
        Path file = write("schema.yaml", """
                index:
                  name: products
                fields:
                  - name: title
                    type: text: oops
                """);

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readSchema(file), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.getMessage()).contains(file + " line 5: mapping values are not allowed here")
                .endsWith("Fix the file and re-run 'slipway plan'.");
    }

    @Test
    void malformedPatchNamesTheFileAndTheLine() throws IOException {
        Path file = write("patch.yaml", "version: 1\nchanges:\n  add_fields:\n    - name: [unclosed\n");

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readPatch(file), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.getMessage()).startsWith("Cannot parse schema patch " + file + " line ");
    }

    @Test
    void severalProblemsComeInOneException() throws IOException {
        Path file = write("patch.yaml", """
                version: 1
                changes:
                  add_field: [{name: price, type: numeric}]
                  update_fields:
                    - name: title
                      attrs:
                        sortabel: true
                    - name: brand
                      attrs: {separator: [a, b]}
                """);

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readPatch(file), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.exitCode()).isEqualTo(2);
        assertThat(e.getMessage()).isEqualTo("Cannot read schema patch " + file
                + " (3 problems). Fix the file and re-run 'slipway plan'.");
        assertThat(e.problems()).containsExactly(
                file + " line 3: unknown key 'add_field' in 'changes'; expected one of add_fields, index, "
                        + "remove_fields, rename_fields, update_fields",
                file + " line 7: unknown attribute 'sortabel' of field 'title'",
                file + " line 9: attribute 'separator' of field 'brand' needs a single value");
        assertThat(e.describe()).contains("\n  - " + file + " line 7: unknown attribute 'sortabel'");
    }

    @Test
    void severalSchemaProblemsComeInOneException() throws IOException {
        Path file = write("schema.yaml", """
                index:
                  name: products
                  storage: hash
                fields:
                  - name: title
                    type: txt
                  - name: price
                    type: numeric
                    attrs: {sortable: perhaps}
                """);

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readSchema(file), SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.problems()).hasSize(3);
        assertThat(e.problems().get(0)).startsWith(file + " line 3: unknown key 'storage' in 'index'");
        assertThat(e.problems().get(1)).startsWith(file + " line 6: unknown field type 'txt'");
        assertThat(e.problems().get(2)).isEqualTo(file + " line 9: attribute 'sortable' must be true or false, "
                + "found 'perhaps' (field 'price')");
    }

    @Test
    void unknownKeyIsReportedOnItsOwnLineWhenItsValueStartsBelow() throws IOException {
        Path file = write("patch.yaml", """
                version: 1
                changes:
                  add_field:
                    - name: price
                      type: numeric
                """);

        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readPatch(file), SlipwayException.class);

        assertThat(e.problems()).containsExactly(file + " line 3: unknown key 'add_field' in 'changes'; expected "
                + "one of add_fields, index, remove_fields, rename_fields, update_fields");
    }

    @Test
    void emptyAndMissingFilesAreBadInput() throws IOException {
        Path empty = write("empty.yaml", "");
        SlipwayException e = catchThrowableOfType(() -> SlipwayFiles.readSchema(empty), SlipwayException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        assertThat(e.getMessage()).contains(empty + ": the file is empty");

        Path missing = dir.resolve("nope.yaml");
        SlipwayException gone = catchThrowableOfType(() -> SlipwayFiles.readPatch(missing), SlipwayException.class);
        assertThat(gone.code()).isEqualTo(ErrorCode.FILE_UNREADABLE);
        assertThat(gone.exitCode()).isEqualTo(2);
        assertThat(gone.getMessage()).contains(missing.toString()).contains("no such file");
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
