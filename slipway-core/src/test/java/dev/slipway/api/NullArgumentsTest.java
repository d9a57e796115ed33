package dev.slipway.api;

import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.schema.SchemaPatch;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A library caller's null argument is bad usage, found before any connection: the facade points at a port nothing
 * listens on, so a call that got as far as Redis would fail as unreachable instead (tester session 40 R30 F7).
 */
class NullArgumentsTest {
    private final Slipway slipway = Slipway.configure().url("redis://127.0.0.1:1").load();

    @Test
    void nullArgumentsAreBadUsageBeforeAnyConnection() {
        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        calls.put("describe", () -> slipway.describe(null));
        calls.put("plan", () -> slipway.plan(null));
        calls.put("apply", () -> slipway.apply(null, ApplyOptions.DEFAULTS));
        calls.put("check", () -> slipway.check(null, ApplyOptions.DEFAULTS));
        calls.put("estimate", () -> slipway.estimate(null));
        calls.put("validate", () -> slipway.validate(null, List.of()));
        calls.put("rollback", () -> slipway.rollback(null));
        calls.put("rollback to a version", () -> slipway.rollback("products", null));
        calls.put("checkRollback", () -> slipway.checkRollback(null));
        calls.put("checkRollback to a version", () -> slipway.checkRollback("products", null));
        calls.put("checkRollback of no index to a version", () -> slipway.checkRollback(null, "v1"));
        calls.put("rollbackFromBackup", () -> slipway.rollbackFromBackup(null, RestoreOptions.DEFAULTS));
        calls.put("rollbackFromBackup options", () -> slipway.rollbackFromBackup(Path.of("b"), null));
        calls.put("prune", () -> slipway.prune(null, Optional.empty()));
        calls.put("PlanRequest.patch", () -> PlanRequest.patch("products", null));
        calls.put("PlanRequest.target", () -> PlanRequest.target("products", null));
        calls.put("PlanRequest.patchFile", () -> PlanRequest.patchFile("products", null));
        calls.put("withBackupDir", () -> ApplyOptions.DEFAULTS.withBackupDir(null));
        // the files' helpers too (tester session 45 R40 F5: bare NPEs, and a plan file saying "null")
        calls.put("PlanRequest.withMode", () -> PlanRequest.patch("products", new SchemaPatch(
                List.of(), List.of(), List.of(), List.of(), SchemaPatch.IndexChanges.NONE)).withMode(null));
        calls.put("readPlan", () -> SlipwayFiles.readPlan(null));
        calls.put("readPatch", () -> SlipwayFiles.readPatch(null));
        calls.put("readSchema", () -> SlipwayFiles.readSchema(null));
        calls.put("readQueryChecks", () -> SlipwayFiles.readQueryChecks(null));
        calls.put("writePlan of no plan", () -> SlipwayFiles.writePlan(null, Path.of("never-written.yaml")));
        calls.put("write to no path", () -> SlipwayFiles.write(List.of(), null));
        calls.put("writeQueryChecks of none", () -> SlipwayFiles.writeQueryChecks(null, Path.of("never.yaml")));
        calls.put("writeQueryChecks to no path", () -> SlipwayFiles.writeQueryChecks(List.of(), null));
        calls.put("render of no value", () -> SlipwayFiles.render(null, SlipwayFiles.Format.YAML));
        calls.put("render in no format", () -> SlipwayFiles.render(List.of(), null));
        calls.forEach((name, call) -> {
            Throwable thrown = catchThrowable(call);
            assertThat(thrown).as(name).isInstanceOf(SlipwayException.class).hasMessageContaining("must not be null");
            assertThat(((SlipwayException) thrown).code()).as(name).isEqualTo(ErrorCode.BAD_USAGE);
        });
        assertThat(Path.of("never-written.yaml")).doesNotExist();
    }

