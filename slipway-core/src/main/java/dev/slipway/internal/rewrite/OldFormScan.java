package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.RedisEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Finds, after a rewrite that moved keys to a new prefix or renamed fields, documents in the form the rewrite
 * moved away from: a key under the old prefix (the new index does not cover it, so the document is not found at
 * all), or a document holding a renamed field (a hash field, a JSON path) under its old name (the new index reads
 * the new name, so a value written to the old one is not found). The rewrite left neither behind; a client that
 * still writes the old form wrote them since (tester session 26, #7: such writes were invisible to validation, only
 * the rollback's check saw them).
 *
 * <p>Unlike a vector of the old datatype, such a document is not an indexing failure, so nothing cheaper tells of
 * it: the scan runs at every validation of such a plan. It reads key names under the old prefix ({@code SCAN}), and
 * {@code HEXISTS} (or {@code JSON.TYPE}) of each renamed field under the index's prefixes, page by page.
 */
public final class OldFormScan {
    private final RewriteSpec spec;
    private final List<RewriteSpec.FieldMove> renames;
    /** Counts a renamed field only in a hash without the name it was renamed to (see {@link #runWithoutNewNames}). */
    private final boolean onlyWithoutNewName;
    private long underOldPrefix;
    private long withOldFields;

    /**
     * What the scan found.
     *
     * @param documentsChecked documents looked at (keys under the old prefix, and hashes under the index's prefixes)
     * @param underOldPrefix   keys left under the prefix the rewrite moved documents away from
     * @param withOldFields    hashes holding a field under the name the rewrite renamed it from
     * @param examples         the first {@value ValidationScan#EXAMPLES}, each "key (why)"
     * @param exampleKeys      the keys of the examples, in the same order
     */
    public record Result(long documentsChecked, long underOldPrefix, long withOldFields, List<String> examples,
                         List<String> exampleKeys) {
        /** Copies the lists. */
        public Result {
            examples = List.copyOf(examples);
            exampleKeys = List.copyOf(exampleKeys);
        }

        /** Documents found in the old form. */
        public long found() {
            return underOldPrefix + withOldFields;
        }
    }

    /** Keys the search for renamed fields passed over, because the search under the old prefix counted them. */
    private long countedBefore;
    /** The documents looked at: those the index's FILTER admits (the others were not rewritten). */
    private final FilterScope filter;

    private OldFormScan(RewriteSpec spec, boolean onlyWithoutNewName, FilterScope filter) {
        this.spec = spec;
        this.filter = filter;
        this.renames = spec.fieldMoves();
        this.onlyWithoutNewName = onlyWithoutNewName;
    }

    /** Whether the rewrite moves keys to a new prefix or renames fields, which a client may write again. */
    public static boolean applies(RewriteSpec spec) {
        OldFormScan scan = new OldFormScan(spec, false, FilterScope.everyDocument());
        return scan.movesKeys() || !scan.renames.isEmpty();
    }

    private boolean movesKeys() {
        return spec.targetPrefix().isPresent() && spec.sourcePrefixes().size() == 1;
    }

    /**
     * Looks under the old prefix (when the rewrite moved keys) and at every hash under {@code prefixes} (the migrated
     * index's; every key when empty, when it renamed hash fields), {@code pageSize} keys per SCAN page, at the
     * documents {@code filter} admits; a read is retried {@code maxRetries} times after a transient error.
     */
    public static Result run(RewriteSpec spec, FilterScope filter, List<String> prefixes, RedisEndpoint endpoint,
                             int pageSize, int maxRetries, long expected, ProgressListener progress) {
        return run(() -> new OldFormScan(spec, false, filter), prefixes, endpoint, pageSize, maxRetries, expected,
                progress, "in the old form");
    }

    /**
     * As {@link #run}, but a hash counts for a renamed field only when it lacks the name the field was renamed to: a
     * hash holding both names may hold them with the application's data (a conflict a rewrite left alone), so only
     * one with the old name alone is surely in the old form. For a rewrite turned around (after a rollback).
     */
    static Result runWithoutNewNames(RewriteSpec spec, List<String> prefixes, RedisEndpoint endpoint, int pageSize,
                                     int maxRetries, long expected, ProgressListener progress) {
        return run(() -> new OldFormScan(spec, true, FilterScope.everyDocument()), prefixes, endpoint, pageSize,
                maxRetries, expected, progress, "left in the migrated form"); // named so (tester session 37 R23 L5)
    }

    /** Runs a new scan from {@code scans} (one more after each restart of the server during it). */
    private static Result run(Supplier<OldFormScan> scans, List<String> prefixes, RedisEndpoint endpoint,
                              int pageSize, int maxRetries, long expected, ProgressListener progress, String form) {
        RewriteSpec spec = scans.get().spec;
        if (!applies(spec)) {
            return new Result(0, 0, 0, List.of(), List.of());
        }
        return ValidationScan.run(endpoint, spec.storage(), pageSize, maxRetries, expected, progress,
                "looking for documents " + form, "The search for documents " + form, "documents " + form,
                () -> pages -> {
                    OldFormScan scan = scans.get();
                    long checked = 0;
                    if (scan.movesKeys()) {
                        checked += pages.pages(KeyScope.of(spec).filteredBy(scan.filter),
                                keys -> scan.underOldPrefix(pages, keys));
                    }
                    if (!scan.renames.isEmpty()) {
                        checked += pages.pages(KeyScope.ofPrefixes(prefixes).filteredBy(scan.filter),
                                keys -> scan.withOldFields(pages, keys));
                    }
                    // a key the first scan counted (the index's prefixes are the old ones: the source index is
                    // back) is not counted again (tester session 35 R19 L5: "40000 of 40000" for 20,000 documents)
                    return new Result(checked - scan.countedBefore, scan.underOldPrefix, scan.withOldFields,
                            pages.examples(), pages.exampleKeys());
                });
    }

    private void underOldPrefix(ValidationScan pages, List<byte[]> keys) {
        for (byte[] key : keys) {
            String name = DocumentRewriter.text(key);
            if (spec.needsMove(name)) { // not one already moved under a new prefix that extends the old one
                underOldPrefix++;
                // the spec of a rollback is the migration's turned around: its old prefix is the migration's new one
                // (tester session 48 R43 T2: "under the old prefix 'doc:a:', not moved to 'doc:'" read backwards)
                String from = spec.sourcePrefixes().get(0);
                String to = spec.targetPrefix().orElseThrow();
                pages.example(DocumentRewriter.shown(key), onlyWithoutNewName ? "under the migration's prefix '" + from
                        + "', not moved back to '" + to + "'" : "under the old prefix '" + from + "', not moved to '"
                        + to + "'");
            }
        }
    }

    private void withOldFields(ValidationScan pages, List<byte[]> all) {
        List<byte[]> keys = all;
        if (movesKeys()) { // those under the old prefix were counted by the first scan
            keys = all.stream().filter(key -> !spec.needsMove(DocumentRewriter.text(key))).toList();
            countedBefore += all.size() - keys.size();
        }
        if (keys.isEmpty()) {
            return;
        }
        int perRename = onlyWithoutNewName ? 2 : 1;
        int perKey = renames.size() * perRename;
        List<DocumentStore.Command> exists = new ArrayList<>(keys.size() * perKey);
        for (byte[] key : keys) {
            for (RewriteSpec.FieldMove rename : renames) {
                exists.add(exists(key, rename.from()));
                if (onlyWithoutNewName) {
                    exists.add(exists(key, rename.to()));
                }
            }
        }
        List<Object> replies = pages.read(exists);
        for (int i = 0; i < keys.size(); i++) {
            for (int j = 0; j < renames.size(); j++) {
                int at = i * perKey + j * perRename;
                boolean oldName = held(replies.get(at));
                boolean newName = onlyWithoutNewName && held(replies.get(at + 1));
                if (oldName && !newName) {
                    withOldFields++;
                    RewriteSpec.FieldMove rename = renames.get(j);
                    pages.example(DocumentRewriter.shown(keys.get(i)), onlyWithoutNewName ? "field '" + rename.from()
                            + "' and no field '" + rename.to() + "'" : "field '" + rename.from() + "', renamed to '"
                            + rename.to() + "'");
                    break;
                }
            }
        }
    }

    /**
     * Whether a document holds a field: {@code HEXISTS} of a hash field, {@code JSON.TYPE} of a JSON path (a JSONPath
     * answers with the types of what it matches, none when nothing; tester session 34 R18 F1: a JSON document
     * written under a renamed path's old name passed validation).
     */
    private DocumentStore.Command exists(byte[] key, String field) {
        return new DocumentStore.Command(spec.storage() == StorageType.HASH ? "HEXISTS" : "JSON.TYPE",
                List.of(key, DocumentRewriter.bytes(field)));
    }

    /** Whether a reply of {@link #exists} says the field is there (an error, a key of another type now, says not). */
    private static boolean held(Object reply) {
        return reply instanceof Long found ? found == 1 : reply instanceof List<?> types && !types.isEmpty();
    }
}
