package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * One plan, one {@code --backup-dir}, two servers (a runbook run for staging, then production): the second server's
 * run was taken for a restart of the first, its originals were appended to the first's, and the first server's
 * rollback then restored the second's values (tester session 55 R49 T2 F4). A backup with records is used only on
 * the server that holds its mark.
 */
@ExtendWith(RedisStackExtension.class)
class BackupOriginIT {
    private static final String RENAME = "  rename_fields:\n    - {old_name: title, new_name: name}\n";

    @Test
    void aBackupWithRecordsIsRefusedOnAnotherServerAndItsOwnRollbackStaysExact(RedisStackServer first,
                                                                                @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        try (RedisStackServer second = new RedisStackServer().start(); Jedis a = first.newJedis();
             Jedis b = second.newJedis()) {
            Slipway onFirst = Slipway.configure().url(first.url()).load();
            Slipway onSecond = Slipway.configure().url(second.url()).load();
            TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(a, onFirst,
                    VectorDataType.FLOAT32, 60, 3);
            TreeMap<String, TreeMap<String, String>> beforeSecond = RewriteFixture.hashDocs(b, onSecond,
                    VectorDataType.FLOAT32, 40, 9);
            MigrationPlan plan = plan(onFirst, "docs", dir, RENAME);
            assertThat(onFirst.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);

            assertThat(dev.slipway.internal.rewrite.BackupDirectory.readHeader(backup).orElseThrow().origin()
                    .address()).as("the mark is in the header, with the address").isEqualTo(first.host() + ":"
                    + first.port());
            SlipwayException checked = catchThrowableOfType(() -> onSecond.check(plan, ApplyOptions.DEFAULTS
                    .withBackupDir(backup)), SlipwayException.class);
            assertThat(checked).as("the check the CLI makes before it asks for confirmation").isNotNull();
            assertThat(checked.getMessage()).contains("holds no mark of it");
            SlipwayException refused = catchThrowableOfType(() -> onSecond.apply(plan, ApplyOptions.DEFAULTS
                    .withBackupDir(backup)), SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(refused.getMessage()).contains("holds no mark of it",
                    "Nothing was changed by 'slipway apply'");
            assertThat(hashes(b, "doc:*")).as("the second server untouched").isEqualTo(beforeSecond);
            assertThat(RewriteFixture.indexes(b)).containsExactly("docs");
            SlipwayException rollbackRefused = catchThrowableOfType(() -> onSecond.rollbackFromBackup(backup, 2),
                    SlipwayException.class);
            assertThat(rollbackRefused).isNotNull();
            assertThat(rollbackRefused.getMessage()).contains("Nothing was changed by the rollback");
            assertThat(hashes(b, "doc:*")).isEqualTo(beforeSecond);

            assertThat(onSecond.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("second"))).result())
                    .as("with a directory of its own").isEqualTo(MigrationReport.Result.SUCCEEDED);
            onFirst.rollbackFromBackup(backup, 2);

            assertThat(hashes(a, "doc:*")).isEqualTo(before);
        }
    }

    /** A backup with no record yet risks nothing: a run on another server marks it for that one. */
    @Test
    void aBackupWithoutRecordsIsMarkedAgainForTheServerThatUsesIt(RedisStackServer first, @TempDir Path dir) {
        Path backup = dir.resolve("backup");
        try (RedisStackServer second = new RedisStackServer().start(); Jedis a = first.newJedis();
             Jedis b = second.newJedis()) {
            Slipway onFirst = Slipway.configure().url(first.url()).load();
            Slipway onSecond = Slipway.configure().url(second.url()).load();
            RewriteFixture.hashDocs(a, onFirst, VectorDataType.FLOAT32, 0, 3);
            TreeMap<String, TreeMap<String, String>> beforeSecond = RewriteFixture.hashDocs(b, onSecond,
                    VectorDataType.FLOAT32, 40, 9);
            MigrationPlan plan = plan(onFirst, "docs", dir, RENAME);
            onFirst.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup)); // no document: no record

            assertThat(onSecond.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup)).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            onSecond.rollbackFromBackup(backup, 2);

            assertThat(hashes(b, "doc:*")).isEqualTo(beforeSecond);
            assertThat(Map.copyOf(hashes(a, "doc:*"))).isEmpty();
        }
    }
}
