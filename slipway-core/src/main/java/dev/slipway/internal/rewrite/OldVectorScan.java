package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.vector.VectorDataType;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds, after a rewrite, the hash documents whose converted vector field holds a vector of the old datatype: a
 * client that still writes the old format wrote it after the rewrite had converted the document (or created the
 * document since). The new index cannot index such a vector (its length is wrong: on Redis 7.4 it counts as an
 * indexing failure), so validation looks for them when more documents failed to index than before.
 *
 * <p>It reads only lengths ({@code HSTRLEN}), page by page, under the index's prefixes. A document found is
 * <em>repairable</em> when a new pass of the same rewrite would convert it: its key is among those the rewrite scans
 * and the vector field is not also renamed (the pass reads the old name). Otherwise (under a new prefix the documents
 * moved to, or in a renamed field) re-running the rewrite cannot reach it.
 */
public final class OldVectorScan {
    private final RewriteSpec spec;
    private final List<Check> checks;
    private final KeyScope rewriteScope;
    private long found;
    private long outsideRewrite;

    /**
     * What the scan found.
     *
     * @param documentsChecked documents looked at (keys of the index's type under its prefixes)
     * @param found            documents with a vector of the old datatype in a converted field
     * @param examples         the first {@value ValidationScan#EXAMPLES} of their keys
     * @param outsideRewrite   how many of them a new pass of the rewrite would not reach
     */
    public record Result(long documentsChecked, long found, List<String> examples, long outsideRewrite) {
        /** Copies the list. */
        public Result {
            examples = List.copyOf(examples);
        }

        /** Whether some were found, and a new pass of the rewrite would convert every one. */
        public boolean repairable() {
            return found > 0 && outsideRewrite == 0;
        }
    }

    /** One converted field whose old and new vectors differ in length, so a length tells them apart. */
    private record Check(VectorConversion conversion, byte[] field, long oldLength, boolean renamed) {
    }

    private OldVectorScan(RewriteSpec spec) {
        this.spec = spec;
        this.rewriteScope = KeyScope.of(spec);
        List<Check> found = new ArrayList<>();
        for (VectorConversion conversion : spec.conversions()) {
            long oldLength = (long) VectorDataType.parse(conversion.from()).bytesPerElement() * conversion.dims();
            long newLength = (long) VectorDataType.parse(conversion.to()).bytesPerElement() * conversion.dims();
            if (oldLength != newLength) {
                found.add(new Check(conversion, DocumentRewriter.bytes(conversion.path()), oldLength,
                        !DocumentRewriter.sourceField(spec, conversion).equals(conversion.path())));
            }
        }
        this.checks = List.copyOf(found);
    }

    /**
     * Whether the scan can find anything for this rewrite: it converts a hash vector to a datatype of another
     * length. (A JSON document's vector is a list of numbers in either case, and a conversion between two types of
     * one length, FLOAT16 to BFLOAT16, leaves nothing a length can tell.)
     */
    public static boolean applies(RewriteSpec spec) {
        return new OldVectorScan(spec).applicable();
    }

    private boolean applicable() {
        return spec.storage() == StorageType.HASH && !checks.isEmpty();
    }

    /** The converted fields, as "emb FLOAT32 to FLOAT16", for messages. */
    public static String describe(RewriteSpec spec) {
        return String.join(", ", new OldVectorScan(spec).checks.stream().map(c -> c.conversion().path() + " "
                + VectorDataType.parse(c.conversion().from()).redisName() + " to "
                + VectorDataType.parse(c.conversion().to()).redisName()).toList());
    }

    /**
     * Looks at every hash under {@code prefixes} (every key when empty), {@code pageSize} keys per SCAN page, showing
     * progress against {@code expected} documents: for a rewrite turned around after a rollback, whose "old" type is
     * the one the migration wrote, and is named so (tester session 37 R23 L5).
     */
    static Result runTurnedAround(RewriteSpec spec, List<String> prefixes, RedisEndpoint endpoint, int pageSize,
                                  int maxRetries, long expected, ProgressListener progress) {
        return run(spec, FilterScope.everyDocument(), prefixes, endpoint, pageSize, maxRetries, expected, progress,
                "the migrated type");
    }

    /**
     * As above, at the documents {@code filter} admits: a document the index's FILTER leaves out was not rewritten,
     * and keeps the old datatype. A read is retried {@code maxRetries} times after a transient error.
     */
    public static Result run(RewriteSpec spec, FilterScope filter, List<String> prefixes, RedisEndpoint endpoint,
                             int pageSize, int maxRetries, long expected, ProgressListener progress) {
        return run(spec, filter, prefixes, endpoint, pageSize, maxRetries, expected, progress, "the old type");
    }

    private static Result run(RewriteSpec spec, FilterScope filter, List<String> prefixes, RedisEndpoint endpoint,
                              int pageSize, int maxRetries, long expected, ProgressListener progress, String type) {
        if (!new OldVectorScan(spec).applicable()) {
            return new Result(0, 0, List.of(), 0);
        }
        return ValidationScan.run(endpoint, spec.storage(), pageSize, maxRetries, expected, progress,
                "looking for vectors of " + type, "The search for vectors of " + type,
                "vectors of " + type, () -> pages -> {
                    OldVectorScan scan = new OldVectorScan(spec); // afresh after a restart of the server
                    long checked = pages.pages(KeyScope.ofPrefixes(prefixes).filteredBy(filter),
                            keys -> scan.checkPage(pages, keys));
                    return new Result(checked, scan.found, pages.examples(), scan.outsideRewrite);
                });
    }

    private void checkPage(ValidationScan pages, List<byte[]> keys) {
        if (keys.isEmpty()) {
            return;
        }
        List<DocumentStore.Command> lengths = new ArrayList<>(keys.size() * checks.size());
        for (byte[] key : keys) {
            for (Check check : checks) {
                lengths.add(new DocumentStore.Command("HSTRLEN", List.of(key, check.field())));
            }
        }
        List<Object> replies = pages.read(lengths);
        for (int i = 0; i < keys.size(); i++) {
            boolean old = false;
            boolean unreachable = !rewriteScope.contains(keys.get(i));
            for (int j = 0; j < checks.size(); j++) {
                Object reply = replies.get(i * checks.size() + j);
                if (reply instanceof Long length && length == checks.get(j).oldLength()) {
                    old = true;
                    unreachable |= checks.get(j).renamed();
                }
            }
            if (old) {
                found++;
                outsideRewrite += unreachable ? 1 : 0;
                pages.example(DocumentRewriter.shown(keys.get(i)), "");
            }
        }
    }
}
