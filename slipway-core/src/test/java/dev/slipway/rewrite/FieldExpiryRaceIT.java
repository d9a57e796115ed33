package dev.slipway.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.Slipway;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.ForwardingDocumentStore;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.slipway.rewrite.RewriteFixture.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hash field with an expiry of its own that passes while the rewrite reads its document, between the read of its
 * value and the read of its expiry (tester session 51 R44 T1 H1): read value first, the expiry read found "no such
 * field", which was taken for "no expiry", and the moved value lived on for good, under its new name, and after a
 * rollback under its old one. The expiries are now read first.
 */
class FieldExpiryRaceIT {
    private static final String KEY = "doc:4";

    /**
     * A store whose first read of {@link #KEY}'s fields (whichever of the two reads comes first) gives its title an
     * expiry 300 ms away just before it is sent, and waits until that expiry has passed before it returns: the field
     * exists for that read and is gone for the next one.
     */
    private static final class ExpiresBetweenReads extends ForwardingDocumentStore {
        private final Jedis side;
        private final AtomicBoolean done;

        ExpiresBetweenReads(DocumentStore delegate, Jedis side, AtomicBoolean done) {
            super(delegate);
            this.side = side;
            this.done = done;
        }

        private boolean first(List<byte[]> keys) {
            byte[] key = KEY.getBytes(StandardCharsets.UTF_8);
            return keys.stream().anyMatch(k -> Arrays.equals(k, key)) && done.compareAndSet(false, true);
        }

        private static void expireSoon(Jedis jedis) {
            call(jedis, "HPEXPIRE", KEY, "300", "FIELDS", "1", "title");
        }

        private <T> T around(boolean first, java.util.function.Supplier<T> read) {
            if (!first) {
                return read.get();
            }
            expireSoon(side);
            T result = read.get();
            RewriteFixture.sleep(450);
            return result;
        }

        @Override
        public List<byte[][]> readHashFields(List<byte[]> keys, List<String> fields) {
            return around(first(keys), () -> delegate.readHashFields(keys, fields));
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            boolean expiries = commands.stream().allMatch(c -> c.name().equals("HPEXPIRETIME"));
            return around(expiries && first(commands.stream().map(Command::key).toList()),
                    () -> delegate.execute(commands));
        }
    }

    /**
     * The server's active expiry is off (DEBUG), so that the expired field is still there, unreadable, when the
     * rewrite's HDEL of it comes: HDEL removed it (reply 1), so nothing told the write that the value was gone.
     */
    @Test
    void aFieldThatExpiresBetweenTheTwoReadsOfItsDocumentStaysExpired(@TempDir Path dir) {
        try (RedisStackServer redis = RedisStackServer.asShipped(List.of("--enable-debug-command", "yes")).start();
             Jedis jedis = redis.newJedis(); Jedis side = redis.newJedis()) {
            Slipway slipway = Slipway.configure().url(redis.url()).load();
            call(jedis, "DEBUG", "SET-ACTIVE-EXPIRE", "0");
            RewriteFixture.hashDocs(jedis, slipway, VectorDataType.FLOAT32, 200, 44);
            MigrationPlan plan = RewriteFixture.plan(slipway, "docs", dir,
                    "  rename_fields:\n    - {old_name: title, new_name: name}\n");
            assertThat(jedis.hexists(KEY, "title")).isTrue();
            AtomicBoolean done = new AtomicBoolean();
            RedisEndpoint endpoint = RedisEndpoint.parse(redis.url());

            try (BackupDirectory directory = BackupDirectory.openForPlan(dir.resolve("backup"), plan);
                 WorkerPool pool = new WorkerPool(() -> new ExpiresBetweenReads(JedisDocumentStore.open(endpoint),
                         side, done), 1, 0)) {
                new RewriteEngine(plan, directory, pool, ProgressListener.NONE,
                        new RewriteSettings(50, 0).withFieldExpiries(true)).run();
            }

            assertThat(done).as("the store met the document").isTrue();
            assertThat(jedis.hgetAll(KEY)).as("the title expired: nothing of it lives on").doesNotContainKeys("title",
                    "name").isNotEmpty();
            assertThat(jedis.hexists("doc:5", "name")).as("the others moved").isTrue();
        }
    }
}
