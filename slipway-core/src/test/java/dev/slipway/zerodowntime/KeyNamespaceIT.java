package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Slipway's key namespace ({@code --namespace}) belongs to a plan: the lock, checkpoint and version history its steps
 * name are there, so a run under another namespace is refused, and a rollback never drops the index the name serves
 * (tester session 45 R40 F2: a plan applied under another namespace split the version history, and a discard in one
 * namespace dropped the version another had switched the name to).
 */
@ExtendWith(RedisStackExtension.class)
class KeyNamespaceIT {
    private static final int DOCS = 200;
    private static final String TEAM = "team1:";

    @Test
    void aPlanRunsOnlyUnderTheNamespaceItWasMadeIn(RedisStackServer redis) {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway team = slipway(redis, TEAM);
        Slipway other = slipway(redis, KeyNamespace.DEFAULT.prefix());
        MigrationPlan plan = team.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        assertThat(plan.keyNamespace()).isEqualTo(TEAM);
        try (Jedis jedis = redis.newJedis()) {
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);
            List<String> indexes = Inspect.indexes(jedis);

            List<SlipwayException> refusals = List.of(
                    refusal(() -> other.apply(plan, ApplyOptions.DEFAULTS)),
                    refusal(() -> other.check(plan, ApplyOptions.DEFAULTS)),
                    refusal(() -> other.estimate(plan)),
                    refusal(() -> other.validate(plan, List.of())));

            assertThat(refusals).allSatisfy(e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                assertThat(e.exitCode()).isEqualTo(2);
                assertThat(e.getMessage()).contains("was made with --namespace team1:", "uses slipway:",
                        "Nothing was changed", "with --namespace team1:");
            });
            assertThat(KeyDumps.dumpAll(jedis)).as("nothing changed, no key of either namespace").isEqualTo(before);
            assertThat(Inspect.indexes(jedis)).isEqualTo(indexes);

