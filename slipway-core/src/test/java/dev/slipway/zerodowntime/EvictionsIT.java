package dev.slipway.zerodowntime;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.MigrationFailedException;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationExecutor;
import dev.slipway.internal.apply.StepBoundaryListener;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import dev.slipway.testing.ServerEvictions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Keys the server evicts while a migration runs (a server at maxmemory with a policy that evicts) are gone, and
 * every count and sample passes over them: validation fails on the server's evicted_keys instead (tester session 29:
 * 6,726 of 10,000 documents evicted, apply exited 0).
 */
@ExtendWith(RedisStackExtension.class)
class EvictionsIT {
    private static final int DOCS = 200;

    @Test
    void aKeyEvictedWhileTheMigrationRanFailsValidation(RedisStackServer redis) {
        Catalog.writeDocuments(redis, StorageType.HASH, DOCS);
        try (Jedis jedis = redis.newJedis()) {
            jedis.sendCommand(RedisStackServer.command("FT.CREATE"), Catalog.NAME, "ON", "HASH", "PREFIX", "1",
                    Catalog.PREFIX, "SCHEMA", "title", "TEXT", "category", "TAG", "price", "NUMERIC");
            Inspect.awaitIndexed(jedis, Catalog.NAME);
        }
        MigrationPlan plan = Slipway.configure().url(redis.url()).load()
                .plan(PlanRequest.patch(Catalog.NAME, Catalog.addBrand()));
        long[] evicted = {0};
        StepBoundaryListener memoryPressure = new StepBoundaryListener() {
            @Override
            public void before(String step) {
                if (step.equals("validate")) {
                    evicted[0] = ServerEvictions.evictOneKey(redis);
                }
            }
        };

        MigrationFailedException failed;
        try (RedisSession session = RedisSession.open(RedisEndpoint.parse(redis.url()), 10_000)) {
            failed = catchThrowableOfType(() -> new MigrationExecutor(session, KeyNamespace.DEFAULT,
                    ProgressListener.NONE).onStepBoundary(memoryPressure).apply(plan, ApplyOptions.DEFAULTS),
                    MigrationFailedException.class);
        }

        assertThat(evicted[0]).as("the server evicted a key").isEqualTo(1);
        assertThat(failed).isNotNull();
        assertThat(failed.exitCode()).isEqualTo(1);
        ValidationCheck evictions = failed.report().validation().orElseThrow().checks().stream()
                .filter(check -> check.name().equals("evictions")).findFirst().orElseThrow();
        assertThat(evictions.passed()).isFalse();
        assertThat(evictions.actual()).isEqualTo("1 key");
        assertThat(evictions.detail()).contains("the server evicted 1 key while the migration ran", "gone from Redis");
    }
}
