package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A run killed while it set its backup directory up (before any change) left the plan, cut short, an empty records
 * file and the header's temporary file, and no header: every re-run of the same apply was refused as "other files"
 * and the rollback found "no Slipway backup", so the directory had to be deleted by hand (tester session 51 R44 T1
 * M2). The same apply now begins the set-up again; anything else in the directory is still refused.
 */
@ExtendWith(RedisStackExtension.class)
class InterruptedBackupSetUpIT {
    private static final String RENAME = "  rename_fields:\n    - {old_name: title, new_name: name}\n";

    @Test
    void theSameApplyBeginsAnInterruptedSetUpAgain(RedisStackServer redis, @TempDir Path dir) throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 300, 51);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, RENAME);
            Path backup = Files.createDirectories(dir.resolve("backup"));
            String written = SlipwayFiles.render(plan, SlipwayFiles.Format.YAML);
            Files.writeString(backup.resolve("plan.yaml"), written.substring(0, written.length() / 2));
            Files.createFile(backup.resolve("originals.bin"));
            Files.writeString(backup.resolve("header.json.tmp"), "{\"phase\":");

            SlipwayException rollback = catchThrowableOfType(() -> slipway.rollbackFromBackup(backup, 1),
                    SlipwayException.class);
            assertThat(rollback.getMessage()).contains("It holds what an apply stopped while it set the backup up "
                    + "left", "Re-run it to go on, or delete the directory");

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup));

            assertThat(report.result()).as("%s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.hexists("doc:1", "name")).isTrue();
            assertThat(backup.resolve("header.json")).exists();
            assertThat(backup.resolve("header.json.tmp")).doesNotExist();
        }
    }

    /** Killed between creating the plan file and writing its first byte: an empty plan.yaml alone (tester R45). */
    @Test
    void anEmptyPlanFileAloneIsBegunAgainToo(RedisStackServer redis, @TempDir Path dir) throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 100, 54);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, RENAME);
            Path backup = Files.createDirectories(dir.resolve("backup"));
            Files.createFile(backup.resolve("plan.yaml"));

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup));

            assertThat(report.result()).as("%s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.hexists("doc:1", "name")).isTrue();
        }
    }

    @Test
    void anotherPlansLeftoversAreStillRefused(RedisStackServer redis, @TempDir Path dir) throws IOException {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 100, 52);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir, RENAME);
            MigrationPlan other = RewriteFixture.plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: heading}\n");
            Path backup = Files.createDirectories(dir.resolve("backup"));
            SlipwayFiles.writePlan(other, backup.resolve("plan.yaml"));
            Files.createFile(backup.resolve("originals.bin"));

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan,
                    ApplyOptions.DEFAULTS.withBackupDir(backup)), SlipwayException.class);

            assertThat(refused.code()).isEqualTo(ErrorCode.BAD_USAGE);
            assertThat(refused.getMessage()).contains("holds other files and no Slipway backup");
            assertThat(jedis.hexists("doc:1", "title")).isTrue();
        }
    }
}
