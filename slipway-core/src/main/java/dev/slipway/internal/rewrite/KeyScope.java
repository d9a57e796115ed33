package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.apply.ProgressTask;
import dev.slipway.internal.redis.GlobPattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The keys a rewrite covers: the SCAN MATCH pattern of a pass, the per-key check against the source prefixes
 * that SCAN's pattern cannot express when there is more than one prefix, and, for an index with a FILTER, the
 * documents the FILTER admits ({@link FilterScope}).
 */
final class KeyScope {
    private static final Logger LOG = LoggerFactory.getLogger(KeyScope.class);
    private final String pattern;
    /** The source prefixes as bytes; empty means every key. */
    private final List<byte[]> prefixes;
    private final FilterScope filter;

    private KeyScope(String pattern, List<byte[]> prefixes, FilterScope filter) {
        this.pattern = pattern;
        this.prefixes = prefixes;
        this.filter = filter;
    }

    /** The scope of the spec's source prefixes. */
    static KeyScope of(RewriteSpec spec) {
        return ofPrefixes(spec.sourcePrefixes());
    }

    /** The keys under any of the prefixes (every key when there are none). */
    static KeyScope ofPrefixes(List<String> prefixes) {
        String pattern = prefixes.size() == 1 ? GlobPattern.startingWith(prefixes.get(0)) : "*";
        return new KeyScope(pattern, prefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toList(),
                FilterScope.everyDocument());
    }

    /** The same keys, narrowed to the documents {@code scope}'s FILTER admits. */
    KeyScope filteredBy(FilterScope scope) {
        return new KeyScope(pattern, prefixes, scope);
    }

    /**
     * One SCAN page of keys of the Redis {@code type} from {@code cursor}: those in scope (under a prefix, and
     * admitted by the FILTER when there is one; asked on {@code store}'s connection), with the page's next cursor.
     */
    DocumentStore.ScanPage read(DocumentStore store, String cursor, int count, String type) {
        DocumentStore.ScanPage page = store.scan(cursor, pattern, count, type);
        List<byte[]> keys = page.keys().stream().filter(this::contains).toList();
        return new DocumentStore.ScanPage(page.nextCursor(), filter.admitted(store, keys));
    }

    /** The SCAN MATCH pattern. */
    String pattern() {
        return pattern;
    }

    /**
     * A read-only pass over every key of the scope before anything changes (the measuring of the documents, the
     * conflict check) or in validation: page by page from the first ({@link #read} of {@code pageSize} keys of the
     * Redis {@code type}, on the pool's reading connection), each page's keys in scope handed to {@code perPage}, the
     * count shown on {@code task}; a stop request is honoured before each page. Returns the keys passed.
     *
     * @param what the pass, for the stop message ("The measuring of the documents")
     */
    long forEachPage(WorkerPool workers, int pageSize, String type, ProgressTask task, StopSignal stop, String what,
                     Consumer<List<byte[]>> perPage) {
        String server = workers.readingServer();
        long passed = 0;
        String cursor = "0";
        do {
            stop.stopHereIfRequested(what + " stopped after " + passed + " documents, before anything changed. "
                    + "Re-run 'slipway apply' to start again.");
            String from = cursor;
            DocumentStore.ScanPage page = workers.read(store -> read(store, from, pageSize, type));
            String now = workers.readingServer();
            if (WorkerPool.restarted(server, now)) {
                throw new ServerRestarted(what, server, now); // this page came from the restarted server
            }
            List<byte[]> keys = page.keys();
            perPage.accept(keys);
            passed += keys.size();
            task.update(passed);
            cursor = page.nextCursor();
        } while (!cursor.equals("0"));
        return passed;
    }

    /** Passes a read-only pass makes at most, the first included, when the server keeps restarting during it. */
    static final int MAX_PASSES = 4;

    /**
     * Runs a read-only pass ({@code pass} makes its own figures afresh each time) again from the first page when
     * the server restarted during it (a failover, a crash): its SCAN cursor, resumed on the restarted server, would
     * have passed some documents twice and skipped others (tester session 36 R21 L3: the survey counted 50,043 of
     * 50,000 documents). Gives up after {@value #MAX_PASSES} passes with a clear error.
     */
    static <T> T acrossRestarts(Supplier<T> pass) {
        for (int attempt = 1; ; attempt++) {
            try {
                return pass.get();
            } catch (ServerRestarted e) {
                if (attempt >= MAX_PASSES) {
                    throw new SlipwayException(ErrorCode.REDIS_UNAVAILABLE,
                            e.getMessage() + " It restarted " + attempt + " times during it; re-run the same "
                                    + "command once the server is steady.", e);
                }
                LOG.warn("{} Reading every document again from the first page (pass {} of at most {}).",
                        e.getMessage(), attempt + 1, MAX_PASSES);
            }
        }
    }

    /** A read-only pass cut by a restart of the server (another {@code run_id} after a page than before it). */
    static final class ServerRestarted extends RuntimeException {
        ServerRestarted(String what, String before, String now) {
            super(what + " was cut by a restart of Redis (run_id " + before + ", now " + now + "): a SCAN does not "
                    + "carry over a restart.");
        }
    }

    /**
     * Whether a key is under one of the source prefixes (compared as UTF-8 bytes, which for a valid key is the same
     * as comparing the text). Keys already moved under a new prefix that extends the old one are planned again: the
     * rewriter finds nothing to do for them, and a document that was there before the migration still gets
     * rewritten.
     */
    boolean contains(byte[] key) {
        if (prefixes.isEmpty()) {
            return true;
        }
        for (byte[] prefix : prefixes) {
            if (DocumentRewriter.startsWith(key, prefix)) {
                return true;
            }
        }
        return false;
    }
}
