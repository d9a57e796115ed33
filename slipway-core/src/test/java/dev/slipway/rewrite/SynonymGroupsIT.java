package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;

import static dev.slipway.rewrite.RewriteFixture.call;
import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * An index's synonym groups ({@code FT.SYNUPDATE}) belong to the index: a new index starts without them. Every
 * migration lost them, zero-downtime, drop-recreate and rewrite alike, and neither rollback brought them back, while
 * validation passed and a query for a synonym matched nothing afterwards (tester session 54 R48 T2 F1). The plan
 * reads them and adds them to each index it creates; validation checks them; a group added after the plan makes it
 * stale.
 */
@ExtendWith(RedisStackExtension.class)
class SynonymGroupsIT {
    private static final int DOCS = 70; // every seventh title holds word3

    private static Slipway documentsWithSynonyms(RedisStackServer redis, Jedis jedis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 3);
        call(jedis, "FT.SYNUPDATE", "docs", "g1", "word3", "gizmo");
        call(jedis, "FT.SYNUPDATE", "docs", "g2", "SKIPINITIALSCAN", "word5", "widget");
        RewriteFixture.waitIndexed(slipway, "docs");
        assertThat(matches(jedis, "docs", "gizmo")).isEqualTo(DOCS / 7);
        return slipway;
    }

    private static long matches(Jedis jedis, String index, String word) {
        return matches(jedis, index, "title", word);
    }

    private static long matches(Jedis jedis, String index, String field, String word) {
        return (Long) ((List<?>) call(jedis, "FT.SEARCH", index, "@" + field + ":" + word, "LIMIT", "0", "0")).get(0);
    }

    /** Each term with its groups, as the server lists them. */
    private static Object synonyms(Jedis jedis, String index) {
        return strings(call(jedis, "FT.SYNDUMP", index));
    }

    private static Object strings(Object reply) {
        return reply instanceof List<?> list ? list.stream().map(SynonymGroupsIT::strings).toList()
                : RewriteFixture.text(reply);
    }

    private static ValidationCheck synonymCheck(MigrationReport report) {
        return report.validation().orElseThrow().checks().stream().filter(c -> c.name().equals("synonyms"))
                .findFirst().orElseThrow();
    }

    @Test
    void aZeroDowntimeMigrationAddsTheGroupsToBothVersionsItBuilds(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = documentsWithSynonyms(redis, jedis);
            Object before = synonyms(jedis, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, "  add_fields:\n    - {name: kind, type: tag}\n");

            assertThat(plan.source().synonyms()).containsOnlyKeys("g1", "g2");
            assertThat(plan.source().synonyms().get("g1")).containsExactly("gizmo", "word3");
            List<List<String>> create = plan.steps().stream().filter(s -> s.name().equals("create-index:docs:v2"))
                    .map(PlanStep::commands).findFirst().orElseThrow();
            assertThat(create).hasSize(3).element(1).isEqualTo(List.of("FT.SYNUPDATE", "docs:v2", "g1", "gizmo",
                    "word3"));

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS);

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(synonymCheck(report).passed()).isTrue();
            assertThat(synonyms(jedis, "docs:v2")).isEqualTo(before);
            assertThat(synonyms(jedis, "docs:v1")).as("the copy kept to roll back to").isEqualTo(before);
            assertThat(matches(jedis, "docs", "gizmo")).isEqualTo(DOCS / 7);
            assertThat(matches(jedis, "docs", "widget")).isEqualTo(DOCS / 7);

            slipway.rollback("docs");

            assertThat(matches(jedis, "docs", "gizmo")).isEqualTo(DOCS / 7);
        }
    }

    /**
     * The application adds a group and a term to the live index while the new versions build, after apply's stale
     * check: both versions get them before the switch (they were lost).
     */
    @Test
    void synonymsAddedWhileTheVersionsBuildAreAddedBeforeTheSwitch(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            documentsWithSynonyms(redis, jedis);
            MigrationPlan plan = plan(Slipway.configure().url(redis.url()).load(), "docs", dir,
                    "  add_fields:\n    - {name: kind, type: tag}\n");
            StepBoundaryListener application = new StepBoundaryListener() {
                @Override
                public void before(String step) {
                    if (step.equals("wait-for-indexing:docs:v1")) {
                        call(jedis, "FT.SYNUPDATE", "docs", "g3", "word4", "thingamajig");
                        call(jedis, "FT.SYNUPDATE", "docs", "g1", "doohickey");
                    }
                    if (step.equals("adopt-index")) { // after the verify steps' look (tester session 55 R50 N3)
                        call(jedis, "FT.SYNUPDATE", "docs", "g5", "word6", "whatsit");
                    }
                }
            };
            MigrationReport report;
            try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
                report = new MigrationExecutor(session, KeyNamespace.DEFAULT, ProgressListener.NONE)
                        .onStepBoundary(application).apply(plan, ApplyOptions.DEFAULTS);
            }

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(report.steps().stream().filter(s -> s.name().equals("verify:docs:v2")).findFirst()
                    .orElseThrow().detail()).endsWith("added the synonyms the live index gained since the plan: "
                    + "g1 [doohickey]; g3 [thingamajig, word4]");
            assertThat(synonyms(jedis, "docs:v1")).isEqualTo(synonyms(jedis, "docs:v2"));
            assertThat(matches(jedis, "docs", "thingamajig")).isEqualTo(DOCS / 7);
            assertThat(matches(jedis, "docs", "doohickey")).isEqualTo(DOCS / 7);
            assertThat(matches(jedis, "docs", "whatsit")).as("added during the verify steps").isEqualTo(DOCS / 7);

            Slipway.configure().url(redis.url()).load().rollback("docs");

            assertThat(matches(jedis, "docs", "thingamajig")).as("the version rolled back to").isEqualTo(DOCS / 7);
        }
    }

    @Test
    void aRewriteAndItsRollbackKeepTheGroups(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = documentsWithSynonyms(redis, jedis);
            Object before = synonyms(jedis, "docs");
            MigrationPlan plan = plan(slipway, "docs", dir, "  rename_fields:\n    - {old_name: title, new_name: "
                    + "name}\n" + RewriteFixture.EMB_TO_FLOAT16);
            Path backup = dir.resolve("backup");

            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(backup)
                    .withAcceptDataLoss(true));

            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(synonymCheck(report).passed()).isTrue();
            assertThat(synonyms(jedis, "docs")).isEqualTo(before);
            assertThat(matches(jedis, "docs", "name", "gizmo")).isEqualTo(DOCS / 7);

            slipway.rollbackFromBackup(backup, 2);

            assertThat(synonyms(jedis, "docs")).isEqualTo(before);
            assertThat(matches(jedis, "docs", "gizmo")).isEqualTo(DOCS / 7);
        }
    }

    @Test
    void aGroupAddedAfterThePlanMakesItStale(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = documentsWithSynonyms(redis, jedis);
            MigrationPlan plan = plan(slipway, "docs", dir, "  add_fields:\n    - {name: kind, type: tag}\n");
            call(jedis, "FT.SYNUPDATE", "docs", "g1", "SKIPINITIALSCAN", "doohickey");

            SlipwayException stale = catchThrowableOfType(() -> slipway.apply(plan, ApplyOptions.DEFAULTS),
                    SlipwayException.class);

            assertThat(stale).isNotNull();
            assertThat(stale.code()).isEqualTo(ErrorCode.STALE_PLAN);
            assertThat(stale.exitCode()).isEqualTo(2);
            assertThat(stale.problems()).containsExactly("synonym group 'g1' holds [doohickey], which the plan "
                    + "does not");
            assertThat(RewriteFixture.indexes(jedis)).containsExactly("docs");
        }
    }
}
