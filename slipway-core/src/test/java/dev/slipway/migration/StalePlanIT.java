package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.StorageType;
import dev.slipway.migration.ProductCatalog.VectorAlgorithm;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.slipway.migration.ProductCatalog.INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A plan describes the index as it was; {@code apply} refuses it, before any change, when the index moved on
 * since (re-created with another schema, deleted) or when the plan file itself was edited.
 */
@ExtendWith(RedisStackExtension.class)
class StalePlanIT {
    private static final String ADD_BRAND = """
            version: 1
            changes:
              add_fields:
                - name: brand
                  type: tag
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void refusesPlanWhenIndexWasRecreatedWithAnotherField(StorageType storage, RedisStackServer redis)
            throws Exception {
        ProductCatalog catalog = ProductCatalog.seed(redis, storage);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = planAddBrand(slipway);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.DROPINDEX"), INDEX);
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"),
                    catalog.createArguments(VectorAlgorithm.FLAT, "color", "TAG").toArray(String[]::new));
            RedisInspection.awaitIndexed(jedis, INDEX, 200);
            RedisInspection.State altered = RedisInspection.capture(jedis);

            StalePlanException stale = catchThrowableOfType(StalePlanException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

            assertThat(stale).as("apply of a stale plan must throw StalePlanException").isNotNull();
            assertThat(stale.code()).isEqualTo(ErrorCode.STALE_PLAN);
            assertThat(stale.exitCode()).isEqualTo(2);
            assertThat(stale.getMessage()).contains("'" + INDEX + "'").contains("slipway plan");
            assertThat(stale.problems()).as("the differences name the new field").anyMatch(p -> p.contains("color"));
            assertThat(RedisInspection.capture(jedis)).as("the altered index and documents untouched")
                    .isEqualTo(altered);
            assertThat(RedisInspection.definition(jedis, INDEX)).contains("color").doesNotContain("brand");
            assertThat(RedisInspection.slipwayKeys(jedis)).isEmpty();
        }
    }

    @Test
    void refusesPlanWhenIndexWasDeleted(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = planAddBrand(slipway);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.DROPINDEX"), INDEX);
            RedisInspection.State afterDelete = RedisInspection.capture(jedis);

            StalePlanException stale = catchThrowableOfType(StalePlanException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

            assertThat(stale).as("apply for a deleted index must throw StalePlanException").isNotNull();
            assertThat(stale.exitCode()).isEqualTo(2);
            assertThat(stale.getMessage()).contains("'" + INDEX + "'").contains("no longer exists");
            assertThat(RedisInspection.capture(jedis)).isEqualTo(afterDelete);
            assertThat(RedisInspection.indexes(jedis)).as("no index was created").isEmpty();
            assertThat(RedisInspection.slipwayKeys(jedis)).isEmpty();
        }
    }

    @Test
    void refusesPlanFileWhoseCommandWasEdited(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(planAddBrand(slipway), file);
        String original = Files.readString(file);
        String dropKeepingDocuments = "- FT.DROPINDEX " + INDEX + "\n";
        assertThat(original).contains(dropKeepingDocuments);
        // the most harmful edit there is: DD deletes every document along with the index
        Files.writeString(file, original.replace(dropKeepingDocuments, "- FT.DROPINDEX " + INDEX + " DD\n"));
        MigrationPlan edited = SlipwayFiles.readPlan(file);
        assertThat(edited.steps().get(0).commands().get(0)).containsExactly("FT.DROPINDEX", INDEX, "DD");

        assertRefusedAsEdited(slipway, redis, edited);
    }

    @Test
    void refusesBlockedPlanFileEditedToLookSupported(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path patch = dir.resolve("patch.yaml");
        Files.writeString(patch, "version: 1\nchanges:\n  update_fields:\n    - name: embedding\n"
                + "      attrs: {dims: 8}\n");
        MigrationPlan blocked = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(patch))
                .withMode(MigrationMode.DROP_RECREATE));
        assertThat(blocked.supported()).isFalse();
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(blocked, file);
        String original = Files.readString(file);
        assertThat(original).contains("\nsupported: false\n");
        Files.writeString(file, original.replace("\nsupported: false\n", "\nsupported: true\n")
                .replaceAll("\nblocked_reasons:\n(  - .*\n(    .*\n)*)+", "\nblocked_reasons: []\n"));
        MigrationPlan edited = SlipwayFiles.readPlan(file);
        assertThat(edited.supported()).isTrue();
        assertThat(edited.blockedReasons()).isEmpty();

        assertRefusedAsEdited(slipway, redis, edited);
    }

    /** The changes list is not digested, but a supported plan that shows a blocked change was edited. */
    @Test
    void refusesSupportedPlanFileEditedToShowABlockedChange(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(planAddBrand(slipway), file);
        String original = Files.readString(file);
        Files.writeString(file, original.replaceFirst("(\n\s+)supported: true\n", "$1supported: false\n"));
        MigrationPlan edited = SlipwayFiles.readPlan(file);
        assertThat(edited.supported()).isTrue();
        assertThat(edited.changes()).anyMatch(c -> !c.supported());

        assertRefusedAsEdited(slipway, redis, edited);
    }

    /**
     * An edit of what a reviewer reads (a change's new value, here) is refused too, though apply does not act on it
     * (tester session 44 R38 F3: apply printed the edited weight and applied the planned one). A plan made before the
     * review digest existed is not checked for it.
     */
    @Test
    void refusesPlanFileWhoseShownChangeWasEdited(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(planAddBrand(slipway), file);
        String original = Files.readString(file);
        int changes = original.indexOf("\nchanges:");
        int to = original.indexOf(" to: ", changes);
        assertThat(changes).isPositive();
        assertThat(to).isGreaterThan(changes);
        assertThat(original).contains("\nreview_digest: ");
        Files.writeString(file, original.substring(0, to) + " to: 'edited by hand' # " + original.substring(to + 5));
        MigrationPlan edited = SlipwayFiles.readPlan(file);
        assertThat(edited.planId()).isEqualTo(SlipwayFiles.readPlan(dir.resolve("plan.yaml")).planId());

        assertRefusedAsEdited(slipway, redis, edited);

        // taken out of a plan that records its namespace, which came after the digest: refused (tester R44 T2 F7)
        Files.writeString(file, original.replaceAll("\nreview_digest: .*", ""));
        MigrationPlan undigested = SlipwayFiles.readPlan(file);
        assertRefusedAsEdited(slipway, redis, undigested);
        assertThat(catchThrowableOfType(SlipwayException.class, () -> dev.slipway.internal.plan.MigrationPlanner
                .requireIntact(undigested)).getMessage()).contains("its review_digest was removed");
        // a plan made before either existed carries neither, and is not checked for it
        MigrationPlan older = new MigrationPlan(undigested.formatVersion(), "", undigested.createdAt(),
                undigested.source(), undigested.requestedPatch(), undigested.targetSchema(), undigested.changes(),
                undigested.supported(), undigested.blockedReasons(), undigested.mode(), undigested.modeReason(),
                undigested.warnings(), undigested.steps(), undigested.estimate(), undigested.validation(),
                undigested.rewrite(), "", "");
        MigrationPlan old = new MigrationPlan(older.formatVersion(), dev.slipway.internal.plan.MigrationPlanner
                .planId(older), older.createdAt(), older.source(), older.requestedPatch(), older.targetSchema(),
                older.changes(), older.supported(), older.blockedReasons(), older.mode(), older.modeReason(),
                older.warnings(), older.steps(), older.estimate(), older.validation(), older.rewrite(), "", "");
        dev.slipway.internal.plan.MigrationPlanner.requireIntact(old);
    }

    private static void assertRefusedAsEdited(Slipway slipway, RedisStackServer redis, MigrationPlan edited) {
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);

            SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.apply(edited, ApplyOptions.DEFAULTS));

            assertThat(refused).as("apply of an edited plan must throw").isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("edited");
            assertThat(RedisInspection.capture(jedis)).as("nothing changed").isEqualTo(before);
            assertThat(RedisInspection.numDocs(jedis, INDEX)).isEqualTo(200);
            assertThat(RedisInspection.slipwayKeys(jedis)).isEmpty();
            // validate and estimate read the plan too: what validate checks comes from it
            for (Runnable verb : List.<Runnable>of(() -> slipway.validate(edited, List.of()),
                    () -> slipway.estimate(edited))) {
                SlipwayException alsoRefused = catchThrowableOfType(SlipwayException.class, verb::run);
                assertThat(alsoRefused).isNotNull();
                assertThat(alsoRefused.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
            }
        }
    }

    private MigrationPlan planAddBrand(Slipway slipway) throws java.io.IOException {
        Path patch = Files.writeString(dir.resolve("add-brand.yaml"), ADD_BRAND);
        return slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(patch))
                .withMode(MigrationMode.DROP_RECREATE));
    }
}
