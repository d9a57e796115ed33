package dev.slipway.internal.rewrite;

import dev.slipway.internal.rewrite.DocumentStore.Command;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The keys the write watch was told another client changed, until it knows what the change was. The server's
 * notification names only the key, and a deletion or an expiry loses nothing: the document is gone, which is what
 * the application (or its TTL) wanted, and a rewrite's write that would bring it back is taken back (see
 * {@link VanishedDocuments}). So a reported key that no longer exists is a deletion, and only one that still exists
 * counts as a write, one the rewrite may have overwritten.
 *
 * <p>A key whose own rewrite is still in flight is left for later: its write may have just brought it back, and the
 * take-back runs when its batch lands. Should more keys wait than {@link #MAX_WAITING}, the rest count as writes
 * (the rewrite stops), so memory stays bounded whatever the application does.
 */
final class ReportedKeys {
    static final int MAX_WAITING = 100_000;

    private final Queue<byte[]> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong deletions = new AtomicLong();
    private final Consumer<byte[]> write;

    /** @param write told of every key whose change counts as a write */
    ReportedKeys(Consumer<byte[]> write) {
        this.write = write;
    }

    /** A key another client changed (called by the listeners' threads). */
    void add(byte[] key) {
        if (size.incrementAndGet() > MAX_WAITING) {
            size.decrementAndGet();
            write.accept(key);
            return;
        }
        waiting.add(key);
    }

    /**
     * Sorts out the keys reported so far: those {@code inFlight} says are in a batch not yet landed wait; of the
     * others, {@code exists} (one EXISTS per key, pipelined, on a connection of the watch's own) tells deletions from
     * writes. A key found gone that {@code movedTo} names a new key for (the rewrite moves its prefix; null for none)
     * is looked up there too: the rewrite moved it since, with the change (tester session 25, F4: it was counted as
     * a deletion, so a write the move's own HSET overwrote went unreported).
     */
    void resolve(Predicate<byte[]> inFlight, Function<List<Command>, List<Object>> exists,
                 UnaryOperator<byte[]> movedTo) {
        Set<ByteBuffer> distinct = new LinkedHashSet<>(); // a key is often reported twice (EXPIRE, then expiry)
        for (byte[] key = waiting.poll(); key != null; key = waiting.poll()) {
            size.decrementAndGet();
            distinct.add(ByteBuffer.wrap(key));
        }
        List<byte[]> now = new ArrayList<>();
        for (ByteBuffer key : distinct) {
            if (inFlight.test(key.array())) {
                add(key.array());
            } else {
                now.add(key.array());
            }
        }
        if (now.isEmpty()) {
            return;
        }
        boolean[] gone = gone(exists, now);
        List<byte[]> movedFrom = new ArrayList<>();
        List<byte[]> newKeys = new ArrayList<>();
        for (int i = 0; i < now.size(); i++) {
            if (!gone[i]) {
                write.accept(now.get(i)); // it exists, or the check failed: a write, to be safe
                continue;
            }
            byte[] newKey = movedTo.apply(now.get(i));
            if (newKey == null) {
                deletions.incrementAndGet();
            } else {
                movedFrom.add(now.get(i));
                newKeys.add(newKey);
            }
        }
        boolean[] goneThere = gone(exists, newKeys);
        for (int i = 0; i < movedFrom.size(); i++) {
            if (goneThere[i]) {
                deletions.incrementAndGet();
            } else {
                write.accept(movedFrom.get(i)); // moved by the rewrite since, with the change: a write, as any other
            }
        }
    }

    /**
     * Per key, whether {@code exists} (one EXISTS per key, pipelined) found it missing; false where it cannot tell
     * (the check failed), so that the key counts as written, to be safe.
     */
    private static boolean[] gone(Function<List<Command>, List<Object>> exists, List<byte[]> keys) {
        boolean[] gone = new boolean[keys.size()];
        if (keys.isEmpty()) {
            return gone;
        }
        List<Object> replies;
        try {
            replies = exists.apply(keys.stream().map(key -> DocumentRewriter.command("EXISTS", key)).toList());
        } catch (RuntimeException e) {
            return gone;
        }
        for (int i = 0; i < keys.size() && i < replies.size(); i++) {
            gone[i] = replies.get(i) instanceof Long n && n == 0;
        }
        return gone;
    }

    /** Reported keys found gone: deleted or expired by someone else during the rewrite. */
    long deletions() {
        return deletions.get();
    }
}
