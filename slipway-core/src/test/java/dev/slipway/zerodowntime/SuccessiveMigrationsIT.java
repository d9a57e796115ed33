package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.PruneResult;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

/** A served name through several versions: each migration builds the next one, rollback and prune walk them. */
@ExtendWith(RedisStackExtension.class)
class SuccessiveMigrationsIT {
    private static final int DOCS = 700;
    private static final long BRAND_B1 = DOCS / 13 + (DOCS % 13 > 1 ? 1 : 0);

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void eachMigrationBuildsTheNextVersionThenRollbackAndPruneWalkThem(StorageType storage, RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, storage, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        migrateToV4(slipway);

        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v4");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.count(jedis, Catalog.NAME, "@brand:{b1}")).as("v4's new field is served")
                    .isEqualTo(BRAND_B1);
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v1", "products:v2", "products:v3",
                    "products:v4");
        }
        IndexStatus status = status(slipway);
        assertThat(status.servedBy()).contains("products:v4");
        assertThat(status.alias()).isTrue();
        assertThat(status.activeVersion()).contains(4);
        assertThat(status.migration()).hasValueSatisfying(m -> assertThat(m.status()).isEqualTo("COMPLETED"));
        assertThat(status.strays()).isEmpty();
        assertThat(status.versions())
                .extracting(VersionStatus::version, VersionStatus::physicalIndex, VersionStatus::state,
                        VersionStatus::exists, VersionStatus::numDocs)
                .containsExactly(tuple(0, "products", "DROPPED", false, 0L),
                        tuple(1, "products:v1", "RETAINED", true, (long) DOCS),
                        tuple(2, "products:v2", "RETAINED", true, (long) DOCS),
                        tuple(3, "products:v3", "RETAINED", true, (long) DOCS),
                        tuple(4, "products:v4", "ACTIVE", true, (long) DOCS));

        RollbackResult back = slipway.rollback(Catalog.NAME);
        assertThat(back.action()).isEqualTo(RollbackResult.Action.SWITCHED_BACK);
        assertThat(back.from()).isEqualTo("products:v4");
        assertThat(back.to()).isEqualTo("products:v3");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v3");
        assertThat(slipway.describe(Catalog.NAME).schema().field("brand")).as("v3 has no brand field").isEmpty();
        assertThat(status(slipway).activeVersion()).contains(3);
        assertThat(state(status(slipway), "products:v3")).isEqualTo("ACTIVE");

        Map<String, String> afterRollback;
        try (Jedis jedis = redis.newJedis()) {
            afterRollback = Inspect.slipwayKeys(jedis);
        }
        RollbackResult rerun = slipway.rollback(Catalog.NAME);
        assertThat(rerun.action()).as("the same command again: done already").isEqualTo(
                RollbackResult.Action.ALREADY_DONE);
        assertThat(rerun.from()).isEqualTo("products:v4");
        assertThat(rerun.to()).isEqualTo("products:v3");
        assertThat(rerun.earlier()).isPresent();
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v3");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.slipwayKeys(jedis)).as("nothing changed").isEqualTo(afterRollback);
        }

        RollbackResult again = slipway.rollback(Catalog.NAME, "v2");
        assertThat(again.action()).isEqualTo(RollbackResult.Action.SWITCHED_BACK);
        assertThat(again.from()).isEqualTo("products:v3");
        assertThat(again.to()).as("further back, named").isEqualTo("products:v2");
        RollbackResult repeated = slipway.rollback(Catalog.NAME, "products:v2");
        assertThat(repeated.action()).as("already served").isEqualTo(RollbackResult.Action.ALREADY_DONE);
        assertThat(repeated.from()).as("what the earlier rollback to it left (R42 T2 F5)").isEqualTo("products:v3");
        assertThat(repeated.earlier()).isPresent();
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                .containsExactly(tuple("products", "DROPPED"), tuple("products:v1", "RETAINED"),
                        tuple("products:v2", "ACTIVE"), tuple("products:v3", "RETAINED"),
                        tuple("products:v4", "RETAINED"));

        PruneResult pruned = slipway.prune(Catalog.NAME, Optional.empty());
        assertThat(pruned.dropped()).extracting(VersionStatus::physicalIndex)
                .containsExactlyInAnyOrder("products:v1", "products:v3", "products:v4");
        assertThat(pruned.dropped()).allSatisfy(v -> {
            assertThat(v.memoryBytes()).as("memory of " + v.physicalIndex()).isPositive();
            assertThat(v.numDocs()).isEqualTo(DOCS);
        });
        assertThat(pruned.freedBytes()).isEqualTo(pruned.dropped().stream().mapToLong(VersionStatus::memoryBytes)
                .sum());
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v2");
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
            assertThat(Inspect.documents(jedis)).as("documents are kept").hasSize(DOCS);
        }
        assertThat(status(slipway).versions()).filteredOn(VersionStatus::exists)
                .extracting(VersionStatus::physicalIndex, VersionStatus::state)
                .containsExactly(tuple("products:v2", "ACTIVE"));

        Map<String, String> slipwayKeys;
        try (Jedis jedis = redis.newJedis()) {
            slipwayKeys = Inspect.slipwayKeys(jedis);
        }
        SlipwayException nothingLeft = catchThrowableOfType(() -> slipway.rollback(Catalog.NAME, "1"),
                SlipwayException.class);
        assertThat(nothingLeft).isNotNull();
        assertThat(nothingLeft.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(nothingLeft.exitCode()).isEqualTo(2);
        assertThat(nothingLeft.getMessage()).contains("products", "no retained version '1'", "nothing was changed",
                "Retained: none");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.slipwayKeys(jedis)).isEqualTo(slipwayKeys);
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v2");
        }
    }

    /**
     * A plain rollback undoes one migration: when the version the active one replaced no longer exists (dropped by
     * hand), it refuses and names the older retained version, which {@code --to} serves (it used to serve it at
     * once, undoing two migrations).
     */
    @Test
    void rollbackNamesTheOlderVersionWhenTheReplacedOneNoLongerExists(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        migrateToV4(slipway);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.DROPINDEX"), "products:v3");
        }

        SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                () -> slipway.rollback(Catalog.NAME));

        assertThat(refused.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(refused.getMessage()).isEqualTo("Cannot roll 'products' back one migration: version 3 "
                + "(products:v3), which the active version 4 (products:v4) replaced, no longer exists (dropped "
                + "outside Slipway); nothing was changed. The newest retained version before it is version 2 "
                + "(products:v2): serving it undoes the migration that built version 3 as well. To serve it anyway, "
                + "run 'slipway rollback --index products --to v2'; to undo only the last change, plan and apply the "
                + "reverse change.");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v4");
        RollbackResult back = slipway.rollback(Catalog.NAME, "v2");
        assertThat(back.to()).isEqualTo("products:v2");
        assertThat(state(status(slipway), "products:v2")).isEqualTo("ACTIVE");
    }

    /** With no older version to name, the refusal says which version is gone and how (tester session 41 R31 F6). */
    @Test
    void rollbackNamesTheVersionDroppedByHand(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.DROPINDEX"), "products:v1");
        }

        SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.rollback(Catalog.NAME));

        assertThat(refused.getMessage()).isEqualTo("'products' has no retained previous version to roll back to: "
                + "version 1 (products:v1), which the active version replaced, no longer exists (dropped outside "
                + "Slipway); nothing was changed. See 'slipway status --index products'.");
    }

    /**
     * The alias switched by hand to a retained version: a plain rollback "switched" the name to the index it served
     * already and called the active one retained, and --to the active version was refused (tester session 55 R51
     * M3). The plain rollback refuses and names --to the active version, which serves it again.
     */
    @Test
    void afterAHandSwitchRollbackServesTheActiveVersionAgainOnlyOnRequest(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand())), ApplyOptions.DEFAULTS);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASUPDATE"), Catalog.NAME, "products:v2");
        }

        SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.rollback(Catalog.NAME));

        assertThat(refused).isNotNull();
        assertThat(refused.getMessage()).contains("'products' serves 'products:v2', but Slipway's history records "
                + "'products:v3' as the active version", "'slipway rollback --index products --to products:v3'");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        assertThat(slipway.rollback(Catalog.NAME, "products:v3").to()).isEqualTo("products:v3");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v3");
        assertThat(slipway.rollback(Catalog.NAME).to()).as("a plain rollback from there").isEqualTo("products:v2");
    }

    /**
     * The name's alias removed by hand: every rollback, --to included, blamed a drop-recreate and offered no way back
     * (tester session 55 R51 M2). A plain rollback says what happened; --to puts the alias back.
     */
    @Test
    void afterTheAliasWasRemovedByHandRollbackToPutsItBack(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASDEL"), Catalog.NAME);

            SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.rollback(Catalog.NAME));

            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("'products' serves nothing: its alias was removed outside "
                    + "Slipway (FT.ALIASDEL)", "'slipway rollback --index products --to products:v2'");
            assertThat(slipway.rollback(Catalog.NAME, "v2").to()).isEqualTo("products:v2");
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
            assertThat(slipway.rollback(Catalog.NAME, "v1").to()).as("and --to any other version")
                    .isEqualTo("products:v1");
        }
    }

    /**
     * An alias named like the next version (a user's, or a served name of that form): FT._LIST does not list aliases,
     * so the plan took the name, apply refused it, and every new plan took it again (tester session 55 R51 M1).
     */
    @Test
    void anAliasNamedLikeTheNextVersionIsPassedOver(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), "products:v3", "products:v2");
        }

        MigrationPlan next = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        MigrationReport report = slipway.apply(next, ApplyOptions.DEFAULTS);

        assertThat(next.targetSchema().name()).isEqualTo("products:v4");
        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v4");
    }

    /**
     * A version dropped by hand and another index made under its name: the rollback served that index, exit 0, with
     * other documents (tester session 55 R51 H2). The history's schema of the version must still be the index's.
     */
    @Test
    void rollbackRefusesAVersionMadeAgainByHand(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.DROPINDEX"), "products:v1");
            jedis.sendCommand(command("FT.CREATE"), "products:v1", "ON", "HASH", "PREFIX", "1", "other:", "SCHEMA",
                    "title", "TEXT");
        }

        SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.rollback(Catalog.NAME));

        assertThat(refused).isNotNull();
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).startsWith("Version 1 of 'products' (products:v1) is not the index Slipway "
                + "built: ").contains("nothing was changed", "'FT.ALIASUPDATE products products:v1'");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
    }

    /**
     * A plan applied and rolled back left its version retained: applying it again says how to serve that version
     * (tester session 40 R29 L6: "Drop or rename it"), and changes nothing.
     */
    @Test
    void reapplyingARolledBackPlanNamesTheRetainedVersion(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        slipway.rollback(Catalog.NAME);

        SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).contains("The plan creates index 'products:v3', but an index or alias with "
                + "that name already exists; nothing was changed. If it is the version this plan built before a "
                + "rollback, serve it again with 'slipway rollback --index products --to v3'");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
    }

    /**
     * A drop-recreate of a managed name drops the version it serves: the plan says rollback will have no version of
     * today's schema, and a plain rollback afterwards refuses instead of serving v1, two schema changes back (tester
     * session 40 R29 F3).
     */
    @Test
    void afterADropRecreateOfAManagedNameRollbackDoesNotGoTwoMigrationsBack(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        MigrationPlan dropRecreate = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand())
                .withMode(MigrationMode.DROP_RECREATE));
        assertThat(dropRecreate.warnings()).anySatisfy(w -> assertThat(w).startsWith("Rollback: 'products:v2', the "
                + "index 'products' serves now, is dropped"));
        slipway.apply(dropRecreate, ApplyOptions.DEFAULTS);
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v3");

        SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                () -> slipway.rollback(Catalog.NAME));
        SlipwayException checked = catchThrowableOfType(SlipwayException.class,
                () -> slipway.checkRollback(Catalog.NAME));

        assertThat(checked.getMessage()).as("refused before a CLI shows the status").isEqualTo(refused.getMessage());
        slipway.checkRollback(Catalog.NAME, "v1");
        assertThat(refused.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(refused.getMessage()).startsWith("Cannot roll 'products' back one migration: version 2 "
                + "(products:v2), which the active version 3 (products:v3) replaced, was dropped (pruned, or by a "
                + "drop-recreate migration); nothing was changed.").contains("--to v1");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v3");
    }

    /**
     * Rollback returns to the version served before the migration it undoes, not to the newest retained one: after
     * apply, rollback, apply, rollback the name serves the original again (it used to serve the first migration's
     * version, which had been rolled back).
     */
    @Test
    void applyRollbackApplyRollbackServesWhatWasServedBefore(RedisStackServer redis) {
        Slipway slipway = migratedOnce(redis);
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        assertThat(slipway.rollback(Catalog.NAME).to()).as("the adoption's copy of the original")
                .isEqualTo("products:v1");

        MigrationPlan second = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        assertThat(second.targetSchema().name()).isEqualTo("products:v3");
        slipway.apply(second, ApplyOptions.DEFAULTS);
        RollbackResult back = slipway.rollback(Catalog.NAME);

        assertThat(back.from()).isEqualTo("products:v3");
        assertThat(back.to()).as("what served before v3, not the rolled-back v2").isEqualTo("products:v1");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v1");
        assertThat(slipway.describe(Catalog.NAME).schema().field("price")).as("v2's field is not served").isEmpty();
        assertThat(status(slipway).versions()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                .containsExactly(tuple("products", "DROPPED"), tuple("products:v1", "ACTIVE"),
                        tuple("products:v2", "RETAINED"), tuple("products:v3", "RETAINED"));
        assertThat(slipway.rollback(Catalog.NAME).action()).as("run again: done already")
                .isEqualTo(RollbackResult.Action.ALREADY_DONE);
        SlipwayException nothingBefore = catchThrowableOfType(() -> slipway.rollback(Catalog.NAME, "products"),
                SlipwayException.class);
        assertThat(nothingBefore).as("v1 is the original's copy, which was dropped").isNotNull();
        assertThat(nothingBefore.exitCode()).isEqualTo(2);
        assertThat(nothingBefore.getMessage()).contains("Retained: v2 (products:v2), v3 (products:v3)");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v1");
    }

    /**
     * 'rollback --index' undoes the migration it switches away from: its checkpoint goes. Applying that plan again
     * used to re-validate the version switched away from, fail, and leave a FAILED checkpoint that blocked every
     * later plan, prune and rollback; now it is refused as stale (exit 2, nothing changed), and a new plan applies.
     */
    @Test
    void aPlanRolledBackByIndexCanBeAppliedAgainAndNothingIsBlocked(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        String migrated = slipway.describe(Catalog.NAME).physicalIndex();

        RollbackResult back = slipway.rollback(Catalog.NAME);

        assertThat(back.from()).isEqualTo(migrated);
        assertThat(status(slipway).migration()).as("the undone migration's checkpoint").isEmpty();
        SlipwayException again = catchThrowableOfType(() -> slipway.apply(plan, ApplyOptions.DEFAULTS),
                SlipwayException.class);
        assertThat(again).isNotNull();
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(status(slipway).migration()).as("the refusal wrote no checkpoint").isEmpty();
        MigrationPlan next = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        assertThat(slipway.apply(next, ApplyOptions.DEFAULTS).result())
                .isEqualTo(dev.slipway.api.plan.MigrationReport.Result.SUCCEEDED);
        assertThat(status(slipway).migration()).hasValueSatisfying(m -> assertThat(m.status()).isEqualTo("COMPLETED"));
    }

    /** Pruning a name with nothing to prune writes nothing (it used to leave an empty history key behind). */
    @Test
    void pruningNothingWritesNothing(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        assertThat(slipway.prune(Catalog.NAME, Optional.empty()).dropped()).isEmpty();

        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("slipway:*")).isEmpty();
        }
    }

    /**
     * A name that is neither an index, an alias nor one Slipway has a history of is a misspelling: refused like
     * 'rollback --index' refuses it (exit 2, naming the indexes that exist), not "nothing to prune" with exit 0.
     */
    @Test
    void pruningAnUnknownNameIsRefused(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        SlipwayException unknown = catchThrowableOfType(() -> slipway.prune("prodcts", Optional.empty()),
                SlipwayException.class);

        assertThat(unknown).isNotNull();
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN_INDEX);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.getMessage()).contains("'prodcts' does not exist", "Existing indexes: " + Catalog.NAME);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("slipway:*")).isEmpty();
        }
    }

    /**
     * A version's own name is not a served name: refused with the command that prunes it (tester session 22: "not
     * managed by Slipway", nothing pruned, exit 0). An unknown name's error also lists the served names, which are
     * aliases and so not among the indexes.
     */
    @Test
    void pruningAVersionByItsOwnNameNamesTheServedName(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        migrateToV4(slipway);
        Map<String, String> before;
        try (Jedis jedis = redis.newJedis()) {
            before = Inspect.slipwayKeys(jedis);
        }

        SlipwayException version = catchThrowableOfType(() -> slipway.prune("products:v3", Optional.empty()),
                SlipwayException.class);
        SlipwayException active = catchThrowableOfType(() -> slipway.prune("products:v4", Optional.empty()),
                SlipwayException.class);
        SlipwayException unknown = catchThrowableOfType(() -> slipway.prune("prodcts", Optional.empty()),
                SlipwayException.class);
        // planning or rolling back a version itself would drop it, and the alias with it (tester session 23: the
        // apply of such a plan succeeded and 'products' answered no query)
        SlipwayException plan = catchThrowableOfType(() -> slipway.plan(PlanRequest.patch("products:v4",
                new SchemaPatch(List.of(), List.of(), List.of(), List.of(), null))), SlipwayException.class);
        SlipwayException rollback = catchThrowableOfType(() -> slipway.rollback("products:v3"),
                SlipwayException.class);
        SlipwayException rollbackUnknown = catchThrowableOfType(() -> slipway.rollback("prodcts"),
                SlipwayException.class);
        // a user's alias on the active version: migrated through, its prune dropped 'products'' index (R29 F1)
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), "search_v", "products:v4");
            before = Inspect.slipwayKeys(jedis);
        }
        SlipwayException throughAlias = catchThrowableOfType(() -> slipway.plan(PlanRequest.patch("search_v",
                new SchemaPatch(List.of(), List.of(), List.of(), List.of(), null))), SlipwayException.class);
        assertThat(throughAlias).isNotNull();
        assertThat(throughAlias.exitCode()).isEqualTo(2);
        assertThat(throughAlias.getMessage()).contains("'search_v' is an alias of 'products:v4', version 4 of "
                + "'products' (active)", "nothing was changed", "--index products");
        SlipwayException checkUnknown = catchThrowableOfType(() -> slipway.checkRollback("prodcts"),
                SlipwayException.class);

        assertThat(version.exitCode()).isEqualTo(2);
        assertThat(version.getMessage()).contains("'products:v3' is version 3 of 'products' (retained)",
                "nothing was dropped", "'slipway prune --index products --version 3'");
        assertThat(active.getMessage()).contains("version 4 of 'products' (active)", "never pruned")
                .doesNotContain("slipway prune");
        assertThat(plan.exitCode()).isEqualTo(2);
        assertThat(plan.getMessage()).contains("'products:v4' is version 4 of 'products' (active), a physical index "
                + "behind Slipway's alias 'products'", "nothing was changed", "--index products");
        assertThat(rollback.exitCode()).isEqualTo(2);
        assertThat(rollback.getMessage()).contains("version 3 of 'products' (retained)", "--index products");
        assertThat(rollbackUnknown.code()).as("tester session 34 R18 F5").isEqualTo(ErrorCode.UNKNOWN_INDEX);
        assertThat(rollbackUnknown.getMessage()).contains("Index 'prodcts' does not exist");
        assertThat(checkUnknown).as("checkRollback says what rollback says (tester R30 F9)").isNotNull();
        assertThat(checkUnknown.getMessage()).isEqualTo(rollbackUnknown.getMessage());
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN_INDEX);
        assertThat(unknown.getMessage()).contains("Existing indexes: products:v1, products:v2, products:v3, "
                + "products:v4.", "Names Slipway serves through an alias: products.");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.slipwayKeys(jedis)).isEqualTo(before);
            assertThat(Inspect.indexes(jedis)).hasSize(4);
        }
    }

    /** Prune of one version drops only that one, and nothing when run again; the active version is refused. */
    @Test
    void pruneOfOneVersionAndRefusalOfTheActiveOne(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        migrateToV4(slipway);

        SlipwayException active = catchThrowableOfType(() -> slipway.prune(Catalog.NAME, Optional.of(4)),
                SlipwayException.class);
        assertThat(active).as("the active version is not prunable").isNotNull();
        assertThat(active.code()).isEqualTo(ErrorCode.BAD_USAGE);
        assertThat(active.exitCode()).isEqualTo(2);
        PruneResult one = slipway.prune(Catalog.NAME, Optional.of(2));

        assertThat(one.dropped()).extracting(VersionStatus::physicalIndex).containsExactly("products:v2");
        assertThat(one.freedBytes()).isPositive().isEqualTo(one.dropped().get(0).memoryBytes());
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v1", "products:v3", "products:v4");
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
        }
        assertThat(state(status(slipway), "products:v2")).isEqualTo("DROPPED");
        assertThat(state(status(slipway), "products:v4")).isEqualTo("ACTIVE");
        // its re-run is no error, a number the name never had is (tester R49 T1 F3: the re-run exited 2)
        PruneResult again = slipway.prune(Catalog.NAME, Optional.of(2));
        assertThat(again.dropped()).isEmpty();
        assertThat(again.droppedAlready()).extracting(VersionStatus::physicalIndex, VersionStatus::state)
                .containsExactly(tuple("products:v2", "DROPPED"));
        SlipwayException never = catchThrowableOfType(() -> slipway.prune(Catalog.NAME, Optional.of(9)),
                SlipwayException.class);
        assertThat(never.exitCode()).isEqualTo(2);
        assertThat(never.getMessage()).contains("'products' has no retained version 9: it has no version 9; nothing "
                + "was dropped.");
        // the alias switched by hand to a retained version: prune dropped it, exit 0, and the name served nothing
        // (tester session 55 R51 H1)
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.ALIASUPDATE"), Catalog.NAME, "products:v3");
            SlipwayException served = catchThrowableOfType(() -> slipway.prune(Catalog.NAME, Optional.empty()),
                    SlipwayException.class);
            assertThat(served.exitCode()).isEqualTo(2);
            assertThat(served.getMessage()).contains("'products' serves 'products:v3', which Slipway's history "
                    + "records as retained version 3", "'FT.ALIASUPDATE products products:v4'");
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v1", "products:v3", "products:v4");
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
        }
    }

    /** A name already served through an alias Slipway did not make: the first plan builds v1 and keeps the original. */
    @Test
    void aliasToAnIndexBuiltByHandGetsItsFirstVersion(RedisStackServer redis) {
        Catalog.writeDocuments(redis, StorageType.HASH, DOCS);
        Catalog.createIndex(redis, StorageType.HASH, "manual");
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), Catalog.NAME, "manual");
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));

        assertThat(plan.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        assertThat(plan.source().physicalIndex()).isEqualTo("manual");
        assertThat(plan.targetSchema().name()).isEqualTo("products:v1");
        assertThat(plan.steps()).extracting(PlanStep::name).containsExactly("create-index:products:v1",
                "wait-for-indexing:products:v1", "verify:products:v1", "switch-alias", "validate");
        slipway.apply(plan, ApplyOptions.DEFAULTS);

        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v1");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).containsExactly("manual", "products:v1");
            assertThat(Inspect.count(jedis, Catalog.NAME, "@price:[0 9]")).isEqualTo(10);
        }
        assertThat(status(slipway).versions())
                .extracting(VersionStatus::version, VersionStatus::physicalIndex, VersionStatus::state,
                        VersionStatus::exists)
                .containsExactly(tuple(0, "manual", "RETAINED", true), tuple(1, "products:v1", "ACTIVE", true));
        assertThat(slipway.rollback(Catalog.NAME).to()).isEqualTo("manual");
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("manual");
    }

    /** The hand-built index already has the name Slipway would give its first version. */
    @Test
    void aliasToAHandBuiltIndexNamedLikeAVersionGetsAFreeVersionName(RedisStackServer redis) {
        Catalog.writeDocuments(redis, StorageType.HASH, DOCS);
        Catalog.createIndex(redis, StorageType.HASH, "products:v1");
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASADD"), Catalog.NAME, "products:v1");
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));

        assertThat(plan.targetSchema().name()).as("a version name that is free").isNotEqualTo("products:v1");
        slipway.apply(plan, ApplyOptions.DEFAULTS);
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo(plan.targetSchema().name());
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).contains("products:v1", plan.targetSchema().name());
        }
    }

    /** v1 (adoption copy) and v2, then v3 and v4; each plan targets the next version. */
    /**
     * A target schema kept in code names the index as applications query it: after the first zero-downtime
     * migration that name is an alias of {@code products:v2}, and the same target (or one more field) was planned as
     * a rename of the version to the alias's own name and blocked (tester session 47 R42 T2 F1).
     */
    @ParameterizedTest
    @EnumSource(StorageType.class)
    void aTargetSchemaNamedAsTheServedNamePlansAgainAfterEachMigration(StorageType storage, RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, storage, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        List<FieldSchema> fields = new ArrayList<>(slipway.describe(Catalog.NAME).schema().fields());
        fields.add(FieldSchema.of("price", FieldType.NUMERIC));
        IndexSchema withPrice = slipway.describe(Catalog.NAME).schema().toBuilder().fields(fields).build();
        assertThat(withPrice.name()).isEqualTo(Catalog.NAME);
        MigrationPlan first = slipway.plan(PlanRequest.target(Catalog.NAME, withPrice));
        assertThat(first.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        // no limit on the wait: it overflowed a deadline in nanoseconds, after the first change (R42 T2 F2)
        slipway.apply(first, new ApplyOptions(ChronoUnit.FOREVER.getDuration(), List.of()));
        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");

        MigrationPlan same = slipway.plan(PlanRequest.target(Catalog.NAME, withPrice));
        assertThat(same.supported()).as("blocked: %s", same.blockedReasons()).isTrue();
        assertThat(same.changes()).as("the served name is no rename").isEmpty();
        assertThat(same.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);

        fields.add(FieldSchema.of("brand", FieldType.TAG));
        MigrationPlan next = slipway.plan(PlanRequest.target(Catalog.NAME,
                withPrice.toBuilder().fields(fields).build()));
        assertThat(next.supported()).as("blocked: %s", next.blockedReasons()).isTrue();
        assertThat(next.changes()).extracting(c -> c.kind() + " " + c.subject()).containsExactly("ADD_FIELD brand");
        assertThat(next.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        assertThat(next.targetSchema().name()).isEqualTo("products:v3");
        slipway.apply(next, ApplyOptions.DEFAULTS);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.count(jedis, Catalog.NAME, "@brand:{b1}")).isEqualTo(BRAND_B1);
        }
    }

    /** {@value #DOCS} hash documents of a plain index, migrated once: 'products' serves products:v2. */
    private static Slipway migratedOnce(RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), ApplyOptions.DEFAULTS);
        return slipway;
    }

    private static void migrateToV4(Slipway slipway) {
        List<SchemaPatch> patches = List.of(Catalog.addPrice(), Catalog.sortablePrice(), Catalog.addBrand());
        List<String> targets = List.of("products:v2", "products:v3", "products:v4");
        for (int i = 0; i < patches.size(); i++) {
            MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, patches.get(i)));
            assertThat(plan.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
            assertThat(plan.targetSchema().name()).isEqualTo(targets.get(i));
            assertThat(plan.steps()).extracting(PlanStep::name).contains("create-index:" + targets.get(i));
            slipway.apply(plan, ApplyOptions.DEFAULTS);
            assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo(targets.get(i));
        }
    }

    private static IndexStatus status(Slipway slipway) {
        return slipway.status(Optional.of(Catalog.NAME)).get(0);
    }

    private static String state(IndexStatus status, String physical) {
        return status.versions().stream().filter(v -> v.physicalIndex().equals(physical)).findFirst()
                .map(VersionStatus::state).orElseThrow();
    }
}