    /** Absent optional arguments (null) are taken as empty, as the records take them. */
    @Test
    void aNullOptionalIsEmpty() {
        Throwable status = catchThrowable(() -> slipway.status(null));
        assertThat(((SlipwayException) status).code()).as("got as far as connecting")
                .isEqualTo(ErrorCode.REDIS_UNAVAILABLE);
        assertThat(new ApplyOptions(Duration.ofMinutes(1), null).queryChecks()).isEmpty();
    }

    @Test
    void aQueryCheckWithoutAQueryOrWithCrossedBoundsIsMalformed() {
        for (ThrowingCallable call : List.<ThrowingCallable>of(
                () -> new QueryCheck("none", null, 2, Optional.empty(), Optional.empty(), List.of()),
                () -> new QueryCheck("blank", " ", 2, Optional.empty(), Optional.empty(), List.of()),
                () -> new QueryCheck("crossed", "*", 2, Optional.of(5L), Optional.of(4L), List.of()),
                () -> new QueryCheck("negative", "*", 2, Optional.of(-1L), Optional.empty(), List.of()))) {
            Throwable thrown = catchThrowable(call);
            assertThat(thrown).isInstanceOf(SlipwayException.class);
            assertThat(((SlipwayException) thrown).code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
        }
        QueryCheck unnamed = new QueryCheck(null, "@a:{b}", 2, null, null, null);
        assertThat(unnamed.name()).isEqualTo("@a:{b}");
        assertThat(unnamed.minResults()).isEmpty();
        assertThat(unnamed.containsKeys()).isEmpty();
    }

    /** A null inside a list argument is bad usage too, naming where (tester session 47 R42 T2 F6: bare NPEs). */
    @Test
    void nullElementsAreBadUsageNamingTheirPlace() {
        QueryCheck check = new QueryCheck("all", "*", 2, Optional.of(1L), Optional.empty(), List.of());
        List<QueryCheck> withNull = java.util.Arrays.asList(check, null);
        Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
        calls.put("ApplyOptions", () -> new ApplyOptions(Duration.ofHours(1), withNull));
        calls.put("validate", () -> slipway.validate(null, withNull));
        calls.put("writeQueryChecks", () -> SlipwayFiles.writeQueryChecks(withNull, Path.of("never-written.yaml")));
        calls.put("SchemaPatch", () -> new SchemaPatch(List.of(), java.util.Arrays.asList("legacy", null), List.of(),
                List.of(), SchemaPatch.IndexChanges.NONE));
        calls.forEach((name, call) -> {
            Throwable thrown = catchThrowable(call);
            assertThat(thrown).as(name).isInstanceOf(SlipwayException.class);
            assertThat(((SlipwayException) thrown).code()).as(name).isEqualTo(ErrorCode.BAD_USAGE);
        });
        assertThat(catchThrowable(calls.get("ApplyOptions"))).hasMessageContaining("query checks must not hold null "
                + "(element 1)");
        assertThat(catchThrowable(calls.get("validate"))).hasMessageContaining("(element 1)");
        assertThat(catchThrowable(calls.get("SchemaPatch"))).hasMessageContaining("remove_fields must not hold null "
                + "(element 1)");
        assertThat(new File("never-written.yaml")).doesNotExist();
    }

    /** A blank or null URL is refused, not taken for localhost (tester session 47 R42 T2 F3). */
    @Test
    void aNullOrBlankUrlIsBadUsage() {
        for (String url : java.util.Arrays.asList(null, "", "   ")) {
            Throwable thrown = catchThrowable(() -> Slipway.configure().url(url));
            assertThat(thrown).as("url(%s)", url).isInstanceOf(SlipwayException.class)
                    .hasMessageContaining("The Redis URL must not be");
            assertThat(((SlipwayException) thrown).code()).isEqualTo(ErrorCode.BAD_USAGE);
        }
    }

    /** The path of a query-check file is named once as a file (it said "query-check file file's path"). */
    @Test
    void aMissingQueryCheckPathIsNamedOnce() {
        assertThat(catchThrowable(() -> SlipwayFiles.readQueryChecks(null)))
                .hasMessageStartingWith("The query-check file's path must not be null");
    }
}
