package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.testing.RedisStackExtension;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watch, on a real server: the rewrite's own writes (on the connection owning each document) are never
 * reported, whichever name of a moving document they use; every change by another client to a key under the
 * watched prefixes is, including a deletion and a flush, and nothing outside them is.
 */
@ExtendWith(RedisStackExtension.class)
class WriteWatchIT {

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static RewriteSpec spec(String source, String target) {
        return new RewriteSpec(StorageType.HASH, List.of(source), Optional.ofNullable(target), List.of(), List.of(),
                0, false);
    }

    /** A pool of {@code writers} connections whose documents are routed to their owners and tracked. */
    private static WorkerPool watchedPool(RedisEndpoint endpoint, WriteWatch watch, int writers) {
        WorkerPool pool = new WorkerPool(() -> JedisDocumentStore.open(endpoint), writers, 0);
        pool.routeBy(watch::owner);
        pool.onWriterConnect(watch::track);
        return pool;
    }

    /** Waits for the server's notifications so far and sorts them out, with no batch in flight. */
    private static void settle(WriteWatch watch) {
        watch.sync();
        watch.resolve(key -> false);
    }

    @Test
    void ownWritesOverEveryConnectionAreNotReportedAnotherClientsAre(RedisStackServer redis) {
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (WriteWatch watch = WriteWatch.start(endpoint, spec("ww:", null), 3, "slipway:");
             WorkerPool pool = watchedPool(endpoint, watch, 3);
             Jedis other = redis.newJedis()) {
            for (int round = 0; round < 3; round++) {
                List<List<Command>> documents = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    documents.add(List.of(DocumentRewriter.command("HSET", b("ww:" + i), b("v"), b("r" + round)),
                            DocumentRewriter.command("HSET", b("ww:" + i), b("w"), b("x"))));
                }
                pool.executeDocuments(documents).forEach(replies -> assertThat(replies).hasSize(2));
            }
            settle(watch);
            assertThat(watch.detected()).isZero();
            assertThat(other.hget("ww:499", "v")).isEqualTo("r2");

            other.hset("elsewhere:1", "v", "x"); // not a watched prefix
            other.set("slipway:lock:x", "y");
            settle(watch);
            assertThat(watch.detected()).isZero();

            other.hset("ww:17", "v", "application");
            other.del("ww:18");
            other.pexpire("ww:19", 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (other.exists("ww:19") && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // EXISTS expires the key once its TTL has run out
            }
            settle(watch);
            assertThat(watch.detected()).as("the write; a deletion and an expiry lose nothing").isEqualTo(1);
            assertThat(watch.examples()).containsExactly("ww:17");
            assertThat(watch.deletions()).isEqualTo(2);

            // the connection that looks keys up is dropped: the next look-up retries on a new one
            String checker = other.clientList().lines().filter(line -> line.contains(" cmd=exists ")).findFirst()
                    .orElseThrow();
            other.clientKill(checker.substring(checker.indexOf("addr=") + 5).split(" ")[0]);
            other.del("ww:20");
            settle(watch);
            assertThat(watch.detected()).as("still one write").isEqualTo(1);
            assertThat(watch.deletions()).isEqualTo(3);
            assertThat(watch.lost()).isEmpty();
        }
    }

    /**
     * A document's window closes only once the listener has read every change the server made before
     * ({@link WriteWatch#afterNotifications}): a change made just before the window is told to close is judged as one
     * the rewrite may have overwritten, however late the listener reads it. A change made after it closed is judged
     * by the form the document is in (here, always the new one).
     */
    @Test
    void aWindowClosesOnlyOnceTheListenerHasCaughtUp(RedisStackServer redis) {
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        Set<String> open = ConcurrentHashMap.newKeySet();
        try (WriteWatch watch = WriteWatch.start(endpoint, spec("wn:", null), 1, "slipway:");
             WorkerPool pool = watchedPool(endpoint, watch, 1);
             Jedis other = redis.newJedis()) {
            watch.judgeByForm(key -> open.contains(new String(key, StandardCharsets.UTF_8)),
                    (store, keys) -> keys.stream().map(key -> OutsideChanges.Form.NEW).toList());
            for (int i = 0; i < 50; i++) {
                String key = "wn:" + i;
                open.add(key);
                other.hset(key, "v", "application"); // while the rewrite may overwrite it
                watch.afterNotifications(() -> open.remove(key));
            }
            settle(watch);
            assertThat(open).as("every window closed").isEmpty();
            assertThat(watch.detected()).isEqualTo(50);
            assertThat(watch.kept()).isZero();

            other.hset("wn:0", "v", "later");
            settle(watch);
            assertThat(watch.detected()).isEqualTo(50);
            assertThat(watch.kept()).isEqualTo(1);
        }
    }

    /**
     * A server that refuses SUBSCRIBE (an ACL) is taken at its word: the watch fails at once with the server's reply,
     * instead of waiting 10 s for a subscription that never comes while a drop-recreate's index is gone.
     */
    @Test
    void aRefusedSubscriptionFailsAtOnceWithTheServersReply(RedisStackServer redis) {
        try (Jedis admin = redis.newJedis()) {
            admin.sendCommand(RedisStackServer.command("ACL"), "SETUSER", "nosub", "on", ">pw", "~*", "&*", "+@all",
                    "-subscribe");
        }
        RedisEndpoint endpoint = RedisEndpoint.parse("redis://nosub:pw@127.0.0.1:" + redis.port());

        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                () -> WriteWatch.start(endpoint, spec("ns:", null), 1, "slipway:").close());

        assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("refused")
                .hasMessageContaining("NOPERM");
    }

    @Test
    void aMovingDocumentKeepsItsOwnerUnderBothNames(RedisStackServer redis) {
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (Jedis other = redis.newJedis()) {
            for (int i = 0; i < 200; i++) {
                other.hset("old:" + i, "v", "x");
            }
        }
        try (WriteWatch watch = WriteWatch.start(endpoint, spec("old:", "new:"), 2, "slipway:");
             WorkerPool pool = watchedPool(endpoint, watch, 2);
             Jedis other = redis.newJedis()) {
            List<List<Command>> documents = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                documents.add(i < 100
                        ? List.of(DocumentRewriter.command("RENAMENX", b("old:" + i), b("new:" + i)),
                        DocumentRewriter.command("HSET", b("new:" + i), b("v"), b("y")))
                        // moved by an earlier run: the commands name only the new key
                        : List.of(DocumentRewriter.command("HSET", b("new:" + i), b("v"), b("y"))));
            }
            pool.executeDocuments(documents);
            settle(watch);
            assertThat(watch.detected()).isZero();

            other.hset("new:3", "v", "application"); // the target prefix is watched too
            other.hset("old:3", "v", "created again");
            settle(watch);
            assertThat(watch.examples()).containsExactly("new:3", "old:3");
        }
    }

    @Test
    void overlappingPrefixesAreTrackedOnceAndAFlushIsReported(RedisStackServer redis) {
        // "doc:" -> "doc:v2:": the server refuses overlapping prefixes on one connection, so only "doc:" is tracked
        RewriteSpec spec = spec("doc:", "doc:v2:");
        assertThat(WriteWatch.trackedPrefixes(spec)).containsExactly("doc:");
        assertThat(WriteWatch.trackedPrefixes(new RewriteSpec(StorageType.HASH, List.of(), Optional.empty(),
                List.of(), List.of(), 0, false))).isEmpty();
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        try (WriteWatch watch = WriteWatch.start(endpoint, spec, 2, "slipway:");
             WorkerPool pool = watchedPool(endpoint, watch, 2);
             Jedis other = redis.newJedis()) {
            pool.executeDocuments(List.of(List.of(DocumentRewriter.command("HSET", b("doc:v2:1"), b("v"), b("y")))));
            settle(watch);
            assertThat(watch.detected()).isZero();

            other.flushAll();
            settle(watch);
            assertThat(watch.detected()).isPositive();
            assertThat(watch.examples()).contains("the whole database (flushed)");
        }
    }

    @Test
    void anIndexWithoutPrefixWatchesEveryKeyButSlipwaysOwn(RedisStackServer redis) {
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        RewriteSpec everyKey = new RewriteSpec(StorageType.HASH, List.of(), Optional.empty(), List.of(), List.of(),
                0, false);
        try (WriteWatch watch = WriteWatch.start(endpoint, everyKey, 1, "slipway:");
             WorkerPool pool = watchedPool(endpoint, watch, 1);
             Jedis other = redis.newJedis()) {
            pool.executeDocuments(List.of(List.of(DocumentRewriter.command("HSET", b("any:1"), b("v"), b("y")))));
            other.set("slipway:lock:docs", "refreshed by the lock's own connection");
            settle(watch);
            assertThat(watch.detected()).isZero();

            other.hset("any:2", "v", "application");
            settle(watch);
            assertThat(watch.examples()).containsExactly("any:2");
        }
    }

    @Test
    void aConnectionOpenedByARetryIsTrackedAgain(RedisStackServer redis) {
        RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());
        // the first batch breaks the connection mid-way; the pool replaces the connection and leaves the batch to its
        // caller to work out anew (BusyServer: what it sent may have run in part, tester session 53 R47 T1 H1); sent
        // on the new connection, its writes must not look like another client's, and its tracking must replace the
        // one that ended with the old one
        FaultyDocumentStoreForWatch.failNext = true;
        try (WriteWatch watch = WriteWatch.start(endpoint, spec("rt:", null), 1, "slipway:");
             WorkerPool pool = new WorkerPool(() -> new FaultyDocumentStoreForWatch(endpoint), 1, 2);
             Jedis other = redis.newJedis()) {
            pool.routeBy(watch::owner);
            pool.onWriterConnect(watch::track);
            List<List<Command>> documents = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                documents.add(List.of(DocumentRewriter.command("HSET", b("rt:" + i), b("v"), b("y"))));
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.executeDocuments(documents))
                    .isInstanceOf(BusyServer.class).hasMessageContaining("worked out anew");
            pool.executeDocuments(documents);
            settle(watch);
            assertThat(FaultyDocumentStoreForWatch.failNext).isFalse();
            assertThat(other.hget("rt:49", "v")).isEqualTo("y");
            assertThat(watch.detected()).isZero();

            other.hset("rt:7", "v", "application");
            settle(watch);
            assertThat(watch.examples()).containsExactly("rt:7");
        }
    }

    /** Fails its first batch after sending half of it and closing its connection, as a dropped connection does. */
    private static final class FaultyDocumentStoreForWatch extends ForwardingDocumentStore {
        static volatile boolean failNext;

        FaultyDocumentStoreForWatch(RedisEndpoint endpoint) {
            super(JedisDocumentStore.open(endpoint));
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            if (failNext && commands.size() > 2 && commands.get(0).name().equals("HSET")) {
                failNext = false;
                delegate.execute(commands.subList(0, commands.size() / 2));
                delegate.close();
                throw new redis.clients.jedis.exceptions.JedisConnectionException("injected: connection lost");
            }
            return delegate.execute(commands);
        }
    }
}
