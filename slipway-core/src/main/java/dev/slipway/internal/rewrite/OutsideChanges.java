package dev.slipway.internal.rewrite;

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

/**
 * The keys the write watch was told another client changed outside their document's own rewrite: before the
 * document was read, or after its rewrite had landed and the watch had caught up with the server (see
 * {@link WriteWatch#afterNotifications}). Such a change cannot have been overwritten by the rewrite; what matters is
 * the form it left the document in, which is looked at ({@link FormCheck}):
 * <ul>
 *   <li>gone: deleted or expired, which loses nothing;</li>
 *   <li>in the new form: the change left the rewritten fields as the rewrite wants them (a time to live refreshed,
 *       a field the rewrite does not touch written, a vector written in the new type), so it is kept and counted;</li>
 *   <li>in the old form: either not reached by the rewrite yet, which will rewrite it, or written back in the old
 *       form after its rewrite. Which one is known only once the pass has read every document, so it waits until
 *       then ({@link #resolve} with {@code last}); still in the old form then, it counts as a write.</li>
 * </ul>
 * At most {@link ReportedKeys#MAX_WAITING} keys wait; beyond that they count as writes, so memory stays bounded.
 */
final class OutsideChanges {
    /** What a changed document looks like now. */
    enum Form { GONE, NEW, OLD }

    /** Looks at the documents of some keys on a connection. */
    @FunctionalInterface
    interface FormCheck {
        List<Form> forms(DocumentStore store, List<byte[]> keys);
    }

    private final Queue<byte[]> reported = new ConcurrentLinkedQueue<>();
    /** Keys found in the old form, to look at again once the pass is over. */
    private final Set<ByteBuffer> oldForm = new LinkedHashSet<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong deletions = new AtomicLong();
    private final AtomicLong kept = new AtomicLong();
    private final Consumer<byte[]> write;

    /** @param write told of every key whose change counts as a write */
    OutsideChanges(Consumer<byte[]> write) {
        this.write = write;
    }

    /** A key another client changed outside its document's rewrite (called by the listeners' threads). */
    void add(byte[] key) {
        if (size.incrementAndGet() > ReportedKeys.MAX_WAITING) {
            size.decrementAndGet();
            write.accept(key);
            return;
        }
        reported.add(key);
    }

    /**
     * Looks at the keys reported so far, and with {@code last} (the pass has read and rewritten every document) also
     * at those found in the old form before: those still in it count as writes. Call it from one thread at a time.
     *
     * @param forms the check, on the watch's connection; when it fails, every key looked at counts as a write
     */
    void resolve(boolean last, Function<List<byte[]>, List<Form>> forms) {
        Set<ByteBuffer> distinct = new LinkedHashSet<>();
        for (byte[] key = reported.poll(); key != null; key = reported.poll()) {
            size.decrementAndGet();
            if (!oldForm.contains(ByteBuffer.wrap(key))) {
                distinct.add(ByteBuffer.wrap(key));
            }
        }
        if (last) {
            distinct.addAll(oldForm);
            size.addAndGet(-oldForm.size());
            oldForm.clear();
        }
        if (distinct.isEmpty()) {
            return;
        }
        List<byte[]> keys = new ArrayList<>(distinct.size());
        distinct.forEach(key -> keys.add(key.array()));
        List<Form> found;
        try {
            found = forms.apply(keys);
        } catch (RuntimeException e) {
            found = List.of(); // cannot tell: every one counts as a write
        }
        for (int i = 0; i < keys.size(); i++) {
            Form form = i < found.size() ? found.get(i) : null;
            if (form == Form.GONE) {
                deletions.incrementAndGet();
            } else if (form == Form.NEW) {
                kept.incrementAndGet();
            } else if (form == Form.OLD && !last && size.incrementAndGet() <= ReportedKeys.MAX_WAITING) {
                oldForm.add(ByteBuffer.wrap(keys.get(i)));
            } else {
                if (form == Form.OLD && !last) {
                    size.decrementAndGet();
                }
                write.accept(keys.get(i));
            }
        }
    }

    /**
     * Keys found in the old form, and any reported since the last {@link #resolve}, that a pass cut short (stopped on
     * request) cannot judge; forgets them.
     */
    int forgetUnjudged() {
        int count = oldForm.size();
        size.addAndGet(-count);
        oldForm.clear();
        while (reported.poll() != null) {
            size.decrementAndGet();
            count++;
        }
        return count;
    }

    /** Documents found gone: deleted or expired by someone else during the rewrite. */
    long deletions() {
        return deletions.get();
    }

    /** Documents another client changed that were found in the new form: nothing of the rewrite's was lost. */
    long kept() {
        return kept.get();
    }
}
