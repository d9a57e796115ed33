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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

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
                    evicted[0] = evictOneKey(redis);
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
        assertThat(evictions.detail()).contains("maxmemory-policy volatile-ttl", "gone from Redis");
    }

    /**
     * Makes the server evict one key and no document: a 2 MB key with the shortest expiry, maxmemory 1 MB below what
     * is used, the policy volatile-ttl (the soonest to expire goes first; Slipway's lock expires later), then a
     * write. Puts the limit back; returns the evictions seen.
     */
    private static long evictOneKey(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            long before = evictedKeys(jedis);
            jedis.set("unrelated:cache", "x".repeat(2 << 20), SetParams.setParams().ex(5));
            long used = jedis.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                    .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).sum();
            jedis.configSet("maxmemory-policy", "volatile-ttl");
            jedis.configSet("maxmemory", Long.toString(used - (1 << 20)));
            try {
                jedis.set("trigger", "y");
            } finally {
                jedis.configSet("maxmemory", "0");
            }
            jedis.del("trigger");
            return evictedKeys(jedis) - before;
        }
    }

    private static long evictedKeys(Jedis jedis) {
        return jedis.info("stats").lines().filter(l -> l.startsWith("evicted_keys:"))
                .mapToLong(l -> Long.parseLong(l.substring("evicted_keys:".length()).trim())).sum();
    }
}
