package dev.slipway.testing;

import dev.slipway.api.SlipwayException;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ThrowableAssert;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/** Makes a real server evict, and reads what it evicted ({@code INFO stats evicted_keys}). */
public final class ServerEvictions {
    private ServerEvictions() {
    }

    /**
     * Makes the server evict one unrelated key with a time to live (a 2 MiB {@code unrelated:cache}), and nothing
     * else: {@code volatile-ttl} under a {@code maxmemory} 1 MiB below what it uses, for one write, then no limit and
     * the policy it had.
     *
     * @return how many keys it evicted
     */
    public static long evictOneKey(RedisStackServer redis) {
        try (Jedis jedis = redis.newJedis()) {
            long before = evictedKeys(jedis);
            // memory the server frees in the background meanwhile (an index just dropped) can bring it under the
            // limit before the trigger, and nothing is evicted: then again, with the memory in use read anew
            for (int attempt = 0; attempt < 5 && evictedKeys(jedis) == before; attempt++) {
                jedis.set("unrelated:cache", "x".repeat(2 << 20), SetParams.setParams().ex(5));
                long used = jedis.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                        .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).sum();
                String policy = jedis.configGet("maxmemory-policy").get("maxmemory-policy");
                jedis.configSet("maxmemory-policy", "volatile-ttl");
                jedis.configSet("maxmemory", Long.toString(used - (1 << 20)));
                try {
                    jedis.set("trigger", "y");
                } finally {
                    jedis.configSet("maxmemory", "0");
                    jedis.configSet("maxmemory-policy", policy);
                }
                jedis.del("trigger");
            }
            return evictedKeys(jedis) - before;
        }
    }

    /** The keys the server evicted since it started. */
    public static long evictedKeys(Jedis jedis) {
        return jedis.info("stats").lines().filter(l -> l.startsWith("evicted_keys:"))
                .mapToLong(l -> Long.parseLong(l.substring("evicted_keys:".length()).trim())).sum();
    }

    /** {@code used_memory} now. */
    public static long usedMemory(Jedis jedis) {
        return jedis.info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).sum();
    }

    /**
     * {@code used_memory} once the server has freed what a dropped index held (it does so in the background): read
     * until two reads 50 ms apart differ by less than 64 KiB, for at most 5 s.
     */
    public static long settledUsedMemory(Jedis jedis) {
        long used = Long.MAX_VALUE;
        for (int look = 0; look < 100; look++) {
            long now = usedMemory(jedis);
            if (now >= used - (64 << 10)) {
                return now;
            }
            used = now;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return now;
            }
        }
        return used;
    }

    /**
     * Runs {@code call}, which is expected to fail with a {@link SlipwayException}, then lifts the server's limit
     * (maxmemory 0, policy noeviction) whatever happened; returns the failure (null when it did not fail).
     */
    public static SlipwayException failureThenNoLimit(Jedis admin, ThrowableAssert.ThrowingCallable call) {
        try {
            return Assertions.catchThrowableOfType(SlipwayException.class, call);
        } finally {
            admin.configSet("maxmemory", "0");
            admin.configSet("maxmemory-policy", "noeviction");
        }
    }

    /**
     * Makes the server evict at its limit (allkeys-lru) with the line where Slipway stops (90% of maxmemory)
     * {@code room} bytes above the memory in use, once the server has freed what it frees in the background.
     */
    public static void evictingWithLineAbove(Jedis admin, long room) {
        long used = settledUsedMemory(admin);
        admin.configSet("maxmemory-policy", "allkeys-lru");
        admin.configSet("maxmemory", Long.toString((long) ((used + room) / 0.9)));
    }
}
