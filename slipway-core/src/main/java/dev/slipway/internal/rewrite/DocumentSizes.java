package dev.slipway.internal.rewrite;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.DocumentStore.Command;

import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How many bytes the values a rewrite reads take per document, asked of the server without reading them: one
 * {@code HSTRLEN} per field of a hash, one {@code JSON.DEBUG MEMORY} per path of a JSON document (its in-memory
 * size, which is larger than the text {@code JSON.GET} returns: 2-3 times for an array of numbers, about the same
 * for a string, so batches sized by it err on the small side).
 *
 * <p>Two uses: before anything changes, a {@link #survey} of every document finds the largest one, which the
 * sample of {@link RewriteEstimator} can miss; and while rewriting documents of very different sizes, the reader
 * measures each page first and cuts it into batches that fit in memory ({@link #batches}).
 */
public final class DocumentSizes {

    /** The server refused a size query (an ACL without {@code HSTRLEN} or {@code JSON.DEBUG}, say). */
    public static final class UnmeasurableException extends RuntimeException {
        UnmeasurableException(String message) {
            super(message);
        }
    }

    /**
     * What a survey of every document found.
     *
     * @param documents     documents measured
     * @param totalBytes    their values' bytes together
     * @param largestBytes  the largest document's values
     * @param largestKey    that document's key (empty when no document holds a value)
     * @param holding       documents that hold a value in a field the rewrite reads: those it rewrites
     */
    public record Survey(long documents, long totalBytes, long largestBytes, String largestKey, long holding) {
    }

    private DocumentSizes() {
    }

    /**
     * Measures every document the rewrite covers, {@code pageSize} keys per SCAN page, showing progress; reads no
     * value and writes nothing.
     *
     * @throws UnmeasurableException when the server refuses the size queries
     */
    public static Survey survey(RewriteSpec spec, RedisEndpoint endpoint, int pageSize, ProgressListener progress,
                                StopSignal stop) {
        return survey(spec, FilterScope.everyDocument(), spec.documents(), endpoint, pageSize,
                ApplyOptions.DEFAULTS.maxRetries(), progress, stop);
    }

    /**
     * As above, of the documents {@code filter} admits, showing {@code expected} documents as the total (0: not
     * known), each read retried {@code maxRetries} times after a transient error (a lost connection, BUSY,
     * LOADING), as the rewrite's are: the survey only reads.
     */
    public static Survey survey(RewriteSpec spec, FilterScope filter, long expected, RedisEndpoint endpoint,
                                int pageSize, int maxRetries, ProgressListener progress, StopSignal stop) {
        try (WorkerPool workers = WorkerPool.open(endpoint, 1, maxRetries).stoppedBy(stop)) {
            return KeyScope.acrossRestarts(() -> surveyOnce(spec, filter, expected, workers, pageSize, progress, stop));
        }
    }

    private static Survey surveyOnce(RewriteSpec spec, FilterScope filter, long expected, WorkerPool workers,
                                     int pageSize, ProgressListener progress, StopSignal stop) {
        List<String> fields = DocumentRewriter.fieldsToRead(spec);
        String type = spec.storage().keyType();
        Tally tally = new Tally();
        long documents;
        try (ProgressTask task = ProgressTask.begin(progress, "measuring documents", expected, "docs")) {
            KeyScope scope = KeyScope.of(spec).filteredBy(filter);
            documents = scope.forEachPage(workers, pageSize, type, task, stop, "The measuring of the documents",
                    keys -> tally.add(keys, workers.read(store -> of(store, spec.storage(), fields, keys))));
            task.finished();
        }
        // a rewrite that reads no field (a key move alone) changes every document it passes (tester session 36 R22
        // L7: 0 counted, so neither the estimate nor apply said that 3,000 would move where the plan counted 1,111)
        return new Survey(documents, tally.total, tally.largest, tally.largestKey, fields.isEmpty() ? documents
                : tally.holding);
    }

    /** The survey's running figures. */
    private static final class Tally {
        private long total;
        private long largest;
        private String largestKey = "";
        private long holding;

        void add(List<byte[]> keys, long[] sizes) {
            for (int i = 0; i < sizes.length; i++) {
                total += sizes[i];
                holding += sizes[i] > 0 ? 1 : 0;
                if (sizes[i] > largest) {
                    largest = sizes[i];
                    largestKey = DocumentRewriter.shown(keys.get(i));
                }
            }
        }
    }

    /**
     * Each document's values in bytes, in one pipelined round trip (0 for a missing key or field).
     *
     * @throws UnmeasurableException when the server refuses a size query
     */
    static long[] of(DocumentStore store, StorageType storage, List<String> fields, List<byte[]> keys) {
        long[] sizes = new long[keys.size()];
        if (keys.isEmpty() || fields.isEmpty()) {
            return sizes;
        }
        List<byte[]> names = fields.stream().map(f -> f.getBytes(StandardCharsets.UTF_8)).toList();
        List<Command> queries = new ArrayList<>(keys.size() * names.size());
        for (byte[] key : keys) {
            for (byte[] name : names) {
                queries.add(storage == StorageType.HASH ? DocumentRewriter.command("HSTRLEN", key, name)
                        : DocumentRewriter.command("JSON.DEBUG", "MEMORY".getBytes(StandardCharsets.US_ASCII), key,
                        name));
            }
        }
        List<Object> replies = store.execute(queries);
        for (int i = 0; i < replies.size(); i++) {
            sizes[i / names.size()] += bytes(replies.get(i), queries.get(i));
        }
        return sizes;
    }

    /**
     * A size reply: a number, an array of numbers (a JSONPath matching several values), null (no key), or an error
     * (a key that changed type since SCAN: 0, the rewrite's own read deals with it).
     */
    private static long bytes(Object reply, Command query) {
        if (reply instanceof Long n) {
            return n;
        }
        if (reply instanceof List<?> values) {
            long sum = 0;
            for (Object value : values) {
                sum += value instanceof Long n ? n : 0;
            }
            return sum;
        }
        if (reply instanceof Exception e && refused(e)) {
            throw new UnmeasurableException("Redis refused " + query.name() + ": " + e.getMessage());
        }
        if (reply instanceof Exception e && BusyServer.isBusy(e.getMessage())) { // not a size: read again
            throw new JedisDataException(e.getMessage());
        }
        return 0; // no key, or a key of another type now: the rewrite's own read deals with it
    }

    private static boolean refused(Exception e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("NOPERM") || message.toLowerCase(java.util.Locale.ROOT).contains("unknown command");
    }

    /**
     * Cuts a page of documents, in order, into batches whose values add up to at most {@code budget} bytes (a
     * document larger than that alone makes a batch of one).
     */
    static List<List<byte[]>> batches(List<byte[]> keys, long[] sizes, long budget) {
        List<List<byte[]>> batches = new ArrayList<>();
        int start = 0;
        long bytes = 0;
        for (int i = 0; i < keys.size(); i++) {
            if (i > start && bytes + sizes[i] > budget) {
                batches.add(keys.subList(start, i));
                start = i;
                bytes = 0;
            }
            bytes += sizes[i];
        }
        if (start < keys.size()) {
            batches.add(keys.subList(start, keys.size()));
        }
        return batches;
    }
}
