package dev.slipway.rewrite;

import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.testing.CuttingProxy;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A document store's connection lost inside a pipeline is given up: every later use fails as a lost connection,
 * which the worker pool replaces. Before, Jedis kept the failed pipeline's unread replies and refused the next
 * direct command with an {@code IllegalStateException} ("Cannot use Jedis when in Pipeline"), which no retry
 * caught: a rewrite under a {@code CLIENT KILL} storm failed with exit 1 after the reading connection's
 * {@code run_id} read was cut right after its reconnect (tester session 53 R47 T1).
 */
@ExtendWith(RedisStackExtension.class)
class GivenUpConnectionIT {

    @Test
    void aConnectionLostInsideAPipelineFailsEveryLaterUseAsLost(RedisStackServer redis) throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(redis, "INFO", 1);
             JedisDocumentStore store = JedisDocumentStore.open(RedisEndpoint.parse(proxy.url()))) {
            Command info = new Command("INFO", List.of("server".getBytes(StandardCharsets.UTF_8)));
            assertThatThrownBy(() -> store.execute(List.of(info))).isInstanceOf(JedisConnectionException.class);
            assertThat(proxy.cutsLeft()).isZero();

            assertThatThrownBy(() -> store.scan("0", "*", 10, "hash")).isInstanceOf(JedisConnectionException.class)
                    .hasMessageContaining("given up after a failed pipeline");
            assertThatThrownBy(() -> store.nameClient("slipway-test"))
                    .isInstanceOf(JedisConnectionException.class);
            assertThatThrownBy(() -> store.execute(List.of(info))).isInstanceOf(JedisConnectionException.class);
        }
    }
}
