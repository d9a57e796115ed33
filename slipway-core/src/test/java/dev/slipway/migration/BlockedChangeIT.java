package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.schema.StorageType;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static dev.slipway.migration.ProductCatalog.INDEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Changes Slipway must refuse: the plan says why, and {@code apply} stops with exit code 2 before touching
 * anything (same index definition, same bytes in every key, no bookkeeping keys).
 */
@ExtendWith(RedisStackExtension.class)
class BlockedChangeIT {
    private static final Set<StorageType> BOTH = EnumSet.allOf(StorageType.class);

    @TempDir
    Path dir;

    /**
     * A change that must be blocked.
     *
     * @param name     for the test name
     * @param storages where it is blocked
     * @param patch    the {@code changes:} section, with {@code %s} standing for the other storage type's name
     * @param reason   the start of the blocked reason: the change kind and its subject
     * @param explains a phrase the reason must contain, telling the user why or what to do instead
     */
    record BlockedChange(String name, Set<StorageType> storages, String patch, String reason, String explains) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BlockedChange> blockedChanges() {
        return List.of(
                new BlockedChange("vector dimension change", BOTH, """
                        update_fields:
                          - name: embedding
                            attrs: {dims: 8}
                        """, "change_vector_dims of embedding (4 -> 8)", "re-embed"),
                new BlockedChange("storage type change in a patch", BOTH, """
                        index:
                          storage_type: %s
                        """, "change_storage_type of index", "export, transform and reload"),
                new BlockedChange("field type change", BOTH, """
                        update_fields:
                          - name: price
                            type: tag
                        """, "change_field_type of price (numeric -> tag)", "under another name that reads the same document field"),
                new BlockedChange("prefix change to several prefixes", BOTH, """
                        index:
                          prefix: ["goods:", "items:"]
                        """, "change_prefix of index (product: -> goods:,items:)", "exactly one prefix"),
                new BlockedChange("dropping the prefix", BOTH, """
                        index:
                          prefix: ''
                        """, "change_prefix of index (product: -> )", "create a separate index"));
    }

    static Stream<Arguments> blockedByStorage() {
        List<Arguments> arguments = new ArrayList<>();
        for (BlockedChange change : blockedChanges()) {
            for (StorageType storage : change.storages()) {
                arguments.add(Arguments.of(change, storage));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("blockedByStorage")
    void refusesBlockedPatchWithoutChangingAnything(BlockedChange change, StorageType storage,
                                                   RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, storage);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path patch = dir.resolve("patch.yaml");
        Files.writeString(patch, "version: 1\nchanges:\n" + change.patch().formatted(other(storage).yamlName())
                .lines().map(line -> "  " + line + "\n").reduce("", String::concat));

        MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(patch))
                .withMode(MigrationMode.DROP_RECREATE));

        assertRefused(slipway, redis, plan, change.reason(), change.explains());
    }