            MigrationReport report = team.apply(plan, ApplyOptions.DEFAULTS);
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(jedis.exists("team1:history:" + Catalog.NAME)).isTrue();
            assertThat(jedis.keys("slipway:*")).isEmpty();
            assertThat(team.validate(plan, List.of()).passed()).isTrue();
            // a rollback under the other namespace says where the versions are, not "no Slipway alias" (R41 F9)
            SlipwayException elsewhere = refusal(() -> other.rollback(Catalog.NAME));
            assertThat(elsewhere.getMessage()).contains("'products' is served by 'products:v2', a Slipway version, "
                    + "but key namespace slipway: has no version history of it", "Nothing was changed");
        }
    }

    @Test
    void theNamespaceInAPlanFileCannotBeEditedOrRemoved(RedisStackServer redis, @TempDir Path dir)
            throws Exception {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway team = slipway(redis, TEAM);
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(team.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), file);
        String original = Files.readString(file);
        assertThat(original).contains("\nkey_namespace: \"team1:\"");

        Files.writeString(file, original.replace("\nkey_namespace: \"team1:\"", "\nkey_namespace: \"slipway:\""));
        SlipwayException edited = refusal(() -> slipway(redis, "slipway:").apply(SlipwayFiles.readPlan(file),
                ApplyOptions.DEFAULTS));
        Files.writeString(file, original.replace("\nkey_namespace: \"team1:\"", ""));
        SlipwayException removed = refusal(() -> slipway(redis, "slipway:").apply(SlipwayFiles.readPlan(file),
                ApplyOptions.DEFAULTS));

        assertThat(List.of(edited, removed)).allSatisfy(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_INPUT);
            assertThat(e.getMessage()).contains("was edited after it was made");
        });
        try (Jedis jedis = redis.newJedis()) {
            assertThat(jedis.keys("slipway:*")).isEmpty();
            assertThat(Inspect.indexes(jedis)).containsExactly(Catalog.NAME);
        }
    }

    /**
     * A zero-downtime migration stopped before its switch, after which something else (here FT.ALIASUPDATE by hand; in
     * the tester's case a run under another namespace) pointed the name at the version it was building: discarding
     * the unfinished migration would drop the index the name serves, so the rollback is refused and changes nothing.
     */
    @Test
    void aRollbackNeverDropsTheIndexTheNameServes(RedisStackServer redis) {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway slipway = slipway(redis, KeyNamespace.DEFAULT.prefix());
        slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), ApplyOptions.DEFAULTS);
        MigrationPlan plan = slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        String building = plan.targetSchema().name();
        crashBefore(redis, plan, "switch-alias");
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(command("FT.ALIASUPDATE"), Catalog.NAME, building);
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);
            List<String> indexes = Inspect.indexes(jedis);

            SlipwayException checked = refusal(() -> slipway.checkRollback(Catalog.NAME));
            SlipwayException rolledBack = refusal(() -> slipway.rollback(Catalog.NAME));

            assertThat(List.of(checked, rolledBack)).allSatisfy(e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                assertThat(e.getMessage()).contains("'products' serves '" + building + "'", "records as still "
                        + "building", "never drops the index a name serves; nothing was changed");
            });
            assertThat(Inspect.indexes(jedis)).isEqualTo(indexes).contains(building);
            assertThat(Inspect.info(jedis, Catalog.NAME).indexName()).isEqualTo(building);
            assertThat(KeyDumps.dumpAll(jedis)).isEqualTo(before);

            // put back by hand, the discard goes ahead as usual
            jedis.sendCommand(command("FT.ALIASUPDATE"), Catalog.NAME, plan.source().physicalIndex());
            RollbackResult discarded = slipway.rollback(Catalog.NAME);
            assertThat(discarded.action()).isEqualTo(RollbackResult.Action.DISCARDED_UNFINISHED);
            assertThat(discarded.discarded()).containsExactly(building);
            assertThat(Inspect.info(jedis, Catalog.NAME).indexName()).isEqualTo(plan.source().physicalIndex());
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
        }
    }

    /**
     * Two namespaces migrating one name one after the other: a plain rollback in the first would switch away from the
     * version the second built, which its history does not know, undoing two migrations; it is refused, and --to
     * still serves a named version on purpose.
     */
    @Test
    void aRollbackRefusesANameSwitchedByAnotherNamespace(RedisStackServer redis) {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway first = slipway(redis, "nsA:");
        Slipway second = slipway(redis, "nsB:");
        first.apply(first.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), ApplyOptions.DEFAULTS);
        first.apply(first.plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand())), ApplyOptions.DEFAULTS);
        MigrationPlan other = second.plan(PlanRequest.patch(Catalog.NAME, Catalog.addStock()));
        assertThat(other.warnings()).as("the plan says so").anySatisfy(w -> assertThat(w).contains("'products' is "
                + "served by 'products:v3', a version Slipway's history in key namespace nsB: does not know"));
        assertThat(first.plan(PlanRequest.patch(Catalog.NAME, Catalog.addStock())).warnings())
                .noneMatch(w -> w.contains("does not know"));
        second.apply(other, ApplyOptions.DEFAULTS);
        String served = other.targetSchema().name();
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.info(jedis, Catalog.NAME).indexName()).isEqualTo(served);
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);

            SlipwayException checked = refusal(() -> first.checkRollback(Catalog.NAME));
            SlipwayException rolledBack = refusal(() -> first.rollback(Catalog.NAME));

            assertThat(List.of(checked, rolledBack)).allSatisfy(e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BAD_USAGE);
                assertThat(e.getMessage()).contains("'products' serves '" + served + "', which Slipway's version "
                        + "history in key namespace nsA: does not know", "Nothing was changed", "--to");
            });
            assertThat(KeyDumps.dumpAll(jedis)).isEqualTo(before);
            assertThat(second.rollback(Catalog.NAME).to()).as("where it was switched, it rolls back")
                    .isEqualTo(other.source().physicalIndex());
        }
    }

    /**
     * Two namespaces' plans name the same versions (made before either applied); one run creates a version just
     * before the other would: the other fails on it without taking it as its own, and its discard drops nothing of
     * the first run's (tester session 46 R41 F1: it counted the index as its own, advised dropping the one the name
     * then served, and its rollback dropped the first run's versions).
     */
    @Test
    void aVersionAnotherRunCreatedIsNeverTakenAsThisRunsOwn(RedisStackServer redis) {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, StorageType.HASH, DOCS);
        Slipway second = slipway(redis, "nsB:");
        MigrationPlan plan = second.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice()));
        String copy = plan.steps().get(0).commands().get(0).get(1);
        assertThat(copy).isEqualTo("products:v1");
        StepBoundaryListener otherRunFirst = new StepBoundaryListener() {
            @Override
            public void before(String step) {
                if (step.equals("create-index:" + copy)) { // as another run would, with the same schema
                    try (Jedis jedis = redis.newJedis()) {
                        List<String> create = plan.steps().get(0).commands().get(0);
                        jedis.sendCommand(command(create.get(0)), create.subList(1, create.size())
                                .toArray(String[]::new));
                    }
                }
            }

            @Override
            public void after(String step) {
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000);
             Jedis jedis = redis.newJedis()) {
            MigrationExecutor executor = new MigrationExecutor(session, new KeyNamespace("nsB:"),
                    ProgressListener.NONE).onStepBoundary(otherRunFirst);

            Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> executor.apply(plan,
                    ApplyOptions.DEFAULTS));

            assertThat(failed).isInstanceOf(dev.slipway.api.MigrationFailedException.class)
                    .hasMessageContaining("Index 'products:v1' already exists, and this migration (plan "
                            + plan.planId() + ") did not create it").hasMessageNotContaining("drop or rename");
            assertThat(second.status(java.util.Optional.of(Catalog.NAME)).get(0).versions())
                    .as("nsB: records no version it did not create").isEmpty();
            RollbackResult discarded = second.rollback(Catalog.NAME);
            assertThat(discarded.discarded()).isEmpty();
            assertThat(Inspect.indexes(jedis)).contains(copy, Catalog.NAME);
            assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isEqualTo(DOCS);
        }
    }

    private static void crashBefore(RedisStackServer redis, MigrationPlan plan, String step) {
        StepBoundaryListener listener = new StepBoundaryListener() {
            @Override
            public void before(String name) {
                if (name.equals(step)) {
                    throw new Crash();
                }
            }

            @Override
            public void after(String name) {
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            MigrationExecutor executor = new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(listener);
            assertThatThrownBy(() -> executor.apply(plan, ApplyOptions.DEFAULTS)).isInstanceOf(Crash.class);
        }
    }

    /** Thrown from the boundary hook: the simulated crash. */
    private static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    private static SlipwayException refusal(Runnable call) {
        SlipwayException e = catchThrowableOfType(call::run, SlipwayException.class);
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    private static Slipway slipway(RedisStackServer redis, String namespace) {
        return Slipway.configure().url(redis.url()).keyNamespace(namespace).load();
    }
}
