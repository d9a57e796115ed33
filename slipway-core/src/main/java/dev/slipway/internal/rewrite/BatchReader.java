package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.rewrite.DocumentStore.ScanPage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The rewrite's reading stage, on the reading connection: SCAN pages, and for each page what planning it needs
 * (which keys still exist, whether their new names are taken, the current values of the fields the rewrite reads).
 *
 * <p>It also keeps the keys read into a batch that has not landed yet ({@link #landed}): the reader leaves them out
 * of later pages (SCAN may return a key twice), so no document is read while its own rewrite is pending, and the
 * write watch asks whether a reported key is such a document ({@link #inFlight}).
 */
final class BatchReader {
    private final RewriteSpec spec;
    private final WorkerPool workers;
    private final DocumentRewriter rewriter;
    private final KeyScope scope;
    private final KeyMove keyMove;
    private final int pageSize;
    /** At most this many bytes of values per batch, 0 for no limit (see {@link #split}). */
    private final long batchBytes;
    private final StageClock clock;
    private final Set<PendingKey> pending = ConcurrentHashMap.newKeySet();
    private boolean fieldExpiries;
    /**
     * The keys a SCAN page asks for ({@code COUNT}) and a gathered group aims at: the batch size, or under a rate
     * limit a little less ({@link #pacedBy}).
     */
    private int target;
    /**
     * Whether the reader is paced by a rate limit: a group is then cut at the batch size exactly ({@link #atMost}),
     * not kept whole when a quarter over it ({@link #byCount}).
     */
    private boolean paced;
    /** The last SCAN's COUNT, and the keys it returned per COUNT ({@link #scanCount}). */
    private int lastCount;
    private double lastDensity = 1;
    /** The most a paced reader's SCAN COUNT grows, in times its target, where few keys are documents. */
    static final int MOST_COUNT_FACTOR = 100;
    /** Whether the last pass {@link #readAhead} read ended before its last page, at a restart of the server. */
    private volatile boolean endedByRestart;
    /** Called by {@link #readAhead} before each read with the documents handed over so far (a rate limit waits). */
    private LongConsumer pace = documents -> { };

    BatchReader(RewriteSpec spec, WorkerPool workers, DocumentRewriter rewriter, KeyScope scope, int pageSize,
                StageClock clock) {
        this(spec, workers, rewriter, scope, pageSize, 0, clock);
    }

    /**
     * A reader whose batches hold at most {@code batchBytes} bytes of values (0 for no limit): each page's
     * documents are measured first ({@link DocumentSizes}) and the page is cut into batches that fit.
     */
    BatchReader(RewriteSpec spec, WorkerPool workers, DocumentRewriter rewriter, KeyScope scope, int pageSize,
                long batchBytes, StageClock clock) {
        this.spec = spec;
        this.batchBytes = batchBytes;
        this.workers = workers;
        this.rewriter = rewriter;
        this.scope = scope;
        this.keyMove = KeyMove.of(spec);
        this.pageSize = pageSize;
        this.target = pageSize;
        this.clock = clock;
    }

    /**
     * What planning a batch needs: its keys, those that still exist, the current values of the fields the rewrite
     * reads (per existing key; for JSON the {@code JSON.GET} replies) and whether each existing key still moves and
     * its new name is taken; when the reader reads them ({@link #readFieldExpiries}), per existing hash key the Unix
     * millisecond expiry of each field read (0 for none), else null; for hash documents whose writes may create a
     * field (a conversion, a field move), per existing key the number of fields it had, which the backup keeps
     * ({@link BackupRecord.DocumentOriginal#fieldsAtRead}), else null.
     */
    record BatchInput(List<byte[]> keys, List<byte[]> present, List<?> values, List<Boolean> targets,
                      List<long[]> expiries, long[] lengths) {
        static final BatchInput EMPTY = new BatchInput(List.of(), List.of(), List.of(), List.of());

        /** Without hash field expiries (none in the database, or JSON documents) and field counts. */
        BatchInput(List<byte[]> keys, List<byte[]> present, List<?> values, List<Boolean> targets) {
            this(keys, present, values, targets, null, null);
        }
    }

    /**
     * What the reader thread hands over: a page with its documents' current values, the end of the pass, or the
     * failure that stopped the reader.
     */
    record ReadAhead(String cursorAfter, BatchInput input, Throwable failure) {
        static final ReadAhead END = new ReadAhead(null, null, null);
    }

    /**
     * The cursor a batch that is not the last one of its page records: its page's own, so that a resumed run reads
     * the page again (its documents already rewritten produce nothing). The first page's is "0", which in the
     * header means the end of a pass, so that one is written {@value #FIRST_PAGE_AGAIN}.
     */
    static final String FIRST_PAGE_AGAIN = "0+";

    /** The SCAN cursor of a cursor a header or record holds. */
    static String scanCursor(String cursor) {
        return cursor.equals(FIRST_PAGE_AGAIN) ? "0" : cursor;
    }

    /**
     * Makes {@link #readAhead} call {@code beforeRead} with the number of documents it handed over so far before
     * each group of SCAN pages and each further batch of a group: a rate limit waits there, before the documents are
     * read, so that their write watch windows (which open when SCAN returns them, see {@link #inFlight}) do not stay
     * open while the rewrite waits for its rate (tester session 25, F2: 43 ms median, 102 ms p99 with the wait after
     * the write). The rate keeps whole batches within a second, and the wait before a read expects a batch the size
     * of the last one ({@link RatePacer}): so a page SCAN makes a few keys larger than its COUNT (250 asked, 251
     * returned) did not fit where the last one did, and waited for the rate inside its windows, about a second (tester
     * session 39 R27 F1), and every second held one batch where two were meant to (F2). Paced, SCAN asks for
     * {@link #headroom} fewer keys than the batch size, and a group is cut at the batch size exactly: a later batch of
     * a group, which waits inside its windows, is rare.
     */
    BatchReader pacedBy(LongConsumer beforeRead) {
        this.pace = beforeRead;
        this.paced = true;
        this.target = headroom(pageSize);
        return this;
    }

    /** The keys a paced reader asks SCAN for, batches of {@code batchSize} at most: a twentieth fewer, at least 1. */
    static int headroom(int batchSize) {
        return Math.max(1, batchSize - Math.max(1, batchSize / 20));
    }

    /**
     * The reader thread's loop: pages from {@code cursor} to the end of the pass, each with its documents' values
     * (as one batch, or several when {@link #split}), then {@link ReadAhead#END}; a failure is handed over instead
     * of thrown. Returns when interrupted.
     */
    void readAhead(String cursor, BlockingQueue<ReadAhead> pages) {
        try {
            String from = scanCursor(cursor);
            long handedOver = 0;
            endedByRestart = false;
            String server = workers.read(WorkerPool::runIdOf); // the server whose cursor this pass follows
            do {
                pace.accept(handedOver);
                long begin = System.nanoTime();
                String at = from;
                Pages group = gather(at);
                if (WorkerPool.restarted(server, workers.read(WorkerPool::runIdOf))) {
                    // the cursor does not carry over a restart: its pages now return keys at random, among them
                    // documents this pass rewrote already, which were counted as found in the new form, "written so
                    // by the application" (tester session 38 R25 F5). The pass ends here unread; the engine sees
                    // the restart and makes a new one, which reads these keys again
                    landed(group.keys());
                    endedByRestart = true;
                    break;
                }
                List<List<byte[]>> batches = split(group.keys());
                for (int i = 0; i < batches.size(); i++) {
                    if (i > 0) {
                        pace.accept(handedOver);
                        begin = System.nanoTime();
                    }
                    BatchInput input = read(batches.get(i));
                    handedOver += batches.get(i).size();
                    clock.add(StageClock.Stage.READ, begin);
                    boolean last = i == batches.size() - 1;
                    pages.put(new ReadAhead(last ? group.nextCursor() : at.equals("0") ? FIRST_PAGE_AGAIN : at,
                            input, null));
                    begin = System.nanoTime();
                }
                from = group.nextCursor();
            } while (!from.equals("0"));
            pages.put(ReadAhead.END); // the pass read its last page, or the server restarted
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the pass is over (failed); nobody takes pages any more
        } catch (RuntimeException | Error e) {
            try {
                pages.put(new ReadAhead(null, null, e)); // waits for room: the page before it is taken first
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The keys of one or more whole SCAN pages, and the cursor after the last of them. */
    record Pages(String nextCursor, List<byte[]> keys) {
    }

    /**
     * Whole SCAN pages from {@code cursor} while another page of the size seen so far still fits in a batch (in the
     * {@link #target}, a little under it when paced), until
     * the pass ends: where few keys of the keyspace are the index's documents, one page holds few of them, and
     * batches of a page each were small and many (tester session 37 R23 L6: 3,148 batches of about 16 documents among
     * 1.55 million keys). Where most keys are documents, that is one page, as before. Whole pages only, so the cursor
     * after them is where a resumed run continues; keys SCAN returns again, or that are in a batch that has not
     * landed, are left out.
     */
    Pages gather(String cursor) {
        String type = spec.storage().keyType();
        List<byte[]> keys = new ArrayList<>();
        String from = cursor;
        int scanned = 0;
        int largest = 0;
        do {
            String at = from;
            int count = scanCount();
            ScanPage page = workers.read(store -> scope.read(store, at, count, type));
            found(count, page.keys().size());
            int before = keys.size();
            for (byte[] key : page.keys()) {
                if (pending.add(new PendingKey(key))) { // in scope: read() kept only those
                    keys.add(key);
                }
            }
            largest = Math.max(largest, keys.size() - before);
            from = page.nextCursor();
            scanned++;
        } while (!from.equals("0") && (paced ? roomForAnother(keys.size(), largest)
                : keys.size() + Math.max(1, keys.size() / scanned) <= target));
        return new Pages(from, keys);
    }

    /**
     * The COUNT of the next SCAN: the target, or for a paced reader where SCAN's MATCH finds fewer keys than it visits
     * (documents among other keys, or a prefix move under way), the COUNT that should find nine tenths of the target
     * at the last page's density, growing at most fourfold a page and to {@value #MOST_COUNT_FACTOR} times the
     * target: a group over the batch size is cut, and its rest waits inside its windows, so it aims under it. A paced
     * reader gathers only small pages, and where the pages of a prefix move held fewer and fewer documents (476 down
     * to 211 at 500 a second), each second held one smaller batch: 65% of the rate (tester session 39 R28 N2).
     */
    private int scanCount() {
        if (!paced || lastDensity >= 0.9) {
            lastCount = target;
            return target;
        }
        long most = Math.min((long) MOST_COUNT_FACTOR * target, 4L * lastCount);
        long wanted = lastDensity <= 0 ? most : Math.round(0.9 * target / lastDensity);
        lastCount = (int) Math.max(target, Math.min(most, wanted));
        return lastCount;
    }

    /** Keeps the keys per COUNT of a SCAN of {@code count} that returned {@code returned} keys ({@link #scanCount}). */
    private void found(int count, int returned) {
        lastDensity = (double) returned / count;
    }

    /**
     * Whether a paced reader gathers another page: only small ones (documents sparse among other keys), and only
     * while twice the largest so far still fits. A group over the batch size is cut, and its later batch waits for
     * the rate inside its windows: with pages of 150 to 480 documents (a prefix move at 500 a second, where SCAN's
     * MATCH finds fewer and fewer), groups of two pages were cut and their rest waited a second (tester session 39
     * R28).
     */
    private boolean roomForAnother(int gathered, int largest) {
        return largest <= target / 4 && gathered + 2L * largest <= target;
    }

    /**
     * The keys cut into batches: of about the batch size ({@link #byCount}), and each of those into batches of at
     * most {@code batchBytes} bytes of values, measured on the reading connection, when there is a limit (else
     * nothing is measured, the usual case).
     */
    List<List<byte[]>> split(List<byte[]> keys) {
        List<List<byte[]>> batches = new ArrayList<>();
        for (List<byte[]> part : paced ? atMost(keys, pageSize) : byCount(keys, pageSize)) {
            if (batchBytes <= 0 || part.size() < 2) {
                batches.add(part);
            } else {
                long[] sizes = workers.read(store -> DocumentSizes.of(store, spec.storage(), rewriter.fieldsToRead(),
                        part));
                batches.addAll(DocumentSizes.batches(part, sizes, batchBytes));
            }
        }
        return batches;
    }

    /**
     * The keys as one part when they are at most a quarter more than {@code size} (SCAN often returns a few more keys
     * than its COUNT: such a page stays one batch, as it always was), else in parts of {@code size} keys and one of
     * the rest.
     */
    static List<List<byte[]>> byCount(List<byte[]> keys, int size) {
        return keys.size() <= size + size / 4 ? List.of(keys) : atMost(keys, size);
    }

    /** The keys as one part when they are at most {@code size}, else in parts of {@code size} and one of the rest. */
    static <T> List<List<T>> atMost(List<T> keys, int size) {
        if (keys.size() <= size) {
            return List.of(keys);
        }
        List<List<T>> split = new ArrayList<>(keys.size() / size + 1);
        for (int from = 0; from < keys.size(); from += size) {
            split.add(keys.subList(from, Math.min(keys.size(), from + size)));
        }
        return split;
    }

    /**
     * Also reads each hash document's field expiries ({@code HPEXPIRETIME}, Redis 7.4), so that the rewrite can keep
     * them: a field written with {@code HSET} loses its expiry. Only when the database has such fields (it costs a
     * command per document).
     */
    BatchReader readFieldExpiries(boolean value) {
        this.fieldExpiries = value && spec.storage() == StorageType.HASH;
        return this;
    }

    /** Whether the last pass ended before its last page because the server restarted (the engine makes another). */
    boolean endedByRestart() {
        return endedByRestart;
    }

    /** Marks keys as read into a batch that has not landed (a re-applied batch's, which no page read). */
    void hold(List<byte[]> keys) {
        keys.forEach(key -> pending.add(new PendingKey(key)));
    }

    /** Marks a batch's keys as landed: later pages may hold them again. */
    void landed(List<byte[]> keys) {
        keys.forEach(key -> pending.remove(new PendingKey(key)));
        synchronized (pending) {
            pending.notifyAll();
        }
    }

    /**
     * Waits, at most {@code timeout}, until every batch handed over has been marked landed; false if some are not.
     * A batch is marked landed when the write watch has read the notifications of its writes (a PING answered on
     * each listener's connection), a little after its writes: a pass that begins before then leaves its keys out of
     * its pages. Harmless for the documents, which that batch rewrote, but a pass that reads every document again
     * (after a restart of the server) then did not, by its count (read 172 of 240 again, a flaky test in session 41).
     */
    boolean awaitLanded(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pending) {
            while (!pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(pending, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return pending.isEmpty();
                }
            }
        }
        return true;
    }

    /** Whether a document, named by its key before or after a prefix move, is in a batch that has not landed. */
    boolean inFlight(byte[] key) {
        return pending.contains(new PendingKey(key)) || pending.contains(new PendingKey(rewriter.originalKey(key)));
    }

    /** Reads what planning a batch of these keys needs, on the reading connection. */
    BatchInput read(List<byte[]> keys) {
        if (keys.isEmpty()) {
            return BatchInput.EMPTY;
        }
        List<String> fields = rewriter.fieldsToRead();
        List<byte[]> present = existingKeys(keys);
        List<Boolean> targets = targetKeysExist(present);
        // the expiries before the values: a field that expires between the two reads is then read as gone, where read
        // after its value it was "no such field", taken for no expiry, and the value lived on without one (tester
        // session 51 R44 T1 H1); read first, an expiry that passes before the value's read leaves no value to keep
        List<long[]> expiries = fieldExpiries && !fields.isEmpty() ? expiries(present, fields) : null;
        if (countsFields(fields)) {
            DocumentStore.HashFields read = workers.read(store -> store.readHashFieldsCounted(present, fields));
            return new BatchInput(keys, present, read.values(), targets, expiries, read.lengths());
        }
        List<?> values = workers.read(store -> spec.storage() == StorageType.HASH
                ? (fields.isEmpty() ? emptyValues(present.size()) : store.readHashFields(present, fields))
                : (fields.isEmpty() ? Collections.nCopies(present.size(), "{}") : store.readJson(present, fields)));
        return new BatchInput(keys, present, values, targets, expiries, null);
    }

    /**
     * Whether a batch's read counts each hash's fields: when its writes may create a field (a conversion's or a field
     * move's {@code HSET}), which in a document that vanished after the read brings back a part of it. A run killed
     * before taking that part back leaves the count in the backup for the resumed run
     * ({@link VanishedDocuments#partialsLeftBehind}).
     */
    private boolean countsFields(List<String> fields) {
        return spec.storage() == StorageType.HASH && !fields.isEmpty()
                && (!spec.conversions().isEmpty() || !spec.fieldMoves().isEmpty());
    }

    /** Per key, the expiry of each field (Unix milliseconds, 0 for none or for a missing field). */
    private List<long[]> expiries(List<byte[]> keys, List<String> fields) {
        List<Command> reads = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            List<byte[]> args = new ArrayList<>(fields.size() + 3);
            args.add(key);
            args.add(DocumentRewriter.bytes("FIELDS"));
            args.add(DocumentRewriter.bytes(Integer.toString(fields.size())));
            fields.forEach(field -> args.add(DocumentRewriter.bytes(field)));
            reads.add(new Command("HPEXPIRETIME", args));
        }
        List<Object> replies = workers.read(store -> store.execute(reads));
        List<long[]> expiries = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            long[] each = new long[fields.size()];
            if (replies.get(i) instanceof List<?> times) {
                for (int f = 0; f < each.length && f < times.size(); f++) {
                    each[f] = times.get(f) instanceof Long t && t > 0 ? t : 0;
                }
            } else if (replies.get(i) instanceof Exception e) {
                throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Redis refused HPEXPIRETIME on '"
                        + DocumentRewriter.shown(keys.get(i)) + "' (" + e.getMessage() + "), which the rewrite reads "
                        + "to keep the expiries of the hash fields it writes. Re-run 'slipway apply' with the same "
                        + "plan as a user allowed it; completed batches are kept.");
            }
            expiries.add(each);
        }
        return expiries;
    }

    private static List<byte[][]> emptyValues(int count) {
        List<byte[][]> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(new byte[0][]);
        }
        return values;
    }

    /**
     * The keys that still exist. With a prefix move, a key of a resumed batch may already be under its new name; it
     * is done, not a conflict with itself.
     */
    private List<byte[]> existingKeys(List<byte[]> keys) {
        if (spec.targetPrefix().isEmpty() || keys.isEmpty()) {
            return keys;
        }
        List<Command> checks = keys.stream().map(k -> DocumentRewriter.command("EXISTS", k)).toList();
        List<Object> replies = workers.read(store -> store.execute(checks));
        List<byte[]> present = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (replies.get(i) instanceof Long n && n > 0) {
                present.add(keys.get(i));
            }
        }
        return present;
    }

    private List<Boolean> targetKeysExist(List<byte[]> keys) {
        List<Boolean> taken = new ArrayList<>(keys.size());
        for (boolean each : newNamesTaken(workers, keyMove, keys)) {
            taken.add(each);
        }
        return taken;
    }

    /**
     * For each key, whether it still moves ({@link KeyMove#needsMove}) and its new name is taken: one pipelined
     * {@code EXISTS} per moving key on the reading connection, none when no key moves.
     */
    static boolean[] newNamesTaken(WorkerPool workers, KeyMove move, List<byte[]> keys) {
        boolean[] taken = new boolean[keys.size()];
        List<Integer> moving = new ArrayList<>();
        List<Command> checks = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (move.needsMove(keys.get(i))) {
                moving.add(i);
                checks.add(DocumentRewriter.command("EXISTS", move.newKey(keys.get(i))));
            }
        }
        List<Object> replies = checks.isEmpty() ? List.of() : workers.read(store -> store.execute(checks));
        for (int j = 0; j < replies.size(); j++) {
            taken[moving.get(j)] = replies.get(j) instanceof Long n && n > 0;
        }
        return taken;
    }

    /** A key as a set element: its bytes compared by content, the hash computed once. */
    private static final class PendingKey {
        private final byte[] bytes;
        private final int hash;

        PendingKey(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PendingKey key && key.hash == hash && Arrays.equals(key.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
