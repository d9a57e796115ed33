package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Sees writes by other clients to the documents a rewrite covers, while it runs, using the server's own change
 * notifications (client-side caching's broadcast mode): each rewrite connection asks with
 * {@code CLIENT TRACKING ON REDIRECT <listener> BCAST PREFIX <prefix>... NOLOOP} to have every change of a key under
 * the index's prefixes reported to a listener connection of its own, except the changes it makes itself.
 *
 * <p>A document's commands always go to the connection that owns it ({@link #owner}, the same function on both
 * sides), so a change of one of its documents that reaches that connection's listener was made by someone else: an
 * application write, a deletion, an expiry or a flush. The rewrite itself never shows up. Deletions and expiries,
 * which lose nothing, are told from writes by looking the key up ({@link #resolve}). A write that lands between
 * a document's read and its rewrite is overwritten by the rewrite; this does not prevent that, but it makes sure it
 * never goes unnoticed: the rewrite stops and says which documents. A change outside that window (see
 * {@link #judgeByForm}) cannot have been overwritten, and is judged by the form it left the document in
 * ({@link OutsideChanges}).
 *
 * <p>Each change is counted once per event-loop iteration of the server (it groups a broadcast's keys). The
 * listener sees changes in the order the server made them, so after {@link #sync()} every change made before
 * the last acknowledged rewrite command has been counted.
 */
public final class WriteWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteWatch.class);
    private static final int MAX_LISTED = 20;

    private final List<InvalidationListener> listeners = new ArrayList<>();
    private final List<String> prefixes;
    private final byte[] source;
    private final byte[] target;
    private final byte[] ignored;
    private final KeyMove keyMove;
    private final AtomicLong detected = new AtomicLong();
    private final List<String> examples = Collections.synchronizedList(new ArrayList<>());
    private final ReportedKeys reported = new ReportedKeys(key -> record(DocumentRewriter.shown(key)));
    private final OutsideChanges outside = new OutsideChanges(key -> record(DocumentRewriter.shown(key)));
    /**
     * While set ({@link #judgeByForm}), whether a document's rewrite may overwrite a change made now (from its read
     * until the watch has caught up after its rewrite landed); a change of any other document is judged by the form
     * it left the document in. While null, every change is judged as one the rewrite may have overwritten.
     */
    private volatile Predicate<byte[]> window;
    private volatile OutsideChanges.FormCheck forms;
    /** Releases waiting for the listeners to answer a PING ({@link #afterNotifications}), oldest first. */
    private final ArrayDeque<Settlement> settling = new ArrayDeque<>();
    /** Where reported keys are looked up (EXISTS): a plain connection of the watch's own. */
    private DocumentStore checker;
    private RedisEndpoint endpoint;
    private volatile String lost;
    private volatile boolean closing;
    /** The renames' expected echoes, when the server echoes renames (see {@link RenameEchoes}); else null. */
    private volatile RenameEchoes echoes;
    /** Keys of the probe that finds out whether it does, while it runs; else null. */
    private volatile byte[] probe;
    private final AtomicLong probeSeen = new AtomicLong();

    private WriteWatch(RewriteSpec spec, String ignoredPrefix) {
        this.prefixes = trackedPrefixes(spec);
        this.source = spec.sourcePrefixes().size() == 1 && spec.targetPrefix().isPresent()
                ? DocumentRewriter.bytes(spec.sourcePrefixes().get(0)) : null;
        this.target = spec.targetPrefix().map(DocumentRewriter::bytes).orElse(null);
        this.ignored = DocumentRewriter.bytes(ignoredPrefix);
        this.keyMove = KeyMove.of(spec);
    }

    /**
     * Opens one listener connection per writing connection, each subscribed to the server's invalidation channel.
     *
     * @param ignoredPrefix keys Slipway itself keeps (lock, checkpoint), never documents, whose changes are ignored
     *                      when the index has no prefix and every key is watched
     */
    public static WriteWatch start(RedisEndpoint endpoint, RewriteSpec spec, int writers, String ignoredPrefix) {
        WriteWatch watch = new WriteWatch(spec, ignoredPrefix);
        try {
            watch.endpoint = endpoint;
            watch.checker = JedisDocumentStore.open(endpoint);
            for (int i = 0; i < writers; i++) {
                watch.listeners.add(new InvalidationListener(endpoint, i, watch));
            }
            watch.echoes = watch.serverEchoesRenames(ignoredPrefix) ? new RenameEchoes() : null;
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
    }

    /**
     * {@link #start}, or null with a warning when the server does not let this client watch (an ACL without
     * SUBSCRIBE or CLIENT, a proxy): the work then runs unwatched.
     *
     * @param what the work being watched, for the warning ("this rewrite")
     */
    public static WriteWatch startOrWarn(RedisEndpoint endpoint, RewriteSpec spec, int writers, String ignoredPrefix,
                                         String what) {
        try {
            return start(endpoint, spec, writers, ignoredPrefix);
        } catch (RuntimeException e) {
            LOG.warn("Writes by other clients cannot be watched during {} ({}); keep them paused", what,
                    e.getMessage());
            return null;
        }
    }

    /**
     * Whether a rename by a tracked connection is reported back to it anyway (see {@link RenameEchoes}): a probe
     * connection, tracking only keys of a probe prefix under Slipway's own, renames one such key and deletes it.
     */
    private boolean serverEchoesRenames(String ownPrefix) {
        String prefix = ownPrefix + "watch-probe:" + java.util.UUID.randomUUID() + ":";
        byte[] from = DocumentRewriter.bytes(prefix + "a");
        byte[] to = DocumentRewriter.bytes(prefix + "b");
        probe = DocumentRewriter.bytes(prefix);
        try (JedisDocumentStore connection = JedisDocumentStore.open(endpoint)) {
            List<Object> replies = connection.execute(List.of(
                    tracking(listeners.get(0).clientId(), List.of(prefix)),
                    DocumentRewriter.command("SET", from, DocumentRewriter.bytes("1")),
                    DocumentRewriter.command("RENAME", from, to)));
            Object refused = replies.stream().filter(r -> r instanceof Exception).findFirst().orElse(null);
            if (refused != null) {
                // the SET may have landed where the RENAME was refused (an ACL, RENAME disabled): not left behind
                connection.execute(List.of(DocumentRewriter.command("DEL", from, to)));
                LOG.debug("Could not find out whether the server reports renames back: {}", refused);
                return false;
            }
            // read the notifications before deleting the key: a change of ours in the same event-loop iteration
            // would have the server report none
            try {
                listeners.get(0).sync();
            } finally {
                connection.execute(List.of(DocumentRewriter.command("DEL", to)));
            }
            boolean echoes = probeSeen.get() > 0;
            if (echoes) {
                LOG.info("The server reports key renames as changes by another client (a module such as "
                        + "RedisTimeSeries looks at renamed keys); the rewrite's own renames are told apart");
            }
            return echoes;
        } finally {
            probe = null;
        }
    }

    /**
     * Routes the pool's documents to their owners and has every writing connection tracked, now and after each
     * reconnect; a connection that cannot be tracked marks the watch lost.
     */
    public void attach(WorkerPool pool) {
        if (echoes != null) {
            pool.observeSends(echoes);
        }
        pool.routeBy(this::owner);
        pool.onWriterConnect((index, store) -> {
            try {
                track(index, store);
            } catch (RuntimeException e) {
                markLost("connection " + index + " could not be watched: " + e.getMessage());
            }
        });
    }

    /**
     * The prefixes to track: the index's and the target prefix, without any that another one covers (the server
     * refuses overlapping prefixes on one connection); empty when every key must be tracked.
     */
    static List<String> trackedPrefixes(RewriteSpec spec) {
        List<String> all = new ArrayList<>(spec.sourcePrefixes());
        spec.targetPrefix().ifPresent(all::add);
        if (spec.sourcePrefixes().isEmpty() || all.contains("")) {
            return List.of();
        }
        List<String> kept = new ArrayList<>();
        for (String prefix : all) {
            boolean covered = all.stream().anyMatch(other -> other.length() < prefix.length()
                    && prefix.startsWith(other));
            if (!covered && !kept.contains(prefix)) {
                kept.add(prefix);
            }
        }
        return kept;
    }

    /**
     * The connection (0..writers-1) that writes a document: a hash of its key without the source or target prefix,
     * so that a document keeps its owner when it moves, whether its commands name the old key or the new one.
     */
    public int owner(byte[] key) {
        int from = 0;
        if (target != null && DocumentRewriter.startsWith(key, target)) {
            from = target.length;
        } else if (source != null && DocumentRewriter.startsWith(key, source)) {
            from = source.length;
        }
        int hash = 1;
        for (int i = from; i < key.length; i++) {
            hash = 31 * hash + key[i];
        }
        return Math.floorMod(hash, listeners.size());
    }

    /** Asks the server to report changes made by anyone but this connection to writer {@code writer}'s listener. */
    public void track(int writer, DocumentStore store) {
        Object reply = store.execute(List.of(tracking(listeners.get(writer).clientId(), prefixes))).get(0);
        if (reply instanceof Exception error) {
            throw new IllegalStateException("CLIENT TRACKING was refused: " + error.getMessage(), error);
        }
    }

    /**
     * {@code CLIENT TRACKING ON REDIRECT <listener> BCAST PREFIX <p>... NOLOOP}: report every change of a key under
     * the prefixes (every key when there are none) to the listener, except the connection's own changes.
     */
    private static Command tracking(long listener, List<String> prefixes) {
        List<String> words = new ArrayList<>(List.of("TRACKING", "ON", "REDIRECT", Long.toString(listener),
                "BCAST"));
        for (String prefix : prefixes) {
            words.add("PREFIX");
            words.add(prefix);
        }
        words.add("NOLOOP");
        return new Command("CLIENT", words.stream().map(DocumentRewriter::bytes).toList());
    }

    /**
     * Waits until each listener has read every change the server made before now: a PING on the listener's
     * connection is answered after the notifications queued before it.
     */
    public void sync() {
        for (InvalidationListener listener : listeners) {
            if (lost != null) {
                return;
            }
            listener.sync();
        }
    }

    /**
     * Sorts out the changes reported so far ({@link ReportedKeys}): a key that still exists was written, one that is
     * gone was deleted or expired, and a key {@code inFlight} says is in a batch that has not landed waits until it
     * has. Call it from one thread at a time.
     */
    public void resolve(Predicate<byte[]> inFlight) {
        reported.resolve(inFlight, this::lookUp, this::movedTo);
        judgeOutside(false);
    }

    /**
     * The new key of a reported key the rewrite moves, to look it up there when it is gone; null when it does not
     * move, and in a rollback's watch (no windows), whose moves go the other way.
     */
    private byte[] movedTo(byte[] key) {
        return window != null && keyMove.needsMove(key) ? keyMove.newKey(key) : null;
    }

    /**
     * Sorts out every change reported so far once the pass has read and rewritten every document (and the listeners
     * have caught up, {@link #sync}): a document changed outside its rewrite that is still in the old form counts as
     * a write.
     */
    public void resolveAll() {
        reported.resolve(key -> false, this::lookUp, this::movedTo);
        judgeOutside(true);
    }

    private void judgeOutside(boolean last) {
        OutsideChanges.FormCheck check = forms;
        if (check != null) {
            outside.resolve(last, keys -> withChecker(store -> check.forms(store, keys)));
        }
    }

    /**
     * From now on, judges a change of a document outside its {@code window} by the form it left the document in
     * ({@link OutsideChanges}) instead of as a write: {@code window} says whether the rewrite may still overwrite a
     * change of a key made now. It must hold from before the document's read is sent until
     * {@link #afterNotifications} releases it after its rewrite landed.
     */
    public void judgeByForm(Predicate<byte[]> window, OutsideChanges.FormCheck check) {
        this.forms = check;
        this.window = window;
    }

    /**
     * Changes found in the old form (after a {@link #resolve}), and any reported since, that cannot be judged because
     * the pass was cut short (a stop on request): they are forgotten, and the caller makes the next run scan every
     * document again.
     */
    public int forgetUnjudged() {
        return outside.forgetUnjudged();
    }

    /**
     * Runs {@code release} once every listener has read the notifications the server queued before now: a PING is
     * sent on each listener's connection (without waiting), and the last answer runs it, on that listener's thread.
     * After a rewrite's writes have landed, a change of one of its documents that the server made before them is
     * then known; one reported later was made after them. At once when the watch is lost or closed.
     */
    public void afterNotifications(Runnable release) {
        if (listeners.isEmpty() || lost != null || closing) {
            release.run();
            return;
        }
        long[] awaited = new long[listeners.size()];
        synchronized (settling) {
            for (int i = 0; i < awaited.length; i++) {
                awaited[i] = listeners.get(i).ping();
            }
            settling.add(new Settlement(awaited, release));
        }
        pingAnswered();
    }

    /** A listener's PING was answered (or the watch was lost): runs the releases whose answers have all come. */
    void pingAnswered() {
        List<Runnable> ready = new ArrayList<>();
        synchronized (settling) {
            while (!settling.isEmpty() && (lost != null || closing || settling.peek().answered(listeners))) {
                ready.add(settling.poll().release());
            }
        }
        ready.forEach(Runnable::run);
    }

    /** A release and the number of PINGs each listener must have answered before it runs. */
    private record Settlement(long[] awaited, Runnable release) {
        boolean answered(List<InvalidationListener> listeners) {
            for (int i = 0; i < awaited.length; i++) {
                if (listeners.get(i).answered() < awaited[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Runs the EXISTS checks, once more on a new connection if the first one failed (else every key is a write). */
    private List<Object> lookUp(List<Command> checks) {
        return withChecker(store -> store.execute(checks));
    }

    /** Runs a look-up on the watch's own connection, once more on a new one if the first one failed. */
    private <T> T withChecker(Function<DocumentStore, T> lookUp) {
        try {
            return lookUp.apply(checker);
        } catch (JedisException e) {
            LOG.warn("Looking up keys changed by other clients failed ({}); retrying on a new connection",
                    e.getMessage());
            try {
                checker.close();
            } catch (RuntimeException closing) {
                // broken anyway
            }
            checker = JedisDocumentStore.open(endpoint);
            return lookUp.apply(checker);
        }
    }

    /** Documents another client deleted, or that expired, during the rewrite (reported and found gone). */
    public long deletions() {
        return reported.deletions() + outside.deletions();
    }

    /**
     * Documents another client changed outside their rewrite that were found in the new form (a time to live
     * refreshed, another field written): kept, nothing of the rewrite's was lost.
     */
    public long kept() {
        return outside.kept();
    }

    /** Changes by other clients that count as writes, found so far by {@link #resolve}, and flushes. */
    public long detected() {
        return detected.get();
    }

    /** The first keys changed by other clients ("flushed" for a flush of the database). */
    public List<String> examples() {
        synchronized (examples) {
            return List.copyOf(examples);
        }
    }

    /** Why the watch stopped seeing changes (a connection was lost), if it did. */
    public Optional<String> lost() {
        return Optional.ofNullable(lost);
    }

    /** Marks the watch as no longer complete, e.g. when a rewrite connection could not be tracked again. */
    public void markLost(String reason) {
        if (lost == null) {
            lost = reason;
            LOG.warn("Writes by other clients are no longer watched: {}", reason);
        }
        pingAnswered(); // nothing more will be answered: what waits for the listeners is released
    }

    /** A key reported to listener {@code listener}; counted when that listener answers for its document. */
    void seen(int listener, byte[] key) {
        byte[] probing = probe;
        if (probing != null && DocumentRewriter.startsWith(key, probing)) {
            probeSeen.incrementAndGet();
            return;
        }
        if (ignored.length > 0 && DocumentRewriter.startsWith(key, ignored) || owner(key) != listener) {
            return; // Slipway's own state, or a document another listener answers for
        }
        if (echoes != null && echoes.take(key)) {
            return; // a module's look at a key the rewrite itself renamed
        }
        Predicate<byte[]> open = window;
        if (open == null || open.test(key)) {
            reported.add(key);
        } else {
            outside.add(key);
        }
    }

    /** Counts a change by another client as a write. */
    void record(String what) {
        detected.incrementAndGet();
        synchronized (examples) {
            if (examples.size() < MAX_LISTED && !examples.contains(what)) {
                examples.add(what);
            }
        }
    }

    /** Whether the watch is being closed: a listener's connection failing then is expected. */
    boolean closing() {
        return closing;
    }

    @Override
    public void close() {
        closing = true;
        pingAnswered();
        listeners.forEach(InvalidationListener::close);
        if (checker != null) {
            checker.close();
        }
    }
}
