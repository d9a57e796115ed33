package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.VersionStatus;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The first zero-downtime migration of a plain index adopts it: the plain index is replaced by an alias to a new
 * version in one transaction, and an application querying the name never notices.
 */
@ExtendWith(RedisStackExtension.class)
class AdoptionIT {
    private static final int DOCS = 20_000;
    /** Documents with price 0..9 ({@code i % 1000 < 10}). */
    private static final long CHEAP = DOCS / 1000 * 10;

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void adoptionReplacesThePlainIndexByAnAliasWithoutAnyFailedOrIncompleteQuery(StorageType storage,
                                                                                   RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, storage, DOCS);
        Map<String, KeyDumps.Blob> documentsBefore;
        try (Jedis jedis = redis.newJedis()) {
            documentsBefore = Inspect.documents(jedis);
        }
        StepClock clock = new StepClock();
        Slipway slipway = Slipway.configure().url(redis.url()).progress(clock).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        assertThat(plan.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        assertThat(plan.steps()).extracting(PlanStep::name).containsExactly("create-index:products:v1",
                "create-index:products:v2", "wait-for-indexing:products:v1", "wait-for-indexing:products:v2",
                "verify:products:v1", "verify:products:v2", "adopt-index", "validate");

        QueryProbe probe = QueryProbe.start(redis, Catalog.NAME, DOCS);
        long applyStarted = System.nanoTime();
        MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);
        long applyEnded = System.nanoTime();
        Inspect.sleep(100); // queries after the switch, on the alias
        QueryProbe.Result seen = probe.stop();

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.downtime()).isEqualTo(MigrationReport.Downtime.NONE);
        assertThat(seen.errors()).as(seen.summary()).isEmpty();
        assertThat(seen.incompleteTotals()).as(seen.summary()).isEmpty();
        assertThat(seen.queriesBetween(applyStarted, applyEnded)).as(seen.summary()).isGreaterThan(200);
        long switchStarted = clock.started(7);
        long switchEnded = clock.started(8);
        assertThat(seen.queriesBetween(applyStarted, switchStarted)).as("queries before the switch").isPositive();
        assertThat(seen.queriesBetween(switchEnded, Long.MAX_VALUE)).as("queries after the switch").isPositive();

        assertThat(slipway.describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v2");
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.info(jedis, Catalog.NAME).indexName()).isEqualTo("products:v2");
            assertThat(Inspect.indexes(jedis)).containsExactly("products:v1", "products:v2");
            assertThat(Inspect.count(jedis, Catalog.NAME, "@price:[0 9]")).as("the new field is served")
                    .isEqualTo(CHEAP);
            assertThat(Inspect.info(jedis, "products:v1").numDocs()).isEqualTo(DOCS);
            assertThat(jedis.exists("slipway:history:products")).isTrue();
            assertThat(Inspect.documents(jedis)).as("documents are byte-identical").isEqualTo(documentsBefore);
        }
        IndexStatus status = slipway.status(Optional.of(Catalog.NAME)).get(0);
        assertThat(status.alias()).isTrue();
        assertThat(status.servedBy()).contains("products:v2");
        assertThat(status.activeVersion()).contains(2);
        assertThat(status.versions())
                .extracting(VersionStatus::version, VersionStatus::physicalIndex, VersionStatus::state,
                        VersionStatus::exists, VersionStatus::numDocs)
                .containsExactly(tuple(0, "products", "DROPPED", false, 0L),
                        tuple(1, "products:v1", "RETAINED", true, (long) DOCS),
                        tuple(2, "products:v2", "ACTIVE", true, (long) DOCS));
        assertThat(status.strays()).isEmpty();
        assertThat(status.lockOwner()).isEmpty();
    }

    /** The contrast: the same probe does see the downtime of a drop-recreate, so the test above can fail. */
    @ParameterizedTest
    @EnumSource(StorageType.class)
    void theProbeSeesTheDowntimeOfADropRecreate(StorageType storage, RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, storage, DOCS);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())
                .withMode(MigrationMode.DROP_RECREATE));
        assertThat(plan.mode()).isEqualTo(MigrationMode.DROP_RECREATE);

        QueryProbe probe = QueryProbe.start(redis, Catalog.NAME, DOCS);
        MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);
        QueryProbe.Result seen = probe.stop();

        assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(seen.errors().size() + seen.incompleteTotals().size()).as(seen.summary()).isPositive();
        assertThat(seen.incompleteTotals()).as("partial results while the new index was indexing")
                .allSatisfy(total -> assertThat(total).isBetween(0L, (long) DOCS - 1));
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).isEqualTo(List.of(Catalog.NAME));
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
        }
    }

    /**
     * FT.DROPINDEX removes every alias of the index, and Redis Search 2.10 cannot list them: an alias the application
     * added itself does not survive the adoption or a drop-and-recreate. The plan says so and names the command that
     * points it at the new index; it is checked here that the server really behaves so and that the advice works.
     */
    @ParameterizedTest
    @EnumSource(MigrationMode.class)
    void aPlanThatDropsTheIndexWarnsThatItsOwnAliasesGo(MigrationMode mode, RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, 100);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.ALIASADD"), "products_live", Catalog.NAME);
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()).withMode(mode));
        String created = mode == MigrationMode.ZERO_DOWNTIME ? "products:v2" : Catalog.NAME;

        assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("Index 'products' is dropped",
                "removes every alias of it", "FT.ALIASUPDATE <alias> " + created));
        slipway.apply(plan, ApplyOptions.DEFAULTS);

        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.indexes(jedis)).doesNotContain("products_live");
            assertThatThrownBy(() -> Inspect.info(jedis, "products_live"))
                    .as("the server dropped the alias with the index").isInstanceOf(JedisDataException.class);
            jedis.sendCommand(RedisStackServer.command("FT.ALIASUPDATE"), "products_live", created);
            assertThat(Inspect.matchAll(jedis, "products_live")).isEqualTo(100);
        }
        if (mode == MigrationMode.ZERO_DOWNTIME) {
            MigrationPlan later = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addStock()));
            assertThat(later.warnings()).as("a later zero-downtime migration drops nothing")
                    .noneSatisfy(w -> assertThat(w).contains("removes every alias"));
        }
    }

    /**
     * Planned through an alias an application made of a plain index: the plan says that clients of the plain index's
     * own name keep the old schema and that prune drops it (zero-downtime), or that the migration drops it
     * (drop-recreate); a routine prune broke such clients unannounced (tester session 52 R46 T2 F10). A plan of the
     * plain index itself says nothing of the kind.
     */
    @ParameterizedTest
    @EnumSource(MigrationMode.class)
    void aPlanThroughAnApplicationsAliasSaysWhatHappensToTheIndexUnderIt(MigrationMode mode,
                                                                       RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, 100);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.ALIASADD"), "shop", Catalog.NAME);
        }
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        MigrationPlan viaAlias = slipway.plan(PlanRequest.patch("shop", Catalog.addBrand()).withMode(mode));
        MigrationPlan direct = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()).withMode(mode));

        assertThat(viaAlias.warnings()).anySatisfy(w -> assertThat(w).contains("'shop' is an alias of index '"
                + Catalog.NAME + "', which Slipway did not create", "Point such clients at 'shop' first").contains(
                mode == MigrationMode.ZERO_DOWNTIME ? "which 'slipway prune --index shop' drops, with every alias of it"
                        : "The migration drops '" + Catalog.NAME + "', with every other alias of it"));
        assertThat(direct.warnings()).noneSatisfy(w -> assertThat(w).contains("is an alias of index"));
    }

    /**
     * An index renamed by drop-recreate: the warning about aliases the drop removes says to query the new name, not
     * the one that disappears (tester session 52 R46 T2 F8).
     */
    @ParameterizedTest
    @EnumSource(value = MigrationMode.class, names = "DROP_RECREATE")
    void theAliasWarningOfARenameNamesTheNewName(MigrationMode mode, RedisStackServer redis) {
        Catalog.seedPlainIndex(redis, StorageType.HASH, 100);
        Slipway slipway = Slipway.configure().url(redis.url()).load();

        MigrationPlan plan = slipway.plan(PlanRequest.target(Catalog.NAME, slipway.describe(Catalog.NAME).schema()
                .withName("products_new")).withMode(mode));

        assertThat(plan.warnings()).anySatisfy(w -> assertThat(w).contains("removes every alias of it")
                .endsWith("or query 'products_new' instead."));
    }
}
