package dev.slipway.internal.plan;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.vector.VectorMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The plan's warnings about documents ({@link PlanWarnings} has the rest): what a rewrite does to them, and what
 * the sampled documents hold that the target schema or the memory estimate may not expect.
 */
final class DocumentWarnings {
    private DocumentWarnings() {
    }

    static List<String> rewriteWarnings(RewriteSpec rewrite, SourceSnapshot source, IndexSchema target,
                                        boolean allowShared) {
        List<String> warnings = new ArrayList<>();
        warnings.add("Documents are rewritten: apply needs --backup-dir, where the original bytes of every changed "
                + "field are saved before the document changes; 'slipway rollback --backup-dir <dir>' restores them. "
                + "Stop writes to the documents of '" + source.indexName() + "' while it runs: queries fail from the "
                + "drop until the documents are rewritten and re-indexed, and a write that lands between Slipway's "
                + "read and its rewrite of a document is overwritten (the backup holds the value Slipway read).");
        if (rewrite.lossy()) {
            warnings.add("Lossy: " + String.join(", ", RewritePlanner.lossyConversions(rewrite))
                    + " loses precision; apply needs --accept-data-loss. The report shows "
                    + "recall@10 against the original vectors on a sample." + (rewrite.conversions().stream()
                    .anyMatch(c -> c.to().equalsIgnoreCase("float16")) ? " FLOAT16 holds at most ±65504: a value of "
                    + "65520 or more in magnitude becomes infinity, and the rewrite's summary counts them." : ""));
        }
        rewrite.targetPrefix().filter(to -> rewrite.sourcePrefixes().size() == 1
                && to.startsWith(rewrite.sourcePrefixes().get(0))).ifPresent(to -> warnings.add("The new key prefix '"
                + to + "' extends the old one '" + rewrite.sourcePrefixes().get(0) + "': a document whose key already "
                + "starts with '" + to + "' counts as moved and is rewritten in place (under the new prefix it is "
                + "then known by what follows '" + to + "'). apply counts such documents before it changes anything "
                + "and names a few."));
        Optional<String> filter = source.schema().filter();
        if (filter.isPresent() && FilterScope.narrows(source.schema(), target)) {
            warnings.add("The index has a FILTER (" + filter.get() + "): the rewrite converts only the documents it "
                    + "admits, and leaves the others under " + (rewrite.sourcePrefixes().isEmpty() ? "any prefix"
                    : "the prefixes " + rewrite.sourcePrefixes()) + " as they are. Only the server evaluates a "
                    + "FILTER, so apply asks a throwaway index with the same prefixes and FILTER (" + SchemaProbeName
                    .prefix(source.indexName()) + "<uuid>, made before the first change and dropped at the end).");
        } else if (filter.isPresent()) {
            warnings.add("The index has a FILTER (" + filter.get() + "), and " + FilterScope.whyEveryDocument(
                    source.schema(), target) + ", so it may admit a document differently after its rewrite: the "
                    + "rewrite converts every document under " + (rewrite.sourcePrefixes().isEmpty() ? "any prefix"
                    : "the prefixes " + rewrite.sourcePrefixes()) + " that holds the fields it rewrites, including "
                    + "those the FILTER leaves out now (each is backed up first, and a rollback restores it). The "
                    + "counts and memory here are of the " + source.numDocs() + " documents the index holds; apply "
                    + "counts every document it will rewrite before it changes anything, says how many more there "
                    + "are, and checks memory against that count.");
        }
        if (allowShared && !source.sharedKeyIndexes().isEmpty()) {
            warnings.add("Indexes " + source.sharedKeyIndexes() + " cover the same keys and will see the rewritten "
                    + "documents (accepted with --allow-shared-keys).");
        }
        return warnings;
    }

    /**
     * A new JSON path or hash field that none of the sampled documents holds, and that no field move of the plan
     * fills: the field reads nothing from them, and validation cannot tell (an absent value is not an indexing
     * failure).
     */
    static List<String> unheldPathWarnings(SourceSnapshot source, IndexSchema target, Optional<RewriteSpec> rewrite) {
        java.util.Set<String> filled = new java.util.HashSet<>();
        rewrite.ifPresent(r -> r.fieldMoves().forEach(m -> filled.add(m.to())));
        List<String> warnings = new ArrayList<>();
        int sampled = source.keySample().size();
        for (Map.Entry<String, Long> held : source.pathsHeld().entrySet()) {
            // most of the sample without it (tester session 30 R9 M3: 1 document in 100 held it, no warning)
            if (held.getValue() * 2 > sampled || filled.contains(held.getKey())) {
                continue;
            }
            String fields = target.fields().stream().filter(f -> f.path().equals(held.getKey()))
                    .map(f -> "'" + f.name() + "'").collect(java.util.stream.Collectors.joining(", "));
            String holders = held.getValue() == 0 ? "none of the " + sampled + " sampled documents holds"
                    : "only " + held.getValue() + " of the " + sampled + " sampled documents hold";
            warnings.add("Field " + fields + " will read '" + held.getKey() + "', which " + holders + ": it will "
                    + "match nothing in the others. If the values are elsewhere, check the path; to move them there, "
                    + "rename the field (rename_fields moves the values in every document). Ignore this if the "
                    + "application will write that path.");
        }
        return warnings;
    }

