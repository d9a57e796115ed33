package dev.slipway.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.LockHeldException;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.migration.ProductCatalog.VectorAlgorithm;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.migration.ProductCatalog.INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * Interrupted migrations: a failed run leaves a checkpoint that the next run with the same plan resumes from;
 * a completed plan only re-validates; a held lock stops {@code apply} before it changes anything.
 */
@ExtendWith(RedisStackExtension.class)
class ResumeIT {
    private static final String CHECKPOINT = "slipway:checkpoint:" + INDEX;
    private static final String LOCK = "slipway:lock:" + INDEX;
    private static final String CRASHED_OWNER = "worker-3.example.net/pid 999999 since 2024-09-17T08:00:00Z";
    private static final SchemaPatch ADD_BRAND = new SchemaPatch(List.of(FieldSchema.of("brand", FieldType.TEXT)),
            List.of(), List.of(), List.of(), null);
    private static final SchemaPatch ADD_COLOR = new SchemaPatch(List.of(FieldSchema.of("color", FieldType.TAG)),
            List.of(), List.of(), List.of(), null);

    /**
     * Documents a gap: a process that dies after {@code FT.DROPINDEX} but before its checkpoint is written leaves
     * no trace, so the next {@code apply} sees the index gone and calls the plan stale instead of finishing it.
     * The documents are safe (the drop keeps them), but the user has to re-create the index by hand.
     */
    @Test
    void crashRightAfterDropBeforeAnyCheckpointIsTreatedAsStale(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        try (Jedis jedis = redis.newJedis()) {
            List<String> drop = plan.steps().get(0).commands().get(0);
            assertThat(drop).containsExactly("FT.DROPINDEX", INDEX);
            sendCommand(jedis, drop);
            RedisInspection.State crashed = RedisInspection.capture(jedis);

            StalePlanException stale = catchThrowableOfType(StalePlanException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

            assertThat(stale).as("without a checkpoint the plan is stale").isNotNull();
            assertThat(stale.exitCode()).isEqualTo(2);
            assertThat(stale.getMessage()).contains("no longer exists");
            assertThat(RedisInspection.capture(jedis)).isEqualTo(crashed);
            assertThat(RedisInspection.indexes(jedis)).isEmpty();
            assertThat(RedisInspection.keys(jedis, ProductCatalog.PREFIX + "*")).hasSize(200);
        }
    }

    /**
     * The real crash window: {@code apply} writes its checkpoint before the first step, so a process killed right
     * after the drop leaves a checkpoint with no step done (and a lock that expires). The next run resumes.
     */
    @Test
    void crashRightAfterDropWithItsCheckpointResumes(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.JSON);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        try (Jedis jedis = redis.newJedis()) {
            Map<String, KeyDumps.Blob> documents = RedisInspection.dumpAll(jedis);
            leaveCheckpoint(redis, Checkpoint.start(plan.planId(), INDEX, CRASHED_OWNER));
            sendCommand(jedis, plan.steps().get(0).commands().get(0));

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.resumed()).isTrue();
            assertThat(report.steps()).extracting(StepReport::status).containsOnly(StepReport.Status.DONE);
            assertThat(report.steps().get(0).detail()).contains("already dropped");
            assertThat(VisibleSchema.matches(plan.targetSchema(), slipway.describe(INDEX).schema())).isTrue();
            assertThat(slipway.describe(INDEX).numDocs()).isEqualTo(200);
            assertThat(KeyDumps.withoutSlipwayKeys(RedisInspection.dumpAll(jedis))).isEqualTo(documents);
        }
    }

    /** Killed after FT.CREATE but before the checkpoint recorded it: the next run finds the target and goes on. */
    @Test
    void crashRightAfterCreateBeforeItsCheckpointResumes(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        try (Jedis jedis = redis.newJedis()) {
            Map<String, KeyDumps.Blob> documents = RedisInspection.dumpAll(jedis);
            leaveCheckpoint(redis, Checkpoint.start(plan.planId(), INDEX, CRASHED_OWNER).withStepDone("drop-index"));
            sendCommand(jedis, plan.steps().get(0).commands().get(0));
            sendCommand(jedis, plan.steps().get(1).commands().get(0));

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.resumed()).isTrue();
            assertThat(report.steps()).extracting(StepReport::name, StepReport::status).containsExactly(
                    tuple("drop-index", StepReport.Status.ALREADY_DONE),
                    tuple("create-index", StepReport.Status.DONE), tuple("wait-for-indexing", StepReport.Status.DONE),
                    tuple("validate", StepReport.Status.DONE));
            assertThat(report.steps().get(1).detail()).contains("already exists");
            assertThat(slipway.describe(INDEX).numDocs()).isEqualTo(200);
            assertThat(KeyDumps.withoutSlipwayKeys(RedisInspection.dumpAll(jedis))).isEqualTo(documents);
        }
    }

    @Test
    void indexingTimeoutFailsTheRunAndTheSamePlanResumes(RedisStackServer redis) throws Exception {
        int documents = 20_000; // about a second of indexing; the first poll comes milliseconds after FT.CREATE
        ProductCatalog.seed(redis, StorageType.HASH, VectorAlgorithm.FLAT, documents);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        Map<String, KeyDumps.Blob> documentsBefore;
        try (Jedis jedis = redis.newJedis()) {
            documentsBefore = RedisInspection.dumpAll(jedis);
        }

        ProgressListener slowWait = new ProgressListener() { // the wait begins 100 ms after the index exists
            @Override
            public void begin(String task, long total, String unit) {
                if (task.startsWith("indexing ")) {
                    RedisInspection.sleep(100);
                }
            }
        };
        Slipway slowed = Slipway.configure().url(redis.url()).progress(slowWait).load();
        MigrationFailedException timedOut = catchThrowableOfType(MigrationFailedException.class,
                () -> slowed.apply(plan, new ApplyOptions(Duration.ofNanos(1), List.of())));

        assertThat(timedOut).as("20k documents cannot be indexed before the first poll").isNotNull();
        assertThat(timedOut.exitCode()).isEqualTo(1);
        assertThat(timedOut.getCause()).isInstanceOf(SlipwayException.class);
        assertThat(((SlipwayException) timedOut.getCause()).code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(timedOut.getMessage()).contains("still indexing after under 1 ms") // not "0 s" (R41 F11)
                .contains("re-run 'slipway apply'");
        assertThat(timedOut.report().steps()).extracting(StepReport::name, StepReport::status).containsExactly(
                tuple("drop-index", StepReport.Status.DONE), tuple("create-index", StepReport.Status.DONE),
                tuple("wait-for-indexing", StepReport.Status.FAILED), tuple("validate", StepReport.Status.NOT_RUN));
        // the index existed, still indexing, from its creation to the report (it said 0: tester session 45 R40 F7)
        assertThat(timedOut.report().downtime().incompleteMs()).isGreaterThanOrEqualTo(100);
        try (Jedis jedis = redis.newJedis()) {
            JsonNode checkpoint = new ObjectMapper().readTree(jedis.get(CHECKPOINT));
            assertThat(checkpoint.path("status").asText()).isEqualTo("FAILED");
            assertThat(checkpoint.path("plan_id").asText()).isEqualTo(plan.planId());
            assertThat(texts(checkpoint.path("completed_steps"))).containsExactly("drop-index", "create-index");
            assertThat(jedis.exists(LOCK)).as("lock released after the failure").isFalse();
        }

        MigrationReport resumed = slipway.apply(plan, ApplyOptions.DEFAULTS);

        assertThat(resumed.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.steps()).extracting(StepReport::name, StepReport::status).containsExactly(
                tuple("drop-index", StepReport.Status.ALREADY_DONE),
                tuple("create-index", StepReport.Status.ALREADY_DONE),
                tuple("wait-for-indexing", StepReport.Status.DONE), tuple("validate", StepReport.Status.DONE));
        assertThat(resumed.downtime().unavailableMs()).isNotNegative();
        assertThat(resumed.downtime().incompleteMs()).isNotNegative();
        assertThat(VisibleSchema.matches(plan.targetSchema(), slipway.describe(INDEX).schema())).isTrue();
        assertThat(slipway.describe(INDEX).numDocs()).isEqualTo(documents);
        try (Jedis jedis = redis.newJedis()) {
            assertThat(new ObjectMapper().readTree(jedis.get(CHECKPOINT)).path("status").asText())
                    .isEqualTo("COMPLETED");
            assertThat(KeyDumps.withoutSlipwayKeys(RedisInspection.dumpAll(jedis))).isEqualTo(documentsBefore);
        }
    }

    @Test
    void reapplyingACompletedPlanOnlyValidates(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.JSON);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        assertThat(slipway.apply(plan, ApplyOptions.DEFAULTS).result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State migrated = RedisInspection.capture(jedis).withoutSlipwayKeys();

            MigrationReport again = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(again.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(again.steps()).extracting(StepReport::name, StepReport::status).containsExactly(
                    tuple("drop-index", StepReport.Status.ALREADY_DONE),
                    tuple("create-index", StepReport.Status.ALREADY_DONE),
                    tuple("wait-for-indexing", StepReport.Status.ALREADY_DONE),
                    tuple("validate", StepReport.Status.DONE));
            assertThat(again.validation()).hasValueSatisfying(v -> assertThat(v.passed()).isTrue());
            assertThat(again.downtime().unavailableMs()).isNotNegative();
            assertThat(RedisInspection.capture(jedis).withoutSlipwayKeys()).as("nothing rebuilt or rewritten")
                    .isEqualTo(migrated);
        }
    }

    @Test
    void heldLockStopsApplyBeforeAnyChange(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan plan = plan(slipway, ADD_BRAND);
        String owner = "ci-runner-7.example.net/pid 4242 since 2024-09-17T08:00:00Z plan 0123456789abcdef";
        try (Jedis jedis = redis.newJedis()) {
            jedis.set(LOCK, owner, SetParams.setParams().px(60_000));
            RedisInspection.State before = RedisInspection.capture(jedis);

            LockHeldException held = catchThrowableOfType(LockHeldException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

            assertThat(held).as("apply must refuse while another process holds the lock").isNotNull();
            assertThat(held.code()).isEqualTo(ErrorCode.LOCK_HELD);
            assertThat(held.exitCode()).isEqualTo(1);
            assertThat(held.owner()).isEqualTo(owner);
            assertThat(held.getMessage()).contains(owner).contains("'" + INDEX + "'");
            assertThat(RedisInspection.capture(jedis)).as("nothing changed, the lock still held by its owner")
                    .isEqualTo(before);
            assertThat(jedis.get(LOCK)).isEqualTo(owner);
            assertThat(jedis.pttl(LOCK)).isPositive();
            assertThat(jedis.exists(CHECKPOINT)).isFalse();
        }
    }

    @Test
    void unfinishedMigrationOfAnotherPlanBlocksANewPlan(RedisStackServer redis) {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        MigrationPlan first = plan(slipway, ADD_BRAND);
        QueryCheck impossible = new QueryCheck("impossible", "@brand:nobody", 2, Optional.of(1L), Optional.empty(),
                List.of());
        MigrationFailedException failed = catchThrowableOfType(MigrationFailedException.class,
                () -> slipway.apply(first, new ApplyOptions(Duration.ofMinutes(1), List.of(impossible))));
        assertThat(failed).isNotNull();
        MigrationPlan second = plan(slipway, ADD_COLOR);
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);

            StalePlanException blocked = catchThrowableOfType(StalePlanException.class,
                    () -> slipway.apply(second, ApplyOptions.DEFAULTS));

            assertThat(blocked).as("another plan's unfinished migration must be finished first").isNotNull();
            assertThat(blocked.exitCode()).isEqualTo(2);
            assertThat(blocked.getMessage()).contains(first.planId()).contains("failed");
            assertThat(RedisInspection.capture(jedis)).isEqualTo(before);
        }

        MigrationReport finished = slipway.apply(first, ApplyOptions.DEFAULTS);

        assertThat(finished.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(finished.resumed()).isTrue();
        assertThat(finished.steps()).extracting(StepReport::status).containsExactly(StepReport.Status.ALREADY_DONE,
                StepReport.Status.ALREADY_DONE, StepReport.Status.ALREADY_DONE, StepReport.Status.DONE);
    }

    private static void leaveCheckpoint(RedisStackServer redis, Checkpoint checkpoint) {
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 5_000)) {
            new CheckpointStore(session, KeyNamespace.DEFAULT).save(checkpoint);
        }
    }

    private static void sendCommand(Jedis jedis, List<String> command) {
        jedis.sendCommand(RedisStackServer.command(command.get(0)),
                command.subList(1, command.size()).toArray(String[]::new));
    }

    private static MigrationPlan plan(Slipway slipway, SchemaPatch patch) {
        return slipway.plan(PlanRequest.patch(INDEX, patch).withMode(MigrationMode.DROP_RECREATE));
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(node -> values.add(node.asText()));
        return values;
    }
}
