package dev.slipway.zerodowntime;

import java.time.Instant;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.StorageType;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.RollbackResult;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A crash at every step boundary of a migration (an {@link Error} thrown from the executor's boundary hook, which
 * escapes without updating the checkpoint): the name keeps answering, status shows the unfinished migration, and a
 * re-run of the same plan ends exactly where an uninterrupted run ends. Before the switch, rollback instead
 * discards the unfinished migration.
 */
@ExtendWith(RedisStackExtension.class)
class CrashResumeIT {
    private static final int DOCS = 300;

    /** The migrations crashed. */
    private enum Kind {
        /** First zero-downtime migration of a plain index (builds v1 and v2, adopts). */
        ADOPTION,
        /** Zero-downtime migration of a name already served by v2 (builds v3, switches). */
        ADOPTED,
        /** Drop-recreate of a plain index. */
        DROP_RECREATE
    }

    private enum Side { BEFORE, AFTER }

    /** Where the crash happens. */
    private record Boundary(Side side, int stepIndex, String step) {
        @Override
        public String toString() {
            return side.name().toLowerCase() + " " + step;
        }
    }

    /** Thrown from the boundary hook: the simulated crash. */
    private static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(Boundary at) {
            super("simulated crash " + at);
        }
    }

    @TestFactory
    Stream<DynamicTest> adoptionOfAHashIndex(RedisStackServer redis) {
        return crashesAndResumes(redis, Kind.ADOPTION, StorageType.HASH);
    }

    @TestFactory
    Stream<DynamicTest> adoptionOfAJsonIndex(RedisStackServer redis) {
        return crashesAndResumes(redis, Kind.ADOPTION, StorageType.JSON);
    }

    @TestFactory
    Stream<DynamicTest> migrationOfAnAdoptedIndex(RedisStackServer redis) {
        return crashesAndResumes(redis, Kind.ADOPTED, StorageType.HASH);
    }

    @TestFactory
    Stream<DynamicTest> dropRecreate(RedisStackServer redis) {
        return crashesAndResumes(redis, Kind.DROP_RECREATE, StorageType.HASH);
    }

    @TestFactory
    Stream<DynamicTest> rollbackDiscardsAnUnfinishedAdoption(RedisStackServer redis) {
        return crashesAndRollbacks(redis, Kind.ADOPTION, StorageType.HASH);
    }

    @TestFactory
    Stream<DynamicTest> rollbackDiscardsAnUnfinishedMigrationOfAnAdoptedIndex(RedisStackServer redis) {
        return crashesAndRollbacks(redis, Kind.ADOPTED, StorageType.HASH);
    }

    /** While a crashed migration is unfinished, a different plan is refused before it changes anything. */
    @Test
    void anotherPlanIsRefusedWhileACrashedMigrationIsUnfinished(RedisStackServer redis) {
        MigrationPlan crashed = prepare(redis, Kind.ADOPTION, StorageType.HASH);
        crash(redis, crashed, new Boundary(Side.AFTER, 1, "create-index:products:v2"));
        MigrationPlan other = slipway(redis).plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        EndState before = EndState.capture(redis);
        Map<String, String> keys;
        try (Jedis jedis = redis.newJedis()) {
            keys = Inspect.slipwayKeys(jedis);
        }

        StalePlanException refused = catchThrowableOfType(
                () -> slipway(redis).apply(other, ApplyOptions.DEFAULTS), StalePlanException.class);

        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo(ErrorCode.STALE_PLAN);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.getMessage()).contains(crashed.planId(), "nothing was changed", "First finish it by "
                + "re-running 'slipway apply' with that plan, or discard it with 'slipway rollback --index products'. "
                + "Once it is undone this plan can be applied; once it is finished, the index has changed, so plan "
                + "this change again.");
        assertThat(other.warnings()).as("the plan says so too (tester session 40 R29 L4)").anySatisfy(w ->
                assertThat(w).isEqualTo("Index 'products' has an unfinished migration of another plan ("
                        + crashed.planId() + ", running): apply refuses this plan until it is finished or undone. "
                        + "First finish it by re-running 'slipway apply' with that plan, or discard it with 'slipway "
                        + "rollback --index products' (once it is finished, the index has changed: plan this change "
                        + "again)."));
        assertThat(EndState.capture(redis)).isEqualTo(before);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(Inspect.slipwayKeys(jedis)).isEqualTo(keys);
        }
        assertThat(slipway(redis).apply(crashed, ApplyOptions.DEFAULTS).resumed()).isTrue();
    }

    /**
     * A kill -9 can land inside a create step: the step records the BUILDING version first, then sends FT.CREATE,
     * then the checkpoint marks the step done. The boundary hook cannot stop inside a step, so the test crashes
     * before it and performs the step's first two actions itself. Rollback must discard the index the step created;
     * and with only the history entry written (killed before FT.CREATE), rollback must cope with the missing index.
     */
    @Test
    void rollbackDiscardsAVersionCreatedJustBeforeAKill(RedisStackServer redis) {
        for (boolean indexCreated : new boolean[]{true, false}) {
            redis.flushAll();
            MigrationPlan plan = prepare(redis, Kind.ADOPTION, StorageType.HASH);
            EndState before = EndState.capture(redis);
            crash(redis, plan, new Boundary(Side.BEFORE, 1, "create-index:products:v2"));
            PlanStep create = plan.steps().get(1);
            assertThat(create.name()).isEqualTo("create-index:products:v2");
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
                HistoryStore store = new HistoryStore(session, KeyNamespace.DEFAULT);
                store.save(store.load(Catalog.NAME).with(new VersionHistory.VersionEntry(2, "products:v2",
                        VersionHistory.State.BUILDING, plan.planId(), Instant.now(), plan.targetSchema())));
                if (indexCreated) {
                    session.call(create.commands().get(0));
                }
            }

            RollbackResult result = slipway(redis).rollback(Catalog.NAME);

            assertThat(result.discarded()).containsExactlyInAnyOrder("products:v1", "products:v2");
            assertThat(EndState.capture(redis).withoutCheckpoint()).isEqualTo(before.withoutCheckpoint());
            assertThat(slipway(redis).status(Optional.of(Catalog.NAME)).get(0).strays()).isEmpty();
        }
    }

    /**
     * A kill -9 between the switch's transaction (alias and history) and the checkpoint's save: the name serves the
     * new version while the checkpoint does not record the switch. A plain rollback took the migration for one that
     * had not switched, "discarded" nothing with exit 0, and answered every re-run "already discarded" (tester
     * session 55 R51 H3); it switches back now, once.
     */
    @Test
    void aRollbackAfterAKillBetweenTheSwitchAndItsCheckpointSwitchesBack(RedisStackServer redis) {
        MigrationPlan plan = prepare(redis, Kind.ADOPTION, StorageType.HASH);
        int validate = indexOfKind(plan, StepKind.VALIDATE);
        crash(redis, plan, new Boundary(Side.BEFORE, validate, plan.steps().get(validate).name()));
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            dev.slipway.internal.apply.CheckpointStore checkpoints = new dev.slipway.internal.apply.CheckpointStore(
                    session, KeyNamespace.DEFAULT);
            checkpoints.save(checkpoints.load(Catalog.NAME).orElseThrow().withStepUndone("adopt-index"));
        }
        assertThat(slipway(redis).describe(Catalog.NAME).physicalIndex()).isEqualTo(plan.targetSchema().name());

        RollbackResult result = slipway(redis).rollback(Catalog.NAME);

        assertThat(result.action()).isEqualTo(RollbackResult.Action.SWITCHED_BACK);
        assertThat(slipway(redis).describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v1");
        assertThat(slipway(redis).rollback(Catalog.NAME).action()).isEqualTo(RollbackResult.Action.ALREADY_DONE);
        assertThat(slipway(redis).describe(Catalog.NAME).physicalIndex()).isEqualTo("products:v1");
    }

    private Stream<DynamicTest> crashesAndResumes(RedisStackServer redis, Kind kind, StorageType storage) {
        MigrationPlan clean = prepare(redis, kind, storage);
        MigrationReport cleanReport = slipway(redis).apply(clean, ApplyOptions.DEFAULTS);
        assertThat(cleanReport.resumed()).isFalse();
        EndState expected = EndState.capture(redis);
        assertThat(expected.served()).isEqualTo(kind == Kind.DROP_RECREATE ? Catalog.NAME
                : clean.targetSchema().name());
        return boundaries(clean).stream().map(at -> DynamicTest.dynamicTest("crash " + at + ", re-run apply",
                () -> crashAndResume(redis, kind, storage, at, expected)));
    }

    private void crashAndResume(RedisStackServer redis, Kind kind, StorageType storage, Boundary at,
                                EndState expected) {
        MigrationPlan plan = prepare(redis, kind, storage);
        crash(redis, plan, at);

        List<String> done = doneAt(plan, at);
        boolean nameGone = kind == Kind.DROP_RECREATE && done.contains("drop-index") && !done.contains("create-index");
        try (Jedis jedis = redis.newJedis()) {
            if (nameGone) {
                assertThatThrownBy(() -> Inspect.matchAll(jedis, Catalog.NAME))
                        .as("between drop and create the name does not exist").isInstanceOf(JedisDataException.class);
            } else if (kind == Kind.DROP_RECREATE) {
                assertThat(Inspect.matchAll(jedis, Catalog.NAME)).isBetween(0L, (long) DOCS);
            } else {
                assertThat(Inspect.matchAll(jedis, Catalog.NAME)).as("the name serves every document")
                        .isEqualTo(DOCS);
            }
        }
        IndexStatus status = slipway(redis).status(Optional.of(Catalog.NAME)).get(0);
        assertThat(status.migration()).as("the unfinished migration").hasValueSatisfying(m -> {
            assertThat(m.planId()).isEqualTo(plan.planId());
            assertThat(m.status()).isEqualTo("RUNNING");
            assertThat(m.completedSteps()).isEqualTo(done);
        });
        assertThat(status.strays()).isEmpty();
        for (String built : builtVersions(plan, done)) {
            assertThat(status.versions()).as("built version " + built).anySatisfy(v -> {
                assertThat(v.physicalIndex()).isEqualTo(built);
                assertThat(v.exists()).isTrue();
                assertThat(v.state()).isEqualTo(switched(done) ? (built.equals(plan.targetSchema().name())
                        ? "ACTIVE" : "RETAINED") : "BUILDING");
            });
        }

        MigrationReport resumed = slipway(redis).apply(plan, ApplyOptions.DEFAULTS);

        assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(resumed.resumed()).isTrue();
        assertThat(EndState.capture(redis)).isEqualTo(expected);
    }

    private Stream<DynamicTest> crashesAndRollbacks(RedisStackServer redis, Kind kind, StorageType storage) {
        MigrationPlan sample = prepare(redis, kind, storage);
        int switchAt = indexOfKind(sample, StepKind.SWITCH_ALIAS, StepKind.ADOPT_INDEX);
        List<Boundary> beforeSwitch = boundaries(sample).stream()
                .filter(b -> b.stepIndex() < switchAt || (b.stepIndex() == switchAt && b.side() == Side.BEFORE))
                .toList();
        return beforeSwitch.stream().map(at -> DynamicTest.dynamicTest("crash " + at + ", rollback",
                () -> crashAndRollback(redis, kind, storage, at)));
    }

    private void crashAndRollback(RedisStackServer redis, Kind kind, StorageType storage, Boundary at) {
        MigrationPlan plan = prepare(redis, kind, storage);
        EndState before = EndState.capture(redis);
        crash(redis, plan, at);
        List<String> built = builtVersions(plan, doneAt(plan, at));

        RollbackResult result = slipway(redis).rollback(Catalog.NAME);

        assertThat(result.action()).isEqualTo(RollbackResult.Action.DISCARDED_UNFINISHED);
        assertThat(result.discarded()).containsExactlyInAnyOrderElementsOf(built);
        assertThat(result.to()).isEqualTo(before.served());
        EndState after = EndState.capture(redis);
        assertThat(after.withoutCheckpoint()).as("everything as before the migration started")
                .isEqualTo(before.withoutCheckpoint());
        IndexStatus status = slipway(redis).status(Optional.of(Catalog.NAME)).get(0);
        assertThat(status.migration()).as("checkpoint gone").isEmpty();
        assertThat(status.strays()).isEmpty();
        assertThat(status.lockOwner()).isEmpty();
        RollbackResult rerun = slipway(redis).rollback(Catalog.NAME);
        assertThat(rerun.action()).as("the same command again undoes nothing more").isEqualTo(
                RollbackResult.Action.ALREADY_DONE);
        assertThat(EndState.capture(redis)).isEqualTo(after);

        MigrationReport fresh = slipway(redis).apply(plan, ApplyOptions.DEFAULTS);
        assertThat(fresh.resumed()).as("the discarded migration is not resumed").isFalse();
        assertThat(slipway(redis).describe(Catalog.NAME).physicalIndex()).isEqualTo(plan.targetSchema().name());
    }

    /** A fresh server state for the kind, and the plan to crash. */
    private static MigrationPlan prepare(RedisStackServer redis, Kind kind, StorageType storage) {
        redis.flushAll();
        Catalog.seedPlainIndex(redis, storage, DOCS);
        Slipway slipway = slipway(redis);
        if (kind == Kind.ADOPTED) {
            slipway.apply(slipway.plan(PlanRequest.patch(Catalog.NAME, Catalog.addPrice())), ApplyOptions.DEFAULTS);
        }
        PlanRequest request = switch (kind) {
            case ADOPTION -> PlanRequest.patch(Catalog.NAME, Catalog.addPrice());
            case ADOPTED -> PlanRequest.patch(Catalog.NAME, Catalog.addBrand());
            case DROP_RECREATE -> PlanRequest.patch(Catalog.NAME, Catalog.addPrice())
                    .withMode(MigrationMode.DROP_RECREATE);
        };
        MigrationPlan plan = slipway.plan(request);
        assertThat(plan.mode()).isEqualTo(kind == Kind.DROP_RECREATE ? MigrationMode.DROP_RECREATE
                : MigrationMode.ZERO_DOWNTIME);
        return plan;
    }

    /** Runs the plan until the boundary, where it "crashes". */
    private static void crash(RedisStackServer redis, MigrationPlan plan, Boundary at) {
        StepBoundaryListener listener = new StepBoundaryListener() {
            @Override
            public void before(String step) {
                if (at.side() == Side.BEFORE && at.step().equals(step)) {
                    throw new Crash(at);
                }
            }

            @Override
            public void after(String step) {
                if (at.side() == Side.AFTER && at.step().equals(step)) {
                    throw new Crash(at);
                }
            }
        };
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            MigrationExecutor executor = new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                    .onStepBoundary(listener);
            assertThatThrownBy(() -> executor.apply(plan, ApplyOptions.DEFAULTS)).isInstanceOf(Crash.class);
        }
    }

    private static List<Boundary> boundaries(MigrationPlan plan) {
        List<Boundary> all = new ArrayList<>();
        for (int i = 0; i < plan.steps().size(); i++) {
            all.add(new Boundary(Side.BEFORE, i, plan.steps().get(i).name()));
            all.add(new Boundary(Side.AFTER, i, plan.steps().get(i).name()));
        }
        return all;
    }

    /** The steps the checkpoint records as done at the boundary. */
    private static List<String> doneAt(MigrationPlan plan, Boundary at) {
        int doneCount = at.side() == Side.BEFORE ? at.stepIndex() : at.stepIndex() + 1;
        return plan.steps().subList(0, doneCount).stream().map(PlanStep::name).toList();
    }

    /** Physical versions created by the zero-downtime create steps that are done. */
    private static List<String> builtVersions(MigrationPlan plan, List<String> done) {
        return plan.steps().stream().filter(s -> s.kind() == StepKind.CREATE_SHADOW_INDEX)
                .filter(s -> done.contains(s.name())).map(s -> s.commands().get(0).get(1)).toList();
    }

    private static boolean switched(List<String> done) {
        return done.contains("switch-alias") || done.contains("adopt-index");
    }

    private static int indexOfKind(MigrationPlan plan, StepKind... kinds) {
        for (int i = 0; i < plan.steps().size(); i++) {
            if (List.of(kinds).contains(plan.steps().get(i).kind())) {
                return i;
            }
        }
        throw new AssertionError("no step of kind " + List.of(kinds) + " in " + plan.steps());
    }

    private static Slipway slipway(RedisStackServer redis) {
        return Slipway.configure().url(redis.url()).load();
    }

    /**
     * What a finished migration leaves: the index serving the name, the version history (without plan ids, which
     * differ between runs), counts, physical indexes, documents, the checkpoint's status and the lock.
     */
    private record EndState(String served, boolean alias, List<String> versions, long numDocs, long matchAll,
                            List<String> indexes, Map<String, KeyDumps.Blob> documents, String checkpoint,
                            boolean locked) {
        static EndState capture(RedisStackServer redis) {
            IndexStatus status = slipway(redis).status(Optional.of(Catalog.NAME)).get(0);
            List<String> versions = status.versions().stream().map(v -> v.version() + " " + v.physicalIndex() + " "
                    + v.state() + (v.exists() ? " exists" : " gone")).toList();
            try (Jedis jedis = redis.newJedis()) {
                Inspect.IndexFacts facts = Inspect.info(jedis, Catalog.NAME);
                return new EndState(facts.indexName(), status.alias(), versions, facts.numDocs(),
                        Inspect.matchAll(jedis, Catalog.NAME), Inspect.indexes(jedis), Inspect.documents(jedis),
                        status.migration().map(IndexStatus.MigrationStatus::status).orElse("none"),
                        status.lockOwner().isPresent());
            }
        }

        EndState withoutCheckpoint() {
            return new EndState(served, alias, versions, numDocs, matchAll, indexes, documents, "ignored", locked);
        }
    }
}
