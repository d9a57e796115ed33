package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adding a prefix to an index's list, or removing one, moves no key: an index-only change in either mode, after
 * which the index serves the documents under its new prefixes (tester session 40 R29 F4: it was blocked as a key
 * move, with advice that could not be followed). No document is changed.
 */
@ExtendWith(RedisStackExtension.class)
class PrefixListIT {
    private static SchemaPatch prefixes(String... prefixes) {
        return new SchemaPatch(List.of(), List.of(), List.of(), List.of(), new SchemaPatch.IndexChanges(
                Optional.empty(), Optional.of(List.of(prefixes)), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
    }

    private static long served(Jedis jedis, String index) {
        return (Long) ((List<?>) jedis.sendCommand(command("FT.SEARCH"), index, "*", "LIMIT", "0", "0")).get(0);
    }

    /**
     * A prefix list change with a document rewrite is blocked: the rewrite reads the current prefixes only, and the
     * documents under an added one kept the old form (tester session 41 R31 F2: supported, then exit 1).
     */
    @org.junit.jupiter.api.Test
    void aPrefixListChangeWithARewriteIsBlocked(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            jedis.hset("item:1", Map.of("title", "item 1"));
            jedis.hset("doc:1", Map.of("title", "doc 1"));
            jedis.sendCommand(command("FT.CREATE"), "two", "ON", "HASH", "PREFIX", "1", "item:", "SCHEMA", "title",
                    "TEXT");
            SchemaPatch renameAndWiden = new SchemaPatch(List.of(), List.of(), List.of(),
                    List.of(new SchemaPatch.FieldRename("title", "name")), prefixes("item:", "doc:").index());

            MigrationPlan plan = slipway.plan(PlanRequest.patch("two", renameAndWiden));

            assertThat(plan.supported()).isFalse();
            assertThat(plan.blockedReasons()).anySatisfy(r -> assertThat(r).startsWith("the patch changes the "
                    + "index's prefix list and rewrites documents"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = MigrationMode.class, names = {"ZERO_DOWNTIME", "DROP_RECREATE"})
    void aPrefixIsAddedThenRemovedWithoutMovingAKey(MigrationMode mode, RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            for (int i = 0; i < 10; i++) {
                jedis.hset("item:" + i, Map.of("title", "item " + i));
            }
            for (int i = 0; i < 5; i++) {
                jedis.hset("doc:" + i, Map.of("title", "doc " + i));
            }
            jedis.sendCommand(command("FT.CREATE"), "one", "ON", "HASH", "PREFIX", "1", "item:", "SCHEMA", "title",
                    "TEXT");
            RedisInspection.awaitIndexed(jedis, "one", 10);

            MigrationPlan widen = slipway.plan(PlanRequest.patch("one", prefixes("item:", "doc:")).withMode(mode));
            assertThat(widen.supported()).as(widen.blockedReasons().toString()).isTrue();
            assertThat(widen.changes()).singleElement().satisfies(c -> {
                assertThat(c.kind()).isEqualTo(ChangeKind.UPDATE_INDEX_OPTION);
                assertThat(c.reason()).contains("also covers the keys under 'doc:'");
            });
            assertThat(widen.rewrite()).isEmpty();
            assertThat(widen.warnings()).as("R33 F14").anySatisfy(w -> assertThat(w).startsWith("The new index reads "
                    + "documents the live one never read (those under 'doc:')"));
            assertThat(slipway.apply(widen, ApplyOptions.DEFAULTS).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(served(jedis, "one")).isEqualTo(15);

            MigrationPlan narrow = slipway.plan(PlanRequest.patch("one", prefixes("doc:")).withMode(mode));
            assertThat(narrow.supported()).as(narrow.blockedReasons().toString()).isTrue();
            assertThat(narrow.warnings()).noneSatisfy(w -> assertThat(w).contains("the live one never read"));
            assertThat(slipway.apply(narrow, ApplyOptions.DEFAULTS).result())
                    .isEqualTo(MigrationReport.Result.SUCCEEDED);
            assertThat(served(jedis, "one")).isEqualTo(5);
            assertThat(slipway.validate(narrow, List.of()).passed()).isTrue();

            // an index rebuilt by hand that never read the keys still fails, though the count does not apply
            // (tester session 41 R31 F1: it served 0 of 5 and passed)
            String physical = slipway.describe("one").physicalIndex();
            jedis.sendCommand(command("FT.DROPINDEX"), physical);
            jedis.sendCommand(command("FT.CREATE"), physical, "ON", "HASH", "PREFIX", "1", "doc:", "SKIPINITIALSCAN",
                    "SCHEMA", "title", "TEXT");
            if (!physical.equals("one")) {
                jedis.sendCommand(command("FT.ALIASADD"), "one", physical);
            }
            assertThat(served(jedis, "one")).isZero();
            ValidationResult rebuilt = slipway.validate(narrow, List.of());
            assertThat(rebuilt.passed()).isFalse();
            assertThat(rebuilt.checks()).anySatisfy(check -> {
                assertThat(check.name()).isEqualTo("document-count");
                assertThat(check.passed()).isFalse();
                assertThat(check.detail()).startsWith("5 existing keys under the index's prefixes are neither indexed "
                        + "nor counted as an indexing failure");
            });

            assertThat(jedis.keys("item:*")).hasSize(10);
            assertThat(jedis.keys("doc:*")).hasSize(5);
            assertThat(jedis.hget("item:3", "title")).isEqualTo("item 3");
        }
    }
}
