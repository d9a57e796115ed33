package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The connections a rewrite writes through. A batch's documents are spread over the workers, each pipelining its
 * share on its own connection; a document's commands always go to one connection, in order: by position in the
 * batch, or to the connection a router names for the document's key (the write watch needs every document written
 * by its owner, see {@link WriteWatch}). Transient failures
 * (lost connection, timeout, server loading) are retried with exponential backoff on a fresh connection, which is
 * safe because every rewrite command is idempotent per document.
 */
public final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    private final Supplier<DocumentStore> connector;
    /** Connections 0..writers-1 write; the last one reads (SCAN, HMGET), so reads can overlap writes. */
    private final DocumentStore[] stores;
    /**
     * Connections whose replacement failed after a transient error: the old one is closed (and its client may be
     * left mid-pipeline), so it is never used again; the next attempt connects anew first (tester session 36 R21 M3:
     * a reconnect killed too left the survey on the old connection, "Cannot use Jedis when in Pipeline", exit 1
     * after one retry of five).
     */
    private final boolean[] lost;
    private final int writers;
    private final ExecutorService threads;
    private final int maxRetries;
    private volatile ToIntFunction<byte[]> router;
    private volatile HeldLock guard = HeldLock.NONE;
    private volatile boolean lockAfterRestart;
    private volatile SendObserver observer;
    /** A stop requested while Redis is unreachable ends the retries at once (tester session 47 R42 T3 F4). */
    private volatile StopSignal stop = new StopSignal();
    /** Why the last replacement of a connection failed, for the failure that follows; empty when it did not. */
    private String lastReconnectFailure = "";

    /** Told of each document's commands just before they are sent, and of their replies. */
    public interface SendObserver {
        /** Before the commands are sent. */
        void sending(List<Command> commands);

        /** The replies of the commands (an exception in place of an error reply). */
        void replied(List<Command> commands, List<Object> replies);
    }
    private volatile BiConsumer<Integer, DocumentStore> writerSetup;
    /**
     * The {@code run_id} of the server each writing connection last reached (null when it could not be read): a
     * connection that comes back to another one (the server restarted) must not send the rest of a batch there.
     */
    private final String[] runIds;
    /** The {@code run_id} the reading connection last reached (null when it could not be read). */
    private volatile String readingRunId;

    /** Opens {@code size} connections to the endpoint. */
    public static WorkerPool open(RedisEndpoint endpoint, int size, int maxRetries) {
        return new WorkerPool(() -> JedisDocumentStore.open(endpoint), size, maxRetries);
    }

    /** A pool over any store factory (tests use it to inject failures). */
    public WorkerPool(Supplier<DocumentStore> connector, int size, int maxRetries) {
        this.connector = connector;
        this.writers = size;
        this.stores = new DocumentStore[size + 1];
        this.lost = new boolean[size + 1];
        this.maxRetries = maxRetries;
        for (int i = 0; i <= size; i++) {
            stores[i] = connector.get();
        }
        this.runIds = new String[size];
        this.readingRunId = runIdOrNull(stores[size]);
        Arrays.fill(runIds, readingRunId);
        this.threads = size > 1 ? Executors.newFixedThreadPool(size, r -> {
            Thread thread = new Thread(r, "slipway-rewrite-worker");
            thread.setDaemon(true);
            return thread;
        }) : null;
    }

    /**
     * What ends the retries of a lost connection at once when a stop is requested meanwhile: a Ctrl-C while Redis was
     * down waited out every retry (up to 8 minutes with {@code --retries 30}) and then failed as a lost connection,
     * exit 1 (tester session 47 R42 T3 F4). What was sent is as after a kill: the re-run resumes from the records.
     */
    public WorkerPool stoppedBy(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /**
     * Makes a connection that finds a restarted server confirm the lock with the server at once
     * ({@link HeldLock#confirmHeldNow}), so that nothing more is written when the restart lost the lock's key: apply's
     * rewrite, whose checkpoint and index state that restart lost too (tester session 35 R19 M1). A rollback's restore
     * does not: its backup on disk is all it goes by, and it restores every record again after a restart.
     */
    public WorkerPool confirmingTheLockAfterARestart() {
        this.lockAfterRestart = true;
        return this;
    }

    /**
     * Confirms {@code lock} before every send from now on (each worker's pipeline, each of a batch's two round
     * trips): a process that lost its lock sends nothing more.
     */
    public WorkerPool guardedBy(HeldLock lock) {
        this.guard = lock;
        for (DocumentStore store : stores) {
            nameForGuard(store);
        }
        return this;
    }

    /** Gives a connection the name the guarding lock's holders carry, so that a next holder can close it. */
    private void nameForGuard(DocumentStore store) {
        if (!guard.clientName().isEmpty()) {
            store.nameClient(guard.clientName());
        }
    }

    /** How often a transient failure is retried ({@code --retries}). */
    int maxRetries() {
        return maxRetries;
    }

    /**
     * Runs a read on the reading connection, retrying transient failures. Reads are serialised: the rewrite's reader
     * thread reads ahead while the planning thread may read a batch again (after a busy server).
     */
    public synchronized <T> T read(Function<DocumentStore, T> operation) {
        return withRetry(writers, operation);
    }

    /**
     * The {@code run_id} of the server the reading connection reached last: a read-only pass compares it before and
     * after each page, since a SCAN cursor does not carry over a restart; null when INFO was refused.
     */
    public String readingServer() {
        return readingRunId;
    }

    /** The pause before the first retry of a transient failure; each next one doubles, up to the most. */
    private static final long FIRST_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 10_000;
    /** How long a BUSY or LOADING reply is waited out at least, as the session's commands wait it out. */
    private static final long BUSY_PATIENCE_NANOS = 30_000_000_000L;
    /** The longest pause between the tries of a busy server: it answers again the moment its script ends. */
    private static final long MAX_BUSY_BACKOFF_MILLIS = 2_000;

    /**
     * How long {@code maxRetries} retries wait in all before the last one: the longest outage they ride out (3.1 s for
     * 5, 22.7 s for 8, 62.7 s for 12).
     */
    public static Duration retryWindow(int maxRetries) {
        long total = 0;
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int i = 0; i < maxRetries; i++) {
            total += backoff;
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
        return Duration.ofMillis(total);
    }

    /** Runs an operation on connection {@code index}, retrying transient failures. */
    private <T> T withRetry(int index, Function<DocumentStore, T> operation) {
        return withRetry(index, operation, false);
    }

    /**
     * As above; a {@code readOnly} operation on a writing connection is sent again after a lost connection, as a
     * read on the reading one is: only what writes may have run in part.
     */
    private <T> T withRetry(int index, Function<DocumentStore, T> operation, boolean readOnly) {
        long backoff = FIRST_BACKOFF_MILLIS;
        long busyFrom = 0;
        String lostWhileSending = null;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                guard.confirmHeld(); // a process that lost its lock finds its connections closed: no retry
            }
            try {
                if (lost[index]) { // the last replacement failed: connect before anything is sent
                    if (!reconnect(index)) {
                        throw new JedisConnectionException("could not connect again: " + lastReconnectFailure);
                    }
                    if (index < writers) {
                        refuseAnotherServer(index);
                    }
                }
                if (lostWhileSending != null) {
                    // what the lost connection sent may have run, in part: sent again, a field move's HDEL found its
                    // field gone (reply 0), was taken for a document deleted meanwhile, and the moved field was
                    // taken back: 14 to 1,104 documents lost the value under both names (tester session 53 R47 T1
                    // H1, H2 in a rollback). The batch is worked out anew from the live documents, or its record.
                    throw BusyServer.connectionLost(lostWhileSending);
                }
                return operation.apply(stores[index]);
            } catch (JedisConnectionException | JedisDataException | SlipwayException e) {
                boolean transientError = e instanceof JedisConnectionException
                        || e instanceof JedisDataException && BusyServer.isBusy(e.getMessage())
                        || e instanceof SlipwayException s && (s.code() == ErrorCode.REDIS_UNAVAILABLE
                        || String.valueOf(e.getMessage()).contains("LOADING")
                        || String.valueOf(e.getMessage()).contains("BUSY"));
                if (transientError && stop.isRequested()) {
                    throw RedisSession.stoppedWhileUnreachable(stop, RedisSession.rootMessage(e), e);
                }
                // a reply, not a lost connection: the server runs a script or loads its data, and answers again once
                // it is done; the connection stays, and the wait lasts up to 30 s whatever --retries allows (tester
                // session 48 R43 T3 F6: a 4 s script made the retries replace a working connection, whose handshake
                // got BUSY too, and the run failed as "could not connect again")
                boolean busy = transientError && !(e instanceof JedisConnectionException)
                        && !(e instanceof SlipwayException s && s.code() == ErrorCode.REDIS_UNAVAILABLE);
                busyFrom = busy ? (busyFrom == 0 ? System.nanoTime() : busyFrom) : 0;
                boolean patient = busy && System.nanoTime() - busyFrom < BUSY_PATIENCE_NANOS;
                if (!transientError || attempt >= maxRetries && !patient) {
                    if (transientError && e instanceof JedisConnectionException) { // not the client's class name
                        throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE, "Lost the connection to Redis ("
                                + e.getMessage() + ") and could not get it back (--retries sets how often a lost "
                                + "connection is tried again). If the server is up, it may be refusing new "
                                + "connections: one at its maxclients closes them at once, which reads as a lost "
                                + "connection (compare INFO clients with CONFIG GET maxclients).", e); // R19 L1, R47 L2
                    }
                    throw e;
                }
                if (attempt < maxRetries) {
                    LOG.warn("Transient Redis error ({}); retry {}/{} in {} ms", RedisSession.rootMessage(e),
                            attempt + 1, maxRetries, backoff);
                } else {
                    LOG.warn("Redis is still busy ({}); trying again in {} ms, for up to 30 s of it",
                            RedisSession.rootMessage(e), backoff);
                }
                sleepUnlessStopped(backoff);
                backoff = Math.min(backoff * 2, busy ? MAX_BUSY_BACKOFF_MILLIS : MAX_BACKOFF_MILLIS);
                if (e instanceof JedisConnectionException && index < writers && !readOnly && lostWhileSending == null) {
                    lostWhileSending = RedisSession.rootMessage(e);
                }
                if (!busy && !lost[index] && reconnect(index) && index < writers) {
                    refuseAnotherServer(index);
                }
            }
        }
    }

    /** Replaces connection {@code index}; false (and marked {@link #lost}) when a new one cannot be made. */
    private boolean reconnect(int index) {
        lastReconnectFailure = "";
        try {
            stores[index].close();
        } catch (RuntimeException e) {
            // the old connection is broken anyway
        }
        lost[index] = true;
        try {
            stores[index] = connector.get();
            nameForGuard(stores[index]);
        } catch (RuntimeException e) {
            lastReconnectFailure = RedisSession.rootMessage(e);
            LOG.warn("Reconnect failed ({}); the retries go on", lastReconnectFailure);
            return false;
        }
        lost[index] = false;
        if (index == writers) {
            readingRunId = runIdOrNull(stores[index]);
        }
        if (writerSetup != null && index < writers) {
            writerSetup.accept(index, stores[index]);
        }
        return true;
    }

    /**
     * A writing connection that reconnected to a restarted server (another {@code run_id}) must not send what it
     * was sending again: the restart may have lost the writes acknowledged before it (a server that saves
     * snapshots loses what came after the last one), and the rest of a document's commands alone, such as its key
     * move without its conversion, would leave it half rewritten where no later pass looks (tester session 28: 407
     * documents moved to the new prefix in the old form). Thrown as {@link BusyServer}, so the batch is worked out
     * again from the live documents.
     */
    private void refuseAnotherServer(int index) {
        String before = runIds[index];
        if (before == null) {
            return; // INFO was refused when the pool opened: no way to tell
        }
        String now = runIdOrNull(stores[index]);
        if (!before.equals(now)) { // a failed INFO cannot tell either: working the batch out anew is always safe
            runIds[index] = now == null ? before : now;
            // a server restarted from a snapshot older than the lock has lost the migration's checkpoint and what it
            // recorded: nothing more may be written to it (tester session 35 R19 M1)
            if (lockAfterRestart) {
                guard.confirmHeldNow();
            }
            throw now == null ? BusyServer.connectionLost("the server's run_id could not be read after the "
                    + "reconnect") : BusyServer.restarted(before, now);
        }
    }

    /** Whether the server is another one than the {@code run_id} seen before (both known): it restarted between. */
    static boolean restarted(String before, String now) {
        return before != null && now != null && !before.equals(now);
    }

    /**
     * The server's {@code run_id} (INFO server), which a restart changes; null when the reply has none (INFO
     * refused, say). A failure to send is thrown.
     */
    static String runIdOf(DocumentStore store) {
        return info(store, "server").flatMap(info -> RedisReplies.infoField(info, "run_id")).orElse(null);
    }

    /** A section of {@code INFO} on the store's connection; empty when the server refused it. */
    static Optional<String> info(DocumentStore store, String section) {
        Object reply = store.execute(List.of(new Command("INFO", List.of(DocumentRewriter.bytes(section))))).get(0);
        if (reply instanceof Exception) {
            return Optional.empty();
        }
        return Optional.of(reply instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : String.valueOf(reply));
    }

    private static String runIdOrNull(DocumentStore store) {
        try {
            return runIdOf(store);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Routes each document to the writing connection {@code owner} names for its key (the key of its first command,
     * {@link Command#key()}), instead of spreading a batch's documents over the connections by position.
     */
    public void routeBy(ToIntFunction<byte[]> owner) {
        this.router = owner;
    }

    /** Runs {@code setup} on every writing connection now, and on each one a retry opens in place of a broken one. */
    public void onWriterConnect(BiConsumer<Integer, DocumentStore> setup) {
        this.writerSetup = setup;
        for (int i = 0; i < writers; i++) {
            setup.accept(i, stores[i]);
        }
    }

    /** Has {@code observer} told of every document's commands this pool sends, and of their replies. */
    public void observeSends(SendObserver sendObserver) {
        this.observer = sendObserver;
    }

    /** Sends each document's commands (in order, on one connection); returns the replies per document. */
    public List<List<Object>> executeDocuments(List<List<Command>> documents) {
        return executeDocuments(documents, false);
    }

    /**
     * As {@link #executeDocuments(List)}, for commands that only read (existence checks, say): a lost connection
     * sends them again on its replacement instead of having the caller work them out anew, which under a storm of
     * {@code CLIENT KILL}s used up the caller's retries for reads that are safe to repeat (tester session 54 R48 T1).
     */
    public List<List<Object>> readDocuments(List<List<Command>> documents) {
        return executeDocuments(documents, true);
    }

    private List<List<Object>> executeDocuments(List<List<Command>> documents, boolean readOnly) {
        guard.confirmHeld();
        SendObserver told = observer;
        if (told == null) {
            return send(documents, readOnly);
        }
        documents.forEach(told::sending);
        List<List<Object>> replies = send(documents, readOnly);
        for (int i = 0; i < documents.size(); i++) {
            told.replied(documents.get(i), replies.get(i));
        }
        return replies;
    }

    private List<List<Object>> send(List<List<Command>> documents, boolean readOnly) {
        if (documents.isEmpty()) {
            return List.of();
        }
        if (threads == null) {
            return split(withRetry(0, store -> store.execute(flatten(documents, null)), readOnly), documents, null);
        }
        List<int[]> shares = shares(documents);
        List<Future<List<Object>>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int worker = w;
            futures.add(threads.submit(() -> withRetry(worker, store ->
                    store.execute(flatten(documents, shares.get(worker))), readOnly)));
        }
        List<List<Object>> result = new ArrayList<>(Collections.nCopies(documents.size(), List.of()));
        // every worker is done (or has given up) before a failure is thrown: a batch sent again must not find a
        // connection still busy retrying its first try
        RuntimeException failed = null;
        List<List<Object>> workerReplies = new ArrayList<>(futures.size());
        for (Future<List<Object>> future : futures) {
            try {
                workerReplies.add(get(future));
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = e;
                } else if (failed != e) {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        for (int w = 0; w < futures.size(); w++) {
            List<List<Object>> replies = split(workerReplies.get(w), documents, shares.get(w));
            int[] share = shares.get(w);
            for (int i = 0; i < share.length; i++) {
                result.set(share[i], replies.get(i));
            }
        }
        return result;
    }

    /** Which documents (by position) each writing connection sends. */
    private List<int[]> shares(List<List<Command>> documents) {
        int[] owners = new int[documents.size()];
        int[] counts = new int[writers];
        for (int doc = 0; doc < owners.length; doc++) {
            List<Command> commands = documents.get(doc);
            owners[doc] = router == null || commands.isEmpty() ? doc % writers
                    : router.applyAsInt(commands.get(0).key());
            counts[owners[doc]]++;
        }
        List<int[]> shares = new ArrayList<>(writers);
        for (int w = 0; w < writers; w++) {
            shares.add(new int[counts[w]]);
        }
        int[] filled = new int[writers];
        for (int doc = 0; doc < owners.length; doc++) {
            shares.get(owners[doc])[filled[owners[doc]]++] = doc;
        }
        return shares;
    }

    /** The commands of the documents in {@code share} (every document when null), in order. */
    private static List<Command> flatten(List<List<Command>> documents, int[] share) {
        List<Command> commands = new ArrayList<>();
        int count = share == null ? documents.size() : share.length;
        for (int i = 0; i < count; i++) {
            commands.addAll(documents.get(share == null ? i : share[i]));
        }
        return commands;
    }

    private static List<List<Object>> split(List<Object> replies, List<List<Command>> documents, int[] share) {
        int count = share == null ? documents.size() : share.length;
        List<List<Object>> perDocument = new ArrayList<>(count);
        int at = 0;
        for (int i = 0; i < count; i++) {
            int size = documents.get(share == null ? i : share[i]).size();
            perDocument.add(replies.subList(at, at + size));
            at += size;
        }
        return perDocument;
    }

    /** Waits for a future of this pool's work; an {@link Error} or runtime exception in it is rethrown as is. */
    static <T> T get(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted; re-run to resume.");
        }
    }

    /** Pauses before a retry, cut short by a stop request (the next attempt then decides). */
    private void sleepUnlessStopped(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        SlicedPause.until(() -> end, stop);
    }

    @Override
    public void close() {
        if (threads != null) {
            threads.shutdownNow();
        }
        for (DocumentStore store : stores) {
            try {
                store.close();
            } catch (RuntimeException e) {
                // closing; nothing to do
            }
        }
    }
}
