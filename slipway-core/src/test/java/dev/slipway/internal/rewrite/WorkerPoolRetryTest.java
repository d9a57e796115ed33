package dev.slipway.internal.rewrite;

import dev.slipway.internal.rewrite.DocumentStore.Command;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** How a pool's reads ride out lost connections, with plain in-memory stores. */
class WorkerPoolRetryTest {

    /** A store that fails its first scan with a lost connection, or every call once closed. */
    private static final class Store extends EmptyDocumentStore {
        private final boolean failFirst;
        private boolean failed;
        private boolean closed;
        int scans;

        Store(boolean failFirst) {
            this.failFirst = failFirst;
        }

        @Override
        public ScanPage scan(String cursor, String pattern, int count, String type) {
            if (closed) {
                throw new IllegalStateException("a closed store was used again");
            }
            scans++;
            if (failFirst && !failed) {
                failed = true;
                throw new JedisConnectionException("Connection reset");
            }
            return super.scan(cursor, pattern, count, type);
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            return new ArrayList<>(); // INFO refused: no run_id
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /**
     * The reading connection is lost, and so is the first attempt to replace it: the next attempt connects again
     * instead of sending on the closed connection (tester session 36 R21 M3: that left the survey on a client still
     * mid-pipeline, "Cannot use Jedis when in Pipeline", after one retry of five).
     */
    @Test
    void aFailedReconnectIsTriedAgainNotTheClosedConnection() {
        AtomicInteger connects = new AtomicInteger();
        List<Store> made = new ArrayList<>();
        Supplier<DocumentStore> connector = () -> {
            int n = connects.incrementAndGet();
            if (n == 3) { // the first replacement of the reading connection (1: writer, 2: reader)
                throw new JedisConnectionException("Connection reset while connecting");
            }
            Store store = new Store(n == 2);
            made.add(store);
            return store;
        };
        try (WorkerPool pool = new WorkerPool(connector, 1, 5)) {
            DocumentStore.ScanPage page = pool.read(store -> store.scan("0", "*", 10, "hash"));

            assertThat(page.nextCursor()).isEqualTo("0");
            assertThat(connects.get()).as("writer, reader, a failed replacement, a good one").isEqualTo(4);
            assertThat(made.get(made.size() - 1).scans).isEqualTo(1);
        }
    }

    /** A store whose first send of commands is lost with its connection, if {@code loses}; 1 for each command. */
    private static final class SendingStore extends EmptyDocumentStore {
        private boolean loses;

        SendingStore(boolean loses) {
            this.loses = loses;
        }

        @Override
        public List<Object> execute(List<Command> commands) {
            if (commands.get(0).name().equals("INFO")) {
                return List.of(new IllegalStateException("refused")); // no run_id to compare
            }
            if (loses) {
                loses = false;
                throw new JedisConnectionException("Connection reset");
            }
            List<Object> replies = new ArrayList<>();
            commands.forEach(c -> replies.add(1L));
            return replies;
        }
    }

    /**
     * A writing connection lost while it sent: reads (existence checks) are sent again on its replacement, while
     * writes, which may have run in part, go back to the caller to be worked out anew. Reads used the caller's
     * retries too, and a CLIENT KILL storm failed rollbacks for their existence checks (tester session 54 R48 T1).
     */
    @Test
    void aLostConnectionSendsReadsAgainAndHandsWritesBack() {
        List<List<Command>> documents = List.of(List.of(new Command("EXISTS", List.of(new byte[] {1}))));
        AtomicInteger connects = new AtomicInteger();
        Supplier<DocumentStore> connector = () -> new SendingStore(connects.incrementAndGet() == 1);
        try (WorkerPool pool = new WorkerPool(connector, 1, 5)) {
            assertThat(pool.readDocuments(documents)).containsExactly(List.of(1L));
        }
        connects.set(0);
        try (WorkerPool pool = new WorkerPool(connector, 1, 5)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> pool.executeDocuments(documents))
                    .isInstanceOf(BusyServer.class).hasMessageContaining("may have run in part");
        }
    }
}
