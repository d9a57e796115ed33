package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.IndexDescription;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.migration.VectorExpectations.Metric;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.slipway.migration.ProductCatalog.INDEX;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every index-only change, on hash and on JSON documents: the plan is supported, apply succeeds through the four
 * drop-recreate steps, the live index equals the plan's target, no document changed by a single byte, and a query
 * shows the change took effect (where it can: each case first shows the query behaves differently before).
 */
@ExtendWith(RedisStackExtension.class)
class IndexOnlyMigrationIT {
    @TempDir
    Path dir;

    static Stream<Arguments> changesByStorage() {
        List<Arguments> arguments = new ArrayList<>();
        for (IndexOnlyChange change : IndexOnlyChange.all()) {
            for (StorageType storage : change.storages()) {
                arguments.add(Arguments.of(change, storage));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("changesByStorage")
    void appliesIndexOnlyChangeWithoutTouchingDocuments(IndexOnlyChange change, StorageType storage,
                                                        RedisStackServer redis) throws Exception {
        ProductCatalog catalog = ProductCatalog.seed(redis, storage, change.source(), 200);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            change.before().verify(jedis, catalog, INDEX);
            RedisInspection.State before = RedisInspection.capture(jedis);

            MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX,
                    SlipwayFiles.readPatch(write("patch.yaml", "version: 1\nchanges:\n" + indent(change.patch()))))
                    .withMode(MigrationMode.DROP_RECREATE));

            assertThat(plan.supported()).as("blocked: %s", plan.blockedReasons()).isTrue();
            assertThat(plan.blockedReasons()).isEmpty();
            assertThat(plan.mode()).isEqualTo(MigrationMode.DROP_RECREATE);
            assertThat(plan.changes()).extracting(SchemaChange::kind).containsExactlyElementsOf(change.kinds());
            assertThat(plan.changes()).allMatch(SchemaChange::supported);
            assertThat(RedisInspection.capture(jedis)).as("planning writes nothing").isEqualTo(before);

            MigrationPlan reviewed = roundTrip(plan);
            MigrationReport report = slipway.apply(reviewed, ApplyOptions.DEFAULTS);

            assertSucceededInFourSteps(report, plan);
            assertLiveIndexIsTarget(slipway, jedis, plan, catalog.products().size());
            assertThat(RedisInspection.capture(jedis).withoutSlipwayKeys().dumps())
                    .as("every document byte-for-byte unchanged").isEqualTo(before.dumps());
            assertThat(RedisInspection.slipwayKeys(jedis)).as("the lock is released")
                    .noneMatch(k -> k.startsWith("slipway:lock:"));
            change.after().verify(jedis, catalog, plan.servedName());
        }
    }

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void appliesTargetSchemaFileWithSeveralChanges(StorageType storage, RedisStackServer redis) throws Exception {
        ProductCatalog catalog = ProductCatalog.seed(redis, storage);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path schemaFile = write("target.yaml", """
                index:
                  name: products
                  prefix: "product:"
                  storage_type: %s
                fields:
                  - name: title
                    type: text
                    attrs: {no_stem: true}
                  - name: category
                    type: tag
                    attrs: {separator: "|"}
                  - name: price
                    type: numeric
                    attrs: {sortable: true}
                  - name: embedding
                    type: vector
                    attrs: {algorithm: hnsw, dims: 4, datatype: float32, distance_metric: cosine}
                  - name: brand
                    type: tag
                """.formatted(storage.yamlName()));
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);

            MigrationPlan plan = slipway.plan(PlanRequest.target(INDEX, SlipwayFiles.readSchema(schemaFile))
                    .withMode(MigrationMode.DROP_RECREATE));

            assertThat(plan.supported()).as("blocked: %s", plan.blockedReasons()).isTrue();
            assertThat(plan.changes()).extracting(c -> c.kind() + " " + c.subject()).containsExactlyInAnyOrder(
                    "UPDATE_FIELD_OPTION title", "UPDATE_FIELD_OPTION category", "UPDATE_FIELD_OPTION price",
                    "UPDATE_VECTOR_INDEX embedding", "ADD_FIELD brand", "REMOVE_FIELD location");

