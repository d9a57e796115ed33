package dev.slipway.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.OldFormScan;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.rewrite.RewriteFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that still writes the old form after a rewrite that moved documents to a new prefix or renamed a
 * hash field: the new index does not find a document written under the old prefix, nor the value written to the old
 * field name. Neither is an indexing failure, so validation looks for them every time (tester session 26, #7:
 * only the rollback's check used to see them).
 */
@ExtendWith(RedisStackExtension.class)
class OldFormAfterRewriteIT {
    private static final int DOCS = 400;
    private static final String MOVE_AND_RENAME = "  rename_fields:\n    - {old_name: title, new_name: name}\n"
            + "  index:\n    prefix: 'item:'\n";

    private static ValidationCheck check(ValidationResult result, String name) {
        return result.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void documentsWrittenInTheOldFormAfterTheRewriteFailValidationByName(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, DOCS, 3);
            MigrationPlan plan = plan(slipway, "docs", dir, MOVE_AND_RENAME);
            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            ValidationCheck clean = check(report.validation().orElseThrow(), "old-form");
            assertThat(clean.passed()).isTrue();
            assertThat(clean.actual()).isEqualTo("0 of " + DOCS + " documents");

            // under the old prefix: a document the plan did not sample, whose old name the sample check would name too
            String oldName = java.util.stream.IntStream.range(0, DOCS).mapToObj(i -> "doc:" + i)
                    .filter(key -> !plan.source().keySample().contains(key)).findFirst().orElseThrow();
            jedis.hset(oldName, Map.of("title", "written the old way", "tag", "t1"));
            jedis.hset("item:7", "title", "a new title, under the old field name");
            jedis.hset("item:8", "title", "another");
            RewriteFixture.waitIndexed(slipway, "docs");

            ValidationResult result = slipway.validate(plan, List.of());

            assertThat(result.passed()).isFalse();
            ValidationCheck old = check(result, "old-form");
            assertThat(old.passed()).isFalse();
            assertThat(old.actual()).isEqualTo("3 of " + (DOCS + 1) + " documents");
            assertThat(old.detail()).startsWith("3 documents are in the form the rewrite moved away from (1 under the "
                    + "old prefix, which the new index does not cover; 2 holding a renamed field under its old name")
                    .contains(oldName + " (under the old prefix 'doc:', not moved to 'item:')",
                            "item:7 (field 'title', renamed to 'name')", "item:8 (field 'title', renamed to 'name')",
                            "slipway rollback --backup-dir " + dir.resolve("backup").toAbsolutePath().normalize()
                                    + "'");
            assertThat(old.documents()).as("the keys alone, for tools").containsExactlyInAnyOrder(oldName, "item:7", "item:8");
            assertThat(result.failureDescriptions()).hasSize(1);
        }
    }

    /**
     * The same for a JSON path renamed (tester session 34 R18 F1: a document written under the old path after the
     * rewrite passed validation, and the check did not run at all for a rename alone).
     */
    @Test
    void jsonDocumentsWrittenUnderARenamedPathsOldNameFailValidation(RedisStackServer redis, @TempDir Path dir) {
        try (Jedis jedis = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            RewriteFixture.createJsonIndex(jedis, "jdocs", "j:");
            RewriteFixture.loadJson(jedis, "j:", DOCS, 5);
            RewriteFixture.waitIndexed(slipway, "jdocs");
            MigrationPlan plan = plan(slipway, "jdocs", dir, "  rename_fields:\n    - {old_name: title, new_name: "
                    + "headline}\n");
            MigrationReport report = slipway.apply(plan, ApplyOptions.DEFAULTS.withBackupDir(dir.resolve("backup")));
            assertThat(report.result()).isEqualTo(MigrationReport.Result.SUCCEEDED);
            ValidationCheck clean = check(report.validation().orElseThrow(), "old-form");
            assertThat(clean.passed()).isTrue();
            assertThat(clean.actual()).isEqualTo("0 of " + DOCS + " documents");

            RewriteFixture.call(jedis, "JSON.SET", "j:new", "$",
                    "{\"title\": \"written the old way\", \"tag\": \"t1\"}");
            RewriteFixture.waitIndexed(slipway, "jdocs");
            ValidationResult result = slipway.validate(plan, List.of());

            ValidationCheck old = check(result, "old-form");
            assertThat(old.passed()).isFalse();
            assertThat(old.actual()).isEqualTo("1 of " + (DOCS + 1) + " documents");
            assertThat(old.detail()).contains("j:new (field '$.title', renamed to '$.headline')",
                    "JSON.SET the new path and JSON.DEL the old one").doesNotContain("HSET");
        }
    }

    /**
     * A document under the old prefix holding a renamed field under its old name is one document in the old form,
     * not two, when the index's prefixes are the old ones (the source index back after a restart from an older
     * snapshot: tester session 35 R19 L5 saw "40000 of 40000 documents" for 20,000).
     */
    @Test
    void aDocumentInTheOldFormIsCountedOnceWhenTheIndexCoversTheOldPrefix(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 30; i++) {
                jedis.hset("doc:" + i, Map.of("title", "t" + i));
            }
            RewriteSpec spec = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.of("item:"),
                    List.of(new RewriteSpec.FieldMove("title", "name")), List.of(), 30, false);

            OldFormScan.Result found = OldFormScan.run(spec, FilterScope.everyDocument(), List.of("doc:"),
                    RedisEndpoint.parse(redis.url()), 10, 3, 30, ProgressListener.NONE);

            assertThat(found.found()).isEqualTo(30);
            assertThat(found.documentsChecked()).isEqualTo(30);
            assertThat(found.underOldPrefix()).isEqualTo(30);
        }
    }
}
