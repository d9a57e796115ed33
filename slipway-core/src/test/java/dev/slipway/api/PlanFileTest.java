package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.plan.MigrationPlanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Plan files read back as they were written, whatever the planner could or could not read from the server. */
class PlanFileTest {
    private static MigrationPlan plan(ServerInfo server) {
        IndexSchema live = IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("doc:"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of())).build();
        IndexSchema target = IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("doc:"))
                .field(new FieldSchema("title", null, FieldType.TEXT, Map.of()))
                .field(new FieldSchema("n", null, FieldType.NUMERIC, Map.of())).build();
        SourceSnapshot source = new SourceSnapshot("docs", "docs", live, 10, 0, List.of("doc:1"), server, 1000, 5, 0,
                List.of());
        return MigrationPlanner.plan(source, Optional.empty(), target, Map.of(), Optional.empty(),
                KeyNamespace.DEFAULT, false, Instant.parse("2026-01-01T00:00:00Z"));
    }

    /**
     * A user whose ACL refuses CONFIG leaves hash-max-listpack-value unread (0, left out of the file): its plans could
     * not be read back at all, by any user (tester session 33 R14 M1: "Cannot map `null` into type `int`", exit 2).
     */
    @Test
    void aPlanWithoutTheListpackSettingReadsBack(@TempDir Path dir) {
        for (String file : List.of("plan.yaml", "plan.json")) {
            MigrationPlan written = plan(new ServerInfo("7.4.1", 21005, 20809, Optional.of(
                    new ServerInfo.Memory(1 << 20, 0, "noeviction", 0))));
            SlipwayFiles.writePlan(written, dir.resolve(file));

            MigrationPlan read = SlipwayFiles.readPlan(dir.resolve(file));

            assertThat(read).as(file).isEqualTo(written);
            assertThat(read.source().server().listpackLimit()).isEqualTo(64);
        }
    }

    @Test
    void aPlanWithTheListpackSettingKeepsIt(@TempDir Path dir) {
        MigrationPlan written = plan(new ServerInfo("7.4.1", 21005, 20809, Optional.of(
                new ServerInfo.Memory(1 << 20, 0, "noeviction", 16))));
        SlipwayFiles.writePlan(written, dir.resolve("plan.yaml"));

        assertThat(SlipwayFiles.readPlan(dir.resolve("plan.yaml")).source().server().listpackLimit()).isEqualTo(16);
    }

    /**
     * The errors of the reads a plan can do without are kept in the file, and left out of it when there are none, so
     * that plans written before they were recorded keep their ids.
     */
    @Test
    void aPlansCommandErrorsReadBackAndAreLeftOutWhenNone(@TempDir Path dir) throws Exception {
        ServerInfo server = new ServerInfo("7.4.1", 21005, 20809);
        MigrationPlan without = plan(server);
        MigrationPlan with = plan(server.withCommandErrors(Map.of("INFO", "ERR command not supported by proxy")));
        SlipwayFiles.writePlan(without, dir.resolve("without.yaml"));
        SlipwayFiles.writePlan(with, dir.resolve("with.yaml"));

        assertThat(java.nio.file.Files.readString(dir.resolve("without.yaml"))).doesNotContain("command_errors");
        assertThat(java.nio.file.Files.readString(dir.resolve("with.yaml"))).contains("command_errors");
        assertThat(SlipwayFiles.readPlan(dir.resolve("with.yaml"))).isEqualTo(with);
        assertThat(SlipwayFiles.readPlan(dir.resolve("with.yaml")).source().server().unanswered("INFO memory"))
                .isEqualTo("the server answered INFO memory with an error (ERR command not supported by proxy)");
    }

    /** A plan that is not YAML names the parser's problem and its line once (tester session 48 R43 T1 F5). */
    @Test
    void aPlanThatIsNotYamlNamesTheProblemAndItsLine(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.yaml");
        java.nio.file.Files.writeString(plan, "garbage: [\n");

        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SlipwayException.class,
                () -> SlipwayFiles.readPlan(plan))).hasMessage("Cannot read plan " + plan + " line 2: expected the "
                + "node content, but found '<stream end>' (while parsing a flow node). Re-create it with 'slipway "
                + "plan'.").extracting(SlipwayException::exitCode).isEqualTo(2);
    }

    /**
     * An unknown key names its own line and where it is, not the end of the file and Jackson's class names (tester
     * session 54 R48 T2 F6: "line 183: Unrecognized field ... (class dev.slipway.api.plan.MigrationPlan)").
     */
    @Test
    void anUnknownKeyNamesItsLine(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(plan(new ServerInfo("7.4.1", 21005, 20809)), plan);
        List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(plan));
        lines.add(2, "bogus_field: 1");
        java.nio.file.Files.write(plan, lines);

        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SlipwayException.class,
                () -> SlipwayFiles.readPlan(plan))).hasMessage("Cannot read plan " + plan + " line 3: unknown key "
                + "'bogus_field'. A plan is written by 'slipway plan' and read as it was written; re-create it with "
                + "'slipway plan'.").extracting(SlipwayException::exitCode).isEqualTo(2);

        String nested = java.nio.file.Files.readString(plan).replace("bogus_field: 1\n", "")
                .replaceFirst("(?m)^(\\s+)num_docs:", "$1shade: 3\n$1num_docs:");
        java.nio.file.Files.writeString(plan, nested);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SlipwayException.class,
                () -> SlipwayFiles.readPlan(plan)).getMessage()).contains("unknown key 'shade' in source")
                .doesNotContain("class");
    }

    /** A patch or a schema file given as a plan is named for what it is (tester session 34 R18 F5: Jackson's words). */
    @Test
    void aPatchOrASchemaGivenAsAPlanIsNamedForWhatItIs(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("patch.yaml");
        java.nio.file.Files.writeString(patch, "version: 1\nchanges:\n  update_fields:\n    - {name: e, attrs: "
                + "{datatype: float16}}\n");
        Path schema = dir.resolve("schema.yaml");
        java.nio.file.Files.writeString(schema, "index: {name: docs, prefix: 'doc:'}\nfields:\n  - {name: t, type: "
                + "text}\n");

        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SlipwayException.class,
                () -> SlipwayFiles.readPlan(patch))).hasMessage("Cannot read plan " + patch + ": it is a schema "
                + "patch (version, changes), not a plan. Make the plan from it with 'slipway plan --index <name> "
                + "--patch " + patch + "', then pass the plan file it writes.")
                .extracting(SlipwayException::exitCode).isEqualTo(2);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SlipwayException.class,
                () -> SlipwayFiles.readPlan(schema))).hasMessageContaining("it is a schema file (index, fields), not "
                + "a plan", "--target-schema " + schema);
    }
}
