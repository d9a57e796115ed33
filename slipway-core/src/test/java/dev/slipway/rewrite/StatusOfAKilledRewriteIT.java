package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static dev.slipway.rewrite.FaultyDocumentStore.Fault;
import static dev.slipway.rewrite.FaultyDocumentStore.Point;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Status of a rewrite killed before its header's next save counts the records forced to disk after it: the header
 * is saved about once a second, and status said "0 documents backed up, 0 rewritten" with 5,087 keys already moved
 * (tester session 51 R44 T1 M3).
 */
@ExtendWith(RedisStackExtension.class)
class StatusOfAKilledRewriteIT {
    @Test
    void statusCountsTheRecordsPastTheHeader(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 600, 53);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            Path backup = dir.resolve("backup");
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(backup);
            Crashes.applyAndCrashAt(redis.url(), plan, options, "before", "rewrite-documents");
            Crashes.rewriteAndCrashInside(redis.url(), plan, backup, new Fault(Point.BEFORE_SCAN, 6, 0),
                    new RewriteSettings(50, 0, Duration.ofHours(1)), 1);
            long inHeader = BackupDirectory.readHeader(backup).orElseThrow().documentsBackedUp();
            long onDisk = BackupDirectory.withRecordsOnDisk(backup, BackupDirectory.readHeader(backup).orElseThrow())
                    .documentsBackedUp();
            assertThat(onDisk).as("records past the header").isGreaterThan(inHeader);

            String rewrite = slipway.status(Optional.of("docs")).get(0).migration().orElseThrow().rewrite();

            assertThat(rewrite).startsWith("first pass under way: " + onDisk + " documents backed up, ")
                    .contains("the header, saved about once a second, counts " + inHeader + " backed up");
        }
    }
}