    /** A plan that cannot run does not warn about the costs of the strategy it would have used. */
    @Test
    void blockedPlanLeavesOutTheStrategysCosts(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path blocked = Files.writeString(dir.resolve("blocked.yaml"), "version: 1\nchanges:\n  index:\n    prefix: ''\n");
        Path fine = Files.writeString(dir.resolve("fine.yaml"), "version: 1\nchanges:\n  index:\n    language: german\n");

        MigrationPlan refused = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(blocked)));
        MigrationPlan accepted = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(fine)));

        assertThat(refused.supported()).isFalse();
        assertThat(refused.warnings()).noneMatch(w -> w.startsWith("Memory:") || w.contains("it is adopted"));
        assertThat(accepted.mode()).isEqualTo(MigrationMode.ZERO_DOWNTIME);
        assertThat(accepted.warnings()).anyMatch(w -> w.startsWith("Memory:"))
                .anyMatch(w -> w.contains("it is adopted"));
        assertThat(accepted.modeReason()).contains("no change rewrites documents");
    }

    @ParameterizedTest
    @EnumSource(StorageType.class)
    void refusesTargetSchemaWithOtherStorageType(StorageType storage, RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, storage);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path target = dir.resolve("target.yaml");
        Files.writeString(target, """
                index:
                  name: products
                  prefix: "product:"
                  storage_type: %s
                fields:
                  - name: title
                    type: text
                  - name: category
                    type: tag
                  - name: price
                    type: numeric
                  - name: location
                    type: geo
                  - name: embedding
                    type: vector
                    attrs: {algorithm: flat, dims: 4, datatype: float32, distance_metric: cosine}
                """.formatted(other(storage).yamlName()));

        MigrationPlan plan = slipway.plan(PlanRequest.target(INDEX, SlipwayFiles.readSchema(target))
                .withMode(MigrationMode.DROP_RECREATE));

        assertRefused(slipway, redis, plan, "change_storage_type of index (" + storage.yamlName() + " -> "
                + other(storage).yamlName() + ")", "export, transform and reload");
    }

    /** Converting between element types of the same width could not resume safely, so it stays blocked. */
    @Test
    void refusesSameWidthVectorConversionOfHashes(RedisStackServer redis) throws Exception {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "thumbnails", "ON", "HASH", "PREFIX", "1",
                    "thumb:", "SCHEMA", "caption", "TEXT", "pixels", "VECTOR", "FLAT", "6", "TYPE", "FLOAT16", "DIM",
                    "4", "DISTANCE_METRIC", "L2");
            for (int i = 0; i < 20; i++) {
                jedis.hset(("thumb:" + i).getBytes(), Map.of("caption".getBytes(), ("sunset " + i).getBytes(),
                        "pixels".getBytes(), ProductCatalog.float16(new float[] {i, 0.5f, -1, 0.25f})));
            }
            RedisInspection.awaitIndexed(jedis, "thumbnails", 20);
        }
        Path patch = Files.writeString(dir.resolve("bfloat16.yaml"), """
                version: 1
                changes:
                  update_fields:
                    - name: pixels
                      attrs: {datatype: bfloat16}
                """);

        MigrationPlan plan = slipway.plan(PlanRequest.patch("thumbnails", SlipwayFiles.readPatch(patch))
                .withMode(MigrationMode.DROP_RECREATE));

        assertRefused(slipway, redis, plan, "thumbnails",
                "change_vector_datatype of pixels (float16 -> bfloat16)", "same width");
    }

    @Test
    void refusesRenameOntoAnExistingIndex(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "products_v2", "ON", "HASH", "PREFIX", "1",
                    "archive:", "SCHEMA", "title", "TEXT");
            Path patch = Files.writeString(dir.resolve("rename.yaml"),
                    "version: 1\nchanges:\n  index:\n    name: products_v2\n");
            MigrationPlan plan = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(patch))
                    .withMode(MigrationMode.DROP_RECREATE));
            RedisInspection.State before = RedisInspection.capture(jedis);

            SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));

            assertThat(refused).as("renaming onto an existing index must be refused").isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("'products_v2'").contains("nothing was changed");
            assertThat(RedisInspection.capture(jedis)).isEqualTo(before);
            assertThat(RedisInspection.slipwayKeys(jedis)).isEmpty();
        }
    }

    /**
     * A target the server would reject is refused before anything changes (here: caught when reading the patch, or
     * as the plan is made).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "update_fields:\n    - name: category\n      attrs: {separator: \"||\"}",
            "index:\n    language: klingon"})
    void targetTheServerRejectsNeverCostsTheLiveIndex(String changes, RedisStackServer redis) throws Exception {
        assertLiveIndexSurvives(changes, redis);
    }

    /**
     * A default language the server does not know blocks the plan; the server's own list decides, read-only (tester
     * session 45 R40 F8: it planned as supported, and only apply's schema check refused it).
     */
    @Test
    void anUnknownLanguageBlocksThePlan(RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path klingon = Files.writeString(dir.resolve("klingon.yaml"), "version: 1\nchanges:\n  index:\n"
                + "    language: klingon\n");
        Path german = Files.writeString(dir.resolve("german.yaml"), "version: 1\nchanges:\n  index:\n"
                + "    language: German\n");

        MigrationPlan unknown = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(klingon)));
        MigrationPlan known = slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(german)));

        assertThat(unknown.supported()).isFalse();
        assertThat(unknown.blockedReasons()).anySatisfy(r -> assertThat(r).startsWith("the language 'klingon' is not "
                + "one the server knows").contains("No such language"));
        assertThat(known.supported()).as(known.blockedReasons().toString()).isTrue();
    }

    /**
     * The same for targets that pass planning today: the drop runs first, the server rejects the FT.CREATE, and the
     * name is left without an index that no plan can bring back (a new plan finds no index to plan from).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = "update_fields:\n    - name: embedding\n      attrs: {algorithm: hnsw, m: 0}")
    void targetTheServerRejectsAfterPlanningNeverCostsTheLiveIndex(String changes, RedisStackServer redis)
            throws Exception {
        assertLiveIndexSurvives(changes, redis);
    }

    private void assertLiveIndexSurvives(String changes, RedisStackServer redis) throws Exception {
        ProductCatalog.seed(redis, StorageType.HASH);
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        Path patch = Files.writeString(dir.resolve("patch.yaml"), "version: 1\nchanges:\n  " + changes + "\n");
        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);

            SlipwayException refused = catchThrowableOfType(SlipwayException.class, () -> slipway.apply(
                    slipway.plan(PlanRequest.patch(INDEX, SlipwayFiles.readPatch(patch))
                            .withMode(MigrationMode.DROP_RECREATE)),
                    ApplyOptions.DEFAULTS));

            assertThat(refused).as("a target the server rejects cannot succeed").isNotNull();
            assertThat(refused.exitCode()).as("refused as bad input, not failed half-way: %s", refused.getMessage())
                    .isEqualTo(2);
            assertThat(RedisInspection.indexes(jedis)).as("the live index survives").containsExactly(INDEX);
            assertThat(RedisInspection.capture(jedis).withoutSlipwayKeys()).isEqualTo(before);
        }
    }

    /**
     * A prefix and a field name that are not UTF-8 text (Latin-1 "cafe:" and "prenom" with accents): read as text
     * they held U+FFFD, and the new index held none of the 20 documents (or its field matched nothing) while apply
     * exited 0, in both strategies (tester session 47 R42 T1 F1/F2). The plan is blocked; nothing changes.
     */
    @ParameterizedTest
    @EnumSource(MigrationMode.class)
    void refusesAnIndexWhoseSchemaIsNotUtf8Text(MigrationMode mode, RedisStackServer redis) throws Exception {
        byte[] prefix = {'c', 'a', 'f', (byte) 0xe9, ':'};
        byte[] field = {'p', 'r', (byte) 0xe9, 'n', 'o', 'm'};
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 20; i++) {
                byte[] key = java.util.Arrays.copyOf(prefix, prefix.length + 2);
                key[prefix.length] = (byte) ('a' + i);
                key[prefix.length + 1] = '1';
                jedis.hset(key, Map.of(field, ("jean" + i).getBytes(), "city".getBytes(), "paris".getBytes()));
            }
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "cafes".getBytes(), "ON".getBytes(),
                    "HASH".getBytes(), "PREFIX".getBytes(), "1".getBytes(), prefix, "SCHEMA".getBytes(), field,
                    "AS".getBytes(), "prenom".getBytes(), "TEXT".getBytes(), "city".getBytes(), "TAG".getBytes());
            RedisInspection.awaitIndexed(jedis, "cafes", 20);
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            assertThat(slipway.describe("cafes").warnings()).anyMatch(w -> w.contains("not UTF-8 text"));
            RedisInspection.State before = RedisInspection.capture(jedis);

            MigrationPlan plan = slipway.plan(PlanRequest.patch("cafes", SlipwayFiles.readPatch(write("""
                    version: 1
                    changes:
                      add_fields:
                        - name: kind
                          type: tag
                    """))).withMode(mode));

            assertThat(plan.supported()).isFalse();
            assertThat(plan.blockedReasons()).anySatisfy(r -> assertThat(r)
                    .contains("prefix \"caf\\xe9:\"", "field \"pr\\xe9nom\"", "cannot migrate this index"));
            SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.apply(plan, ApplyOptions.DEFAULTS));
            assertThat(refused.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(RedisInspection.capture(jedis)).as("nothing changed").isEqualTo(before);
            assertThat(jedis.sendCommand(RedisStackServer.command("FT.SEARCH"), "cafes", "@prenom:jean3", "LIMIT",
                    "0", "0")).asList().first().isEqualTo(1L);
        }
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("patch.yaml");
        Files.writeString(file, text);
        return file;
    }

    private void assertRefused(Slipway slipway, RedisStackServer redis, MigrationPlan plan, String reason,
                               String explains) {
        assertRefused(slipway, redis, plan, INDEX, reason, explains);
    }

    private void assertRefused(Slipway slipway, RedisStackServer redis, MigrationPlan plan, String index,
                               String reason, String explains) {
        assertThat(plan.supported()).isFalse();
        assertThat(plan.blockedReasons()).as("blocked reasons").anySatisfy(r -> {
            assertThat(r).startsWith(reason);
            assertThat(r).contains(explains);
        });
        assertThat(plan.changes()).filteredOn(c -> !c.supported()).isNotEmpty()
                .allSatisfy(c -> assertThat(c.reason()).isNotBlank());
        assertThat(plan.changes()).filteredOn(c -> !c.supported()).extracting(SchemaChange::kind)
                .allMatch(k -> reason.startsWith(k.name().toLowerCase()), "blocked kinds match " + reason);

        try (Jedis jedis = redis.newJedis()) {
            RedisInspection.State before = RedisInspection.capture(jedis);
            Path file = dir.resolve("plan.yaml");
            SlipwayFiles.writePlan(plan, file);
            MigrationPlan reviewed = SlipwayFiles.readPlan(file);

            SlipwayException refused = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.apply(reviewed, ApplyOptions.DEFAULTS));

            assertThat(refused).as("apply of a blocked plan must throw").isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("'" + index + "'").contains("nothing was changed");
            assertThat(refused.problems()).containsExactlyElementsOf(plan.blockedReasons());
            // nor is it estimated: figures for a plan apply refuses only mislead (tester session 40 R30 F15)
            SlipwayException notEstimated = catchThrowableOfType(SlipwayException.class,
                    () -> slipway.estimate(reviewed));
            assertThat(notEstimated).as("estimate of a blocked plan must throw").isNotNull();
            assertThat(notEstimated.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(RedisInspection.capture(jedis)).as("Redis unchanged").isEqualTo(before);
            assertThat(RedisInspection.slipwayKeys(jedis)).isEmpty();
            assertThat(RedisInspection.indexes(jedis)).containsExactly(index);
        }
    }

    private static StorageType other(StorageType storage) {
        return storage == StorageType.HASH ? StorageType.JSON : StorageType.HASH;
    }
}
