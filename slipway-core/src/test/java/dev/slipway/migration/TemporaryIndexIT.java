package dev.slipway.migration;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.TemporaryIndex;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.testing.KeyDumps;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import redis.clients.jedis.Jedis;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * An index created {@code TEMPORARY}: the server deletes every document it covers when it is dropped, even without
 * {@code DD} (tester session 28: both strategies lost all 50 documents of one, and said "documents kept"). The plan
 * is blocked, and apply refuses a plan made before the index became temporary, with nothing changed.
 */
@ExtendWith(RedisStackExtension.class)
class TemporaryIndexIT {
    private static final int DOCS = 50;
    private static final SchemaPatch ADD_TAG = new SchemaPatch(List.of(FieldSchema.of("kind", FieldType.TAG)),
            List.of(), List.of(), List.of(), SchemaPatch.IndexChanges.NONE);

    /** The documents, a temporary index and a plain one over them, and a user 'nodebug' refused FT.DEBUG. */
    private static void temporaryAndPlainIndexesWithAUserRefusedFtDebug(Jedis jedis) {
        documents(jedis);
        create(jedis, true);
        jedis.sendCommand(RedisStackServer.command("FT.CREATE"), "plain", "ON", "HASH", "PREFIX", "1", "tz:",
                "SCHEMA", "t", "TEXT");
        jedis.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "nodebug", "on", ">pw", "&*", "~*", "+@all",
                "-ft.debug");
    }

    private static void documents(Jedis jedis) {
        for (int i = 0; i < DOCS; i++) {
            jedis.hset("tz:" + i, Map.of("t", "hello " + i, "kind", "k" + (i % 3)));
        }
    }

    private static void create(Jedis jedis, boolean temporary) {
        List<String> args = temporary ? List.of("tz", "ON", "HASH", "PREFIX", "1", "tz:", "TEMPORARY", "100000",
                "SCHEMA", "t", "TEXT") : List.of("tz", "ON", "HASH", "PREFIX", "1", "tz:", "SCHEMA", "t", "TEXT");
        jedis.sendCommand(RedisStackServer.command("FT.CREATE"), args.toArray(String[]::new));
    }

    @ParameterizedTest
    @EnumSource(value = MigrationMode.class, names = {"ZERO_DOWNTIME", "DROP_RECREATE"})
    void aTemporaryIndexIsBlockedAtPlanAndApplyChangesNothing(MigrationMode mode, RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            documents(jedis);
            create(jedis, true);
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);

            MigrationPlan plan = slipway.plan(PlanRequest.patch("tz", ADD_TAG).withMode(mode));

            assertThat(plan.supported()).isFalse();
            assertThat(plan.source().temporary()).contains(TemporaryIndex.CREATED_TEMPORARY);
            assertThat(plan.blockedReasons()).anySatisfy(reason -> assertThat(reason)
                    .startsWith("index 'tz' was created TEMPORARY: the server deletes every document it covers")
                    .contains("Slipway does not migrate temporary indexes"));
            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, ApplyOptions.DEFAULTS),
                    SlipwayException.class);
            assertThat(refused).isNotNull();
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(KeyDumps.dumpAll(jedis)).isEqualTo(before);
        }
    }

    /**
     * Where the server refuses FT.DEBUG (an ACL, a managed service), FT.INFO still gives a temporary index away: it
     * has no garbage collector section. An index that is not temporary is not taken for one.
     */
    @Test
    void withoutFtDebugATemporaryIndexIsStillRecognised(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            temporaryAndPlainIndexesWithAUserRefusedFtDebug(jedis);
        }
        Slipway slipway = Slipway.configure().url("redis://nodebug:pw@127.0.0.1:" + redis.port()).load();

        MigrationPlan temporary = slipway.plan(PlanRequest.patch("tz", ADD_TAG));
        MigrationPlan plain = slipway.plan(PlanRequest.patch("plain", ADD_TAG));

        assertThat(temporary.supported()).isFalse();
        assertThat(temporary.blockedReasons()).anySatisfy(r -> assertThat(r).contains("was created TEMPORARY"));
        assertThat(plain.source().temporary()).isEmpty();
        assertThat(plain.blockedReasons()).noneSatisfy(r -> assertThat(r).contains("TEMPORARY"));
    }

    /**
     * On a server without a garbage collector (NOGC) nothing in FT.INFO tells a temporary index apart: a user
     * refused FT.DEBUG cannot know, so the plan is blocked with that reason and the way out (tester session 28: such
     * an index was migrated and every document deleted); a user allowed FT.DEBUG plans an ordinary index as usual.
     */
    @Test
    void withoutAGarbageCollectorOrFtDebugSlipwayCannotTellAndBlocks() {
        RedisStackServer nogc = new RedisStackServer().withSearchArguments("NOGC").start();
        try (Jedis jedis = nogc.newJedis()) {
            temporaryAndPlainIndexesWithAUserRefusedFtDebug(jedis);
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);
            Slipway restricted = Slipway.configure().url("redis://nodebug:pw@127.0.0.1:" + nogc.port()).load();
            Slipway allowed = Slipway.configure().url(nogc.url()).load();

            MigrationPlan unknown = restricted.plan(PlanRequest.patch("tz", ADD_TAG));
            MigrationPlan plainUnknown = restricted.plan(PlanRequest.patch("plain", ADD_TAG));
            MigrationPlan temporary = allowed.plan(PlanRequest.patch("tz", ADD_TAG));
            MigrationPlan plain = allowed.plan(PlanRequest.patch("plain", ADD_TAG));

            assertThat(unknown.source().temporary()).contains(TemporaryIndex.CANNOT_TELL);
            assertThat(plainUnknown.source().temporary()).contains(TemporaryIndex.CANNOT_TELL);
            assertThat(unknown.blockedReasons()).anySatisfy(r -> assertThat(r).startsWith("Slipway cannot tell "
                    + "whether index 'tz' was created TEMPORARY").contains("+ft.debug"));
            assertThat(temporary.source().temporary()).contains(TemporaryIndex.CREATED_TEMPORARY);
            assertThat(plain.source().temporary()).isEmpty();
            assertThat(plain.supported()).isTrue();
            SlipwayException refused = catchThrowableOfType(() -> restricted.apply(unknown, ApplyOptions.DEFAULTS),
                    SlipwayException.class);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(KeyDumps.dumpAll(jedis)).isEqualTo(before);
        } finally {
            nogc.close();
        }
    }

    /** A plan made while the index was not temporary (or by an older Slipway) is refused when it now is. */
    @Test
    void applyRefusesAPlanWhoseIndexIsTemporaryNow(RedisStackServer redis) {
        Slipway slipway = Slipway.configure().url(redis.url()).load();
        try (Jedis jedis = redis.newJedis()) {
            documents(jedis);
            create(jedis, false);
            MigrationPlan plan = slipway.plan(PlanRequest.patch("tz", ADD_TAG));
            assertThat(plan.supported()).isTrue();
            assertThat(plan.source().temporary()).isEmpty();
            jedis.sendCommand(RedisStackServer.command("FT.DROPINDEX"), "tz"); // documents kept: not temporary
            create(jedis, true);
            Map<String, KeyDumps.Blob> before = KeyDumps.dumpAll(jedis);
            assertThat(before).hasSize(DOCS);

            SlipwayException refused = catchThrowableOfType(() -> slipway.apply(plan, ApplyOptions.DEFAULTS),
                    SlipwayException.class);

            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo(ErrorCode.UNSUPPORTED_CHANGE);
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.getMessage()).contains("was created TEMPORARY", "Nothing was changed.");
            assertThat(KeyDumps.dumpAll(jedis)).isEqualTo(before);
        }
    }
}
