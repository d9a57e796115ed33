package dev.slipway.internal.plan;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.ServerInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryHeadroomTest {
    private static final long MIB = 1 << 20;

    @Test
    void noLimitNothingAddedOrRoomEnoughIsNoShortfall() {
        assertThat(MemoryHeadroom.shortfall(10 * MIB, new ServerInfo.Memory(100 * MIB, 0, "allkeys-lru"))).isEmpty();
        assertThat(MemoryHeadroom.shortfall(0, new ServerInfo.Memory(50 * MIB, 100 * MIB, "allkeys-lru"))).isEmpty();
        assertThat(MemoryHeadroom.shortfall(0, new ServerInfo.Memory(99 * MIB, 100 * MIB, "allkeys-lru")))
                .as("nothing added, but past 90% already: the work's own reads made the server evict (tester session "
                        + "53 R47 T1 H3)").hasValueSatisfying(s -> assertThat(s).contains("beyond 90% of the limit "
                        + "already", "Redis would evict keys, documents included"));
        assertThat(MemoryHeadroom.shortfall(10 * MIB, new ServerInfo.Memory(80 * MIB, 100 * MIB, "allkeys-lru")))
                .as("exactly at 90% of the limit, where a build stops, still fits").isEmpty();
        assertThat(MemoryHeadroom.shortfall(10 * MIB, new ServerInfo.Memory(90 * MIB, 100 * MIB, "allkeys-lru")))
                .as("at the limit: past 90%").hasValueSatisfying(s -> assertThat(s).contains("10.0 MiB beyond 90% "
                        + "of the limit (where apply stops a build, since near the limit under maxmemory-policy"));
    }

    @Test
    void overTheLimitSaysByHowMuchAndWhatThePolicyDoes() {
        assertThat(MemoryHeadroom.shortfall(20 * MIB, new ServerInfo.Memory(90 * MIB, 100 * MIB, "allkeys-lfu")))
                .hasValue("the server uses 90.0 MiB of its maxmemory 100.0 MiB, and the migration needs about "
                        + "20.0 MiB more, 20.0 MiB beyond 90% of the limit (where apply stops a build, since under "
                        + "maxmemory-policy allkeys-lfu Redis would evict keys, documents included, and they would be "
                        + "lost)");
        assertThat(MemoryHeadroom.shortfall(20 * MIB, new ServerInfo.Memory(90 * MIB, 100 * MIB, "volatile-ttl")))
                .hasValueSatisfying(s -> assertThat(s).endsWith("evict keys that have a TTL (documents with one "
                        + "would be lost), then refuse writes with OOM errors, the application's included)"));
        assertThat(MemoryHeadroom.shortfall(20 * MIB, new ServerInfo.Memory(90 * MIB, 100 * MIB, "noeviction")))
                .hasValueSatisfying(s -> assertThat(s).endsWith("refuse writes with OOM errors, the application's "
                        + "included, and the migration would fail)"));
    }

    @Test
    void theAdviceFitsTheMode() {
        assertThat(MemoryHeadroom.advice(MigrationMode.ZERO_DOWNTIME)).contains("plan with --mode drop-recreate");
        assertThat(MemoryHeadroom.advice(MigrationMode.DROP_RECREATE)).doesNotContain("--mode drop-recreate")
                .contains("plan a smaller index", "--ignore-maxmemory");
    }

    /** The guard stops on the largest growth between two looks, not the last (a late look brought 7 times more). */
    @Test
    void theGrowthIsTheLargestBetweenTwoLooks() {
        MemoryHeadroom.BuildGrowth growth = new MemoryHeadroom.BuildGrowth();
        assertThat(growth.look(100)).as("the first look grows by nothing").isZero();
        assertThat(growth.look(130)).isEqualTo(30);
        assertThat(growth.look(135)).as("a small growth after a large one").isEqualTo(30);
        assertThat(growth.look(120)).as("memory freed").isEqualTo(30);
        assertThat(growth.look(170)).isEqualTo(50);
        assertThat(MemoryHeadroom.buildNearLimit(170, growth.look(171), 320)).as("171 + 3 * 50 >= 320").isTrue();
        assertThat(MemoryHeadroom.buildNearLimit(171, 50, 400)).isFalse();
    }
}
