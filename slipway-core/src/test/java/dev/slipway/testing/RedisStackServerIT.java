package dev.slipway.testing;

import static dev.slipway.testing.RedisStackServer.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.Module;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.SafeEncoder;

@ExtendWith(RedisStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisStackServerIT {

  private static RedisStackServer firstSeen;

  private final RedisStackServer redis;

  RedisStackServerIT(RedisStackServer redis) { // constructor injection
    this.redis = redis;
  }

  @Test
  @Order(1)
  void moduleListHasSearchAndJson() {
    firstSeen = redis;
    try (Jedis jedis = redis.newJedis()) {
      List<String> names = jedis.moduleList().stream().map(Module::getName).collect(Collectors.toList());
      assertThat(names).contains("search", "ReJSON");
      // tests run what users run: every module the stock redis-stack-server script loads
      assertThat(names).contains("timeseries", "bf", "RedisCompat", "redisgears_2");
      assertThat(jedis.info("server")).contains("redis_version:7.");
    }
    assertThat(redis.isRunning()).isTrue();
    assertThat(redis.host()).isEqualTo("127.0.0.1");
    assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
    assertThat(redis.pid()).isPositive();
  }

  @Test
  @Order(2)
  void writesHashesAndIndexAndJson(RedisStackServer methodParam) {
    assertThat(methodParam).isSameAs(redis).isSameAs(firstSeen); // one server per class
    try (Jedis jedis = redis.newJedis()) {
      assertThat(string(jedis.sendCommand(command("FT.CREATE"),
              "idx:docs", "ON", "HASH", "PREFIX", "1", "doc:", "SCHEMA", "title", "TEXT", "n", "NUMERIC")))
          .isEqualTo("OK");
      jedis.hset("doc:1", "title", "hello slipway");
      jedis.hset("doc:2", "title", "goodbye");
      jedis.hset("doc:3", "n", "7");

      List<?> result = (List<?>) jedis.sendCommand(command("FT.SEARCH"), "idx:docs", "hello", "NOCONTENT", "DIALECT", "2");
      assertThat(result.get(0)).isEqualTo(1L);
      assertThat(string(result.get(1))).isEqualTo("doc:1");

      assertThat(string(jedis.sendCommand(command("JSON.SET"), "j:1", "$", "{\"a\":1,\"b\":[\"x\"]}"))).isEqualTo("OK");
      assertThat(string(jedis.sendCommand(command("JSON.GET"), "j:1", "$.b[0]"))).isEqualTo("[\"x\"]");

      assertThat(jedis.dbSize()).isEqualTo(4);
      assertThat(indexes(jedis)).containsExactly("idx:docs");
    }
  }

  @Test
  @Order(3)
  void previousTestsKeysAndIndexesAreGone() {
    try (Jedis jedis = redis.newJedis()) {
      assertThat(jedis.dbSize()).isZero();
      assertThat(indexes(jedis)).isEmpty();
    }
  }

  /** Documents the module behaviour that flushAll() relies on. */
  @Test
  @Order(4)
  void plainFlushAllDropsSearchIndexes() {
    try (Jedis jedis = redis.newJedis()) {
      jedis.sendCommand(command("FT.CREATE"), "idx:a", "ON", "JSON", "PREFIX", "1", "a:", "SCHEMA", "$.n", "AS", "n", "NUMERIC");
      jedis.sendCommand(command("FT.CREATE"), "idx:b", "ON", "HASH", "SCHEMA", "t", "TAG");
      jedis.hset("b:1", "t", "x");
      assertThat(indexes(jedis)).containsExactlyInAnyOrder("idx:a", "idx:b");

      jedis.flushAll(); // plain FLUSHALL, not RedisStackServer.flushAll()

      assertThat(indexes(jedis)).isEmpty();
      assertThat(jedis.dbSize()).isZero();
      // The name is free again: re-creating it works.
      assertThat(string(jedis.sendCommand(command("FT.CREATE"), "idx:a", "ON", "HASH", "SCHEMA", "t", "TAG"))).isEqualTo("OK");
    }
  }

  @Test
  @Order(5)
  void separateServerWithExtraArgsStopsForReal() {
    RedisStackServer other = new RedisStackServer("--databases", "3");
    Path workDir;
    int port;
    long pid;
    try {
      other.start();
      port = other.port();
      pid = other.pid();
      workDir = other.workDir();
      assertThat(port).isNotEqualTo(redis.port());
      assertThat(RedisStackServer.isPortOpen(port)).isTrue();
      assertThat(Files.isRegularFile(other.logFile())).isTrue();
      try (Jedis jedis = other.newJedis()) {
        assertThat(jedis.configGet("databases")).containsEntry("databases", "3");
        jedis.set("k", "v");
      }
    } finally {
      other.stop();
    }
    assertThat(other.isRunning()).isFalse();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(RedisStackServer.isPortOpen(port)).isFalse();
    assertThat(workDir).doesNotExist();
    assertThatThrownBy(other::port).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> {
          try (Jedis jedis = new Jedis("127.0.0.1", port, 1_000)) {
            jedis.ping();
          }
        })
        .isInstanceOf(JedisConnectionException.class);
    other.stop(); // idempotent
    // The class's own server is unaffected.
    try (Jedis jedis = redis.newJedis()) {
      assertThat(jedis.ping()).isEqualTo("PONG");
    }
  }

  private static List<String> indexes(Jedis jedis) {
    return ((List<?>) jedis.sendCommand(command("FT._LIST"))).stream()
        .map(RedisStackServerIT::string)
        .collect(Collectors.toList());
  }

  private static String string(Object reply) {
    return reply instanceof byte[] ? SafeEncoder.encode((byte[]) reply) : String.valueOf(reply);
  }
}