            MigrationReport report = slipway.apply(roundTrip(plan), ApplyOptions.DEFAULTS);

            assertSucceededInFourSteps(report, plan);
            assertLiveIndexIsTarget(slipway, jedis, plan, 200);
            assertThat(RedisInspection.capture(jedis).withoutSlipwayKeys().dumps()).isEqualTo(before.dumps());
            IndexOnlyChange.both(
                    IndexOnlyChange.count("@brand:{acme}", p -> p.brand().equals("acme")),
                    IndexOnlyChange.count("@category:{outdoor}", p -> p.hasTag("outdoor")),
                    IndexOnlyChange.count("@title:run", p -> false),
                    IndexOnlyChange.count("@location:[-0.1276 51.5072 5000 km]", p -> false),
                    IndexOnlyChange::sortedByPrice,
                    IndexOnlyChange.knn(Metric.COSINE, false)).verify(jedis, catalog, INDEX);
        }
    }

    @Test
    void byteComparisonNoticesAChangedDocument(RedisStackServer redis) {
        // Counter-check of the byte-for-byte assertion above: it can fail.
        ProductCatalog.seed(redis, StorageType.HASH);
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);
            jedis.hset("product:3", "price", "1.00");
            assertThat(RedisInspection.capture(jedis).dumps()).isNotEqualTo(before.dumps());
        }
    }

    // ---- shared assertions

    private static void assertSucceededInFourSteps(MigrationReport report, MigrationPlan plan) {
        assertThat(report.result()).as("error: %s", report.error()).isEqualTo(MigrationReport.Result.SUCCEEDED);
        assertThat(report.error()).isEmpty();
        assertThat(report.planId()).isEqualTo(plan.planId());
        assertThat(report.index()).isEqualTo(plan.servedName());
        assertThat(report.resumed()).isFalse();
        assertThat(report.steps()).extracting(StepReport::name)
                .containsExactly("drop-index", "create-index", "wait-for-indexing", "validate");
        assertThat(report.steps()).extracting(StepReport::status).containsOnly(StepReport.Status.DONE);
        long wallMs = Duration.between(report.startedAt(), report.finishedAt()).toMillis();
        assertThat(report.downtime().unavailableMs()).isNotNegative();
        assertThat(report.downtime().incompleteMs()).isNotNegative();
        assertThat(report.downtime().unavailableMs() + report.downtime().incompleteMs())
                .as("downtime lies within the run").isLessThanOrEqualTo(wallMs + 5);
        assertThat(report.validation()).hasValueSatisfying(v -> {
            assertThat(v.passed()).as("validation: %s", v.failureDescriptions()).isTrue();
            assertThat(v.checks()).extracting(c -> c.name())
                    .contains("schema", "document-count", "sample-keys", "indexing-complete");
        });
    }

    private static void assertLiveIndexIsTarget(Slipway slipway, Jedis jedis, MigrationPlan plan, long documents) {
        IndexDescription live = slipway.describe(plan.servedName());
        assertThat(VisibleSchema.matches(plan.targetSchema(), live.schema()))
                .as("live schema differs from the target: %s",
                        VisibleSchema.differences(plan.targetSchema(), live.schema()))
                .isTrue();
        assertThat(live.numDocs()).isEqualTo(plan.source().numDocs()).isEqualTo(documents);
        assertThat(RedisInspection.numDocs(jedis, plan.servedName())).isEqualTo(documents);
        assertThat(live.indexingFailures()).isZero();
    }

    // ---- helpers

    private static String indent(String text) {
        return text.lines().map(line -> "  " + line).reduce("", (a, b) -> a + b + "\n");
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    /** The plan as a reviewer sees it: written to a file and read back, unchanged. */
    private MigrationPlan roundTrip(MigrationPlan plan) {
        Path file = dir.resolve("plan.yaml");
        SlipwayFiles.writePlan(plan, file);
        MigrationPlan read = SlipwayFiles.readPlan(file);
        assertThat(read).isEqualTo(plan);
        return read;
    }
}