    /**
     * A new vector field over values of another size: each such document is an indexing failure, so validation fails,
     * in drop-recreate after the index was rebuilt without them (tester session 31 R11 M3).
     */
    static List<String> otherSizeWarnings(SourceSnapshot source, IndexSchema target) {
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, Long> other : source.vectorsOfOtherSize().entrySet()) {
            if (other.getValue() == 0) {
                continue;
            }
            target.fields().stream().filter(f -> f.path().equals(other.getKey())).findFirst().ifPresent(f ->
                    warnings.add("Field '" + f.name() + "' reads vectors of " + f.attrs().get("dims") + " "
                            + f.attrs().get("datatype") + " elements at '" + f.path() + "', but " + other.getValue()
                            + " of the " + source.keySample().size() + " sampled documents hold a value of another "
                            + "size there: such documents fail to index, and validation fails on them (zero-downtime "
                            + "does not switch; drop-recreate has then rebuilt the index without them). Check the "
                            + "field's dims and datatype against the stored vectors."));
        }
        return warnings;
    }

    /**
     * When the server's {@code hash-max-listpack-value} could not be read (an ACL refusing CONFIG) and a widened
     * vector stays within the default, the estimate counts no listpack turning into a hash table, which a lower
     * setting makes happen: say so, and how much more it would be (tester session 32 R13 L2: 10 times the estimate,
     * unannounced).
     */
    static Optional<String> unreadListpackWarning(SourceSnapshot source, RewriteSpec rewrite) {
        boolean unread = source.server().memory().map(m -> m.hashListpackValue() == 0).orElse(true);
        if (!unread || rewrite.storage() != StorageType.HASH
                || !source.encodingsSampled().isEmpty() && source.listpacksSampled() == 0) {
            return Optional.empty();
        }
        int limit = ServerInfo.Memory.DEFAULT_HASH_LISTPACK_VALUE;
        double fields = IndexMemoryModel.hashShape(source).listpackFields();
        long worst = 0;
        for (RewriteSpec.VectorConversion conversion : rewrite.conversions()) {
            int from = conversion.dims() * IndexMemoryModel.width(conversion.from());
            int to = conversion.dims() * IndexMemoryModel.width(conversion.to());
            if (from < to && to <= limit) {
                worst += VectorMemory.documentSaving(from, to, new VectorMemory.HashShape(limit, 1, fields))
                        - VectorMemory.documentSaving(from, to, new VectorMemory.HashShape(from, 1, fields));
            }
        }
        if (worst <= 0) {
            return Optional.empty();
        }
        long all = Math.round(worst * source.listpackShare() * rewrite.documents());
        // read (CONFIG GET) only with the memory figures (INFO memory): when those are missing, it was never asked
        String why = source.server().memory().isPresent() ? source.server().unanswered("CONFIG GET")
                : "it is read with the memory figures, and " + source.server().unanswered("INFO memory");
        return Optional.of("Memory estimate: the server's hash-max-listpack-value could not be read (" + why
                + "), so the estimate takes the default, " + limit
                + ". On a server set lower than the widened vectors' length, every document kept as a listpack"
                + (source.encodingsSampled().isEmpty() ? "" : " (" + source.listpacksSampled() + " of the "
                + source.encodingsSampled().values().stream().mapToLong(Long::longValue).sum() + " sampled)")
                + " becomes a hash table as its vector widens: up to " + StrategyChoice.mib(all) + " more than "
                + "estimated. Ask an administrator for the setting (CONFIG GET hash-max-listpack-value), or leave "
                + "that much more room under maxmemory.");
    }

    /**
     * When the sampled documents' encodings could not be read (an ACL refusing OBJECT, or OBJECT renamed), every
     * document is taken for a listpack that a widened vector may turn into a hash table: say how much of the estimate
     * that is, since hashes that are hash tables already need none of it (tester session 33 R14 M3: 3 times the
     * growth, apply refused, and nothing said why).
     */
    static Optional<String> unreadEncodingWarning(SourceSnapshot source, RewriteSpec rewrite) {
        if (!source.encodingsSampled().isEmpty() || source.keySample().isEmpty()) {
            return Optional.empty();
        }
        VectorMemory.HashShape shape = IndexMemoryModel.hashShape(source);
        long assumed = IndexMemoryModel.documentGrowth(Optional.of(rewrite), shape)
                - IndexMemoryModel.documentGrowth(Optional.of(rewrite), new VectorMemory.HashShape(
                shape.listpackLimit(), 0, shape.listpackFields()));
        if (assumed <= 0) {
            return Optional.empty();
        }
        return Optional.of("Memory estimate: the sampled documents' encodings could not be read ("
                + source.server().unanswered("OBJECT ENCODING") + "), so every document is taken for a listpack that "
                + "turns into a hash table as its vector widens: " + StrategyChoice.mib(assumed) + " of the estimate. "
                + "Documents that are hash tables already (a value longer than hash-max-listpack-value, or many "
                + "fields) need none of it; if you know they are, 'slipway apply --ignore-maxmemory' starts despite "
                + "the estimate.");
    }
}
