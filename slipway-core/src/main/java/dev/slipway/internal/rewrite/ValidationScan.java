package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.redis.RedisEndpoint;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What validation's read-only searches after a rewrite ({@link OldVectorScan}, {@link OldFormScan}) share: one
 * connection of their own, SCAN page by page with a progress task, the first {@value #EXAMPLES} documents found, and
 * a read the server refuses reported as a Redis error with nothing changed.
 */
final class ValidationScan {
    /** How many documents a result names. */
    static final int EXAMPLES = 20;

    private final WorkerPool workers;
    private final ProgressTask task;
    /** The keys earlier scans of this search passed, where the next one's progress goes on from. */
    private long passedBefore;
    private final StorageType storage;
    private final int pageSize;
    private final String search;
    private final List<String> examples = new ArrayList<>();
    private final List<String> exampleKeys = new ArrayList<>();

    /** The body of one search: pages through keys, reads with {@link #read}, and returns its result. */
    interface Search<T> {
        T run(ValidationScan scan);
    }

    private ValidationScan(WorkerPool workers, ProgressTask task, StorageType storage, int pageSize, String search) {
        this.workers = workers;
        this.task = task;
        this.storage = storage;
        this.pageSize = pageSize;
        this.search = search;
    }

    /**
     * Runs {@code body} with a connection to {@code endpoint} (a read retried {@code maxRetries} times after a
     * transient error) and a progress task named {@code task} counting up to {@code expected} documents.
     * {@code search} names it in messages ("The search for ..."), {@code refused} in the error when the server
     * refuses a read.
     */
    static <T> T run(RedisEndpoint endpoint, StorageType storage, int pageSize, int maxRetries, long expected,
                     ProgressListener progress, String taskName, String search, String refused,
                     Supplier<Search<T>> body) {
        try (WorkerPool workers = WorkerPool.open(endpoint, 1, maxRetries)) {
            return KeyScope.acrossRestarts(() -> { // a new body each pass: its figures start afresh
                try (ProgressTask task = ProgressTask.begin(progress, taskName, expected, "docs")) {
                    T result = body.get().run(new ValidationScan(workers, task, storage, pageSize, search));
                    task.finished();
                    return result;
                }
            });
        } catch (JedisDataException e) {
            throw new SlipwayException(ErrorCode.REDIS_ERROR, "Redis rejected a read of the search for " + refused
                    + ": " + e.getMessage() + ". Nothing was changed.", e);
        }
    }

    /** Passes every page of keys of the rewrite's storage type in {@code scope} to {@code perPage}; the keys seen. */
    long pages(KeyScope scope, Consumer<List<byte[]>> perPage) {
        String type = storage.keyType();
        long seen = scope.forEachPage(workers, pageSize, type, task.after(passedBefore), new StopSignal(), search,
                perPage);
        passedBefore += seen; // a second scan of the same search goes on from there
        return seen;
    }

    /** The replies to {@code commands}, sent as one pipeline. */
    List<Object> read(List<DocumentStore.Command> commands) {
        return workers.read(store -> store.execute(commands));
    }

    /** Names a document found, as "key" or "key (why)", while fewer than {@value #EXAMPLES} are named. */
    void example(String key, String why) {
        if (examples.size() < EXAMPLES) {
            examples.add(why.isEmpty() ? key : key + " (" + why + ")");
            exampleKeys.add(key);
        }
    }

    /** The documents named, each "key" or "key (why)". */
    List<String> examples() {
        return examples;
    }

    /** The keys of the documents named. */
    List<String> exampleKeys() {
        return exampleKeys;
    }
}
