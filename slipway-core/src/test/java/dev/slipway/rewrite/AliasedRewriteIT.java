package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.PruneResult;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import static dev.slipway.rewrite.RewriteFixture.hashes;
import static dev.slipway.rewrite.RewriteFixture.indexes;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A rewrite of a name served through Slipway's version alias, undone from its backup: the version history must
 * follow the alias back, so that {@code status}, {@code rollback --index} and {@code prune} keep working on it.
 */
@ExtendWith(RedisStackExtension.class)
class AliasedRewriteIT {
    private static final int DOCS = 200;

    @Test
    void rollbackFromTheBackupPutsTheHistoryBackWithTheAlias(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = aliasedDocs(jedis, slipway, dir);

            MigrationPlan rewrite = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            MigrationReport report = slipway.apply(rewrite, ApplyOptions.DEFAULTS.withBackupDir(backup)
                    .withAcceptDataLoss(true));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v3");
            assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                    .containsExactly(tuple("docs", "DROPPED"), tuple("docs:v1", "RETAINED"),
                            tuple("docs:v2", "DROPPED"), tuple("docs:v3", "ACTIVE"));

            RestoreResult restored = slipway.rollbackFromBackup(backup, 2);

            assertThat(restored.indexRecreated()).isEqualTo("docs:v2");
            assertThat(hashes(jedis, "doc:*")).as("the original bytes").isEqualTo(before);
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v2");
            IndexStatus status = status(slipway);
            assertThat(status.activeVersion()).as("the history follows the alias").contains(2);
            assertThat(status.versions())
                    .extracting(VersionStatus::physicalIndex, VersionStatus::state, VersionStatus::exists)
                    .containsExactly(tuple("docs", "DROPPED", false), tuple("docs:v1", "RETAINED", true),
                            tuple("docs:v2", "ACTIVE", true), tuple("docs:v3", "DROPPED", false));
            assertThat(status.lastRollback()).hasValueSatisfying(r -> {
                assertThat(r.action()).isEqualTo("restored");
                assertThat(r.from()).isEqualTo("docs:v3");
                assertThat(r.to()).isEqualTo("docs:v2");
                assertThat(r.planId()).isEqualTo(rewrite.planId());
            });
            // validate of the plan undone says so: it said "this plan was not applied (or a rollback undid it): run
            // 'slipway apply'" (tester session 55 R49 T1 F6)
            ValidationResult undone = slipway.validate(rewrite, List.of());
            assertThat(undone.passed()).isFalse();
            assertThat(undone.checks().get(0).actual()).startsWith("'slipway rollback --backup-dir' undid it at ");
            assertThat(undone.checks().get(0).detail()).isEqualTo("to migrate again, plan the change anew and apply "
                    + "it with a new, empty --backup-dir");

            RollbackResult again = slipway.rollback("docs");
            assertThat(again.action()).as("a rollback after the restore does not go one further")
                    .isEqualTo(RollbackResult.Action.ALREADY_DONE);
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v2");
            RollbackResult further = slipway.rollback("docs", "v1");
            assertThat(further.action()).isEqualTo(RollbackResult.Action.SWITCHED_BACK);
            assertThat(further.to()).isEqualTo("docs:v1");
            assertThat(slipway.rollback("docs", "v2").to()).as("and forward again").isEqualTo("docs:v2");

            // a later migration builds the next free version and retains v2; prune drops what is retained
            slipway.apply(plan(slipway, "docs", dir, "  add_fields:\n    - {name: size, type: tag}\n"),
                    ApplyOptions.DEFAULTS);
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v4");
            RollbackResult back = slipway.rollback("docs");
            assertThat(back.from()).isEqualTo("docs:v4");
            assertThat(back.to()).as("back to what the restore served").isEqualTo("docs:v2");
            assertThat(slipway.rollback("docs", "v4").to()).isEqualTo("docs:v4");
            PruneResult pruned = slipway.prune("docs", Optional.empty());
            assertThat(pruned.dropped()).extracting(VersionStatus::physicalIndex)
                    .containsExactlyInAnyOrder("docs:v1", "docs:v2");
            assertThat(indexes(jedis)).isEqualTo(List.of("docs:v4"));
            assertThat(hashes(jedis, "doc:*")).as("documents are kept").isEqualTo(before);
        }
    }

    /**
     * A rewrite killed after it created the next version and before the alias points at it: that version is in the
     * history (BUILDING) from before it exists, so {@code status} does not call it a stray; the resumed apply makes it
     * active, and a rollback from the backup marks it dropped.
     */
    @Test
    void aVersionCreatedBeforeAKillIsInTheHistoryNotAStray(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = aliasedDocs(jedis, slipway, dir);
            MigrationPlan rewrite = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            ApplyOptions options = ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")).withAcceptDataLoss(true);

            Crashes.applyAndCrashAt(redis.url(), rewrite, options, "after", "create-index");

            IndexStatus killed = status(slipway);
            assertThat(killed.strays()).as("the migration's own new version").isEmpty();
            assertThat(killed.versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state,
                    VersionStatus::exists).contains(tuple("docs:v3", "BUILDING", true));
            MigrationReport resumed = slipway.apply(rewrite, options);
            assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                    .containsExactly(tuple("docs", "DROPPED"), tuple("docs:v1", "RETAINED"),
                            tuple("docs:v2", "DROPPED"), tuple("docs:v3", "ACTIVE"));

            slipway.rollbackFromBackup(dir.resolve("backup"), 2);
            IndexStatus restored = status(slipway);
            assertThat(restored.activeVersion()).contains(2);
            assertThat(restored.strays()).isEmpty();
            assertThat(restored.versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                    .contains(tuple("docs:v2", "ACTIVE"), tuple("docs:v3", "DROPPED"));
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            String firstRestore = restored.lastRollback().orElseThrow().at();

            // the same plan again (a new backup), killed after its create-index, and rolled back: a new restore
            Crashes.applyAndCrashAt(redis.url(), rewrite, options.withBackupDir(dir.resolve("backup2")), "after",
                    "create-index");
            assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                    .as("built again").contains(tuple("docs:v3", "BUILDING"));
            slipway.rollbackFromBackup(dir.resolve("backup2"), 2);
            IndexStatus again = status(slipway);
            assertThat(again.versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state,
                    VersionStatus::exists)
                    .contains(tuple("docs:v2", "ACTIVE", true), tuple("docs:v3", "DROPPED", false));
            assertThat(again.lastRollback().orElseThrow().at()).as("the second restore's time")
                    .isNotEqualTo(firstRestore);
            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
        }
    }

    /**
     * A version built before a document rewrite cannot index the rewritten documents (float32 schema over float16
     * vectors): neither {@code rollback --to} nor a plain rollback that walks back past the rewrite may serve it (they
     * did, exiting 0 with the name serving no document). Restoring the rewrite from its backup makes it usable again.
     */
    @Test
    void aVersionBuiltBeforeARewriteIsNotServedAgain(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            aliasedDocs(jedis, slipway, dir);
            MigrationPlan rewrite = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            slipway.apply(rewrite, ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true));
            slipway.apply(plan(slipway, "docs", dir, "  add_fields:\n    - {name: size, type: tag}\n"),
                    ApplyOptions.DEFAULTS);
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v4");
            String before = "was built before plan " + rewrite.planId() + " rewrote the documents (version 3 on), "
                    + "so it cannot serve them";
            assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state,
                            VersionStatus::outdated)
                    .containsExactly(tuple("docs", "DROPPED", before), tuple("docs:v1", "RETAINED", before),
                            tuple("docs:v2", "DROPPED", before), tuple("docs:v3", "RETAINED", ""),
                            tuple("docs:v4", "ACTIVE", ""));

            assertThatThrownBy(() -> slipway.rollback("docs", "v1"))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("Cannot serve version 1 (docs:v1) of 'docs': it "
                                + before, "nothing was changed", "'slipway rollback --backup-dir "
                                + backup.toAbsolutePath());
                    });
            assertThat(slipway.describe("docs").physicalIndex()).as("unchanged").isEqualTo("docs:v4");
            // a dropped version's refusal offers only what --to accepts (tester R49 T1 F4: "Retained: v1 ..., v3")
            assertThatThrownBy(() -> slipway.rollback("docs", "v2"))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> assertThat(e.getMessage())
                            .contains("no retained version 'v2' to switch to; nothing was changed. Retained: v3 "
                                    + "(docs:v3). Kept, but not servable: v1 (docs:v1), which " + before + ". See "));

            // without v3 (pruned), a plain rollback walks back past the rewrite: v2 is gone, v1 is outdated
            slipway.prune("docs", Optional.of(3));
            assertThatThrownBy(() -> slipway.rollback("docs"))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("no retained previous version that can serve the "
                                + "documents: the newest, version 1 (docs:v1), was built before plan "
                                + rewrite.planId());
                    });
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v4");
            assertThat(((List<?>) RewriteFixture.call(jedis, "FT.SEARCH", "docs", "*", "LIMIT", "0", "0")).get(0))
                    .as("every document served").isEqualTo((long) DOCS);
        }
    }

    /**
     * The mirror case: a version built after a rewrite expects the rewritten documents; once a rollback from the
     * backup restored the originals, {@code rollback --to} must not serve it (it did: exit 0, 0 documents served,
     * tester session 30 R8 H1), while the versions the rewrite had outdated serve again.
     */
    @Test
    void aVersionBuiltForRewrittenDocumentsIsNotServedAfterTheirRestore(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = aliasedDocs(jedis, slipway, dir);
            MigrationPlan rewrite = plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");
            slipway.apply(rewrite, ApplyOptions.DEFAULTS.withBackupDir(backup).withAcceptDataLoss(true));
            slipway.apply(plan(slipway, "docs", dir, "  add_fields:\n    - {name: size, type: tag}\n"),
                    ApplyOptions.DEFAULTS);
            assertThat(slipway.rollback("docs").to()).isEqualTo("docs:v3");

            slipway.rollbackFromBackup(backup, 2);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            String undone = "was built for the documents plan " + rewrite.planId() + " rewrote, whose originals "
                    + "'rollback --backup-dir' has restored since, so it cannot serve them";
            assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state,
                            VersionStatus::outdated)
                    .containsExactly(tuple("docs", "DROPPED", ""), tuple("docs:v1", "RETAINED", ""),
                            tuple("docs:v2", "ACTIVE", ""), tuple("docs:v3", "DROPPED", ""),
                            tuple("docs:v4", "RETAINED", undone));
            assertThatThrownBy(() -> slipway.rollback("docs", "v4"))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("Cannot serve version 4 (docs:v4) of 'docs': it "
                                + undone, "nothing was changed", "rewrite the documents again");
                    });
            assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v2");
            assertThat(slipway.rollback("docs", "v1").to()).as("the rewrite no longer outdates v1")
                    .isEqualTo("docs:v1");
            MigrationReport next = slipway.apply(plan(slipway, "docs", dir,
                    "  add_fields:\n    - {name: shade, type: tag}\n"), ApplyOptions.DEFAULTS);
            assertThat(RewriteFixture.step(next, "switch-alias").detail()).as("the version it replaced, not v4")
                    .isEqualTo("'docs' now serves 'docs:v5'; 'docs:v1' retained for rollback");
            assertThat(((List<?>) RewriteFixture.call(jedis, "FT.SEARCH", "docs", "*", "LIMIT", "0", "0")).get(0))
                    .as("every document served").isEqualTo((long) DOCS);
            // the finished rollback run again after a later migration: it said "Index 'docs:v2' has its original
            // schema", exit 0, while 'docs' served v5 (tester session 55 R49 T1 F1)
            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 2))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                        assertThat(e.getMessage()).contains("was already rolled back, and 'docs' serves 'docs:v5' "
                                + "since; nothing was changed");
                    });
        }
    }

    /**
     * A rewrite, then an index-only drop-recreate change (which keeps no version to go back to): the rollback from the
     * backup is refused, and its advice, the reverse change, serves the rewrite's schema again under a new version;
     * the rollback then restores everything. It was refused as "another schema" by the physical name, and no route
     * was left to the originals (tester session 55 R49 T1 F2).
     */
    @Test
    void aLaterChangeUndoneByItsReverseLetsTheRollbackRestoreTheOriginals(RedisStackServer redis, @TempDir Path dir) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            TreeMap<String, TreeMap<String, String>> before = aliasedDocs(jedis, slipway, dir);
            Path backup = dir.resolve("backup");
            slipway.apply(plan(slipway, "docs", dir, RewriteFixture.EMB_TO_FLOAT16), ApplyOptions.DEFAULTS
                    .withBackupDir(backup).withAcceptDataLoss(true));
            slipway.apply(slipway.plan(PlanRequest.patch("docs", RewriteFixture.patch(dir, "  update_fields:\n"
                    + "    - {name: title, attrs: {weight: 2.0}}\n")).withMode(MigrationMode.DROP_RECREATE)),
                    ApplyOptions.DEFAULTS);

            assertThatThrownBy(() -> slipway.rollbackFromBackup(backup, 2))
                    .isInstanceOfSatisfying(SlipwayException.class, e -> assertThat(e.getMessage())
                            .contains("has another schema since", "is undone by planning and applying the reverse "
                                    + "change"));
            slipway.apply(plan(slipway, "docs", dir, "  update_fields:\n    - {name: title, attrs: {weight: 1.0}}\n"),
                    ApplyOptions.DEFAULTS);
            slipway.rollbackFromBackup(backup, 2);

            assertThat(hashes(jedis, "doc:*")).isEqualTo(before);
            assertThat(((List<?>) RewriteFixture.call(jedis, "FT.SEARCH", "docs", "*", "LIMIT", "0", "0")).get(0))
                    .isEqualTo((long) DOCS);
        }
    }

    /**
     * The documents, then an index-only change: 'docs' becomes an alias of docs:v2, a copy of the original retained
     * as v1. Returns the documents as loaded.
     */
    private static TreeMap<String, TreeMap<String, String>> aliasedDocs(Jedis jedis, Slipway slipway, Path dir) {
        TreeMap<String, TreeMap<String, String>> before = RewriteFixture.hashDocs(jedis, slipway,
                VectorDataType.FLOAT32, DOCS, 7);
        slipway.apply(plan(slipway, "docs", dir, "  add_fields:\n    - {name: colour, type: tag}\n"),
                ApplyOptions.DEFAULTS);
        assertThat(slipway.describe("docs").physicalIndex()).isEqualTo("docs:v2");
        return before;
    }

    private static IndexStatus status(Slipway slipway) {
        return slipway.status(Optional.of("docs")).get(0);
    }
}
