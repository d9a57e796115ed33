package dev.slipway.internal.plan;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.CostEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.TemporaryIndex;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.internal.vector.VectorMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The warnings a plan shows a reviewer: one small rule per method, each saying what the migration will do that a
 * user may not expect (downtime, lost aliases, lossy conversions, what could not be read from the server) and what
 * to do about it. Pure, as {@link MigrationPlanner} is: everything comes from the snapshot, the target and the chosen
 * strategy.
 */
public final class PlanWarnings {
    private PlanWarnings() {
    }

    /** Every warning of a plan, in the order the plan lists them. */
    static List<String> of(SourceSnapshot source, IndexSchema target, List<SchemaChange> changes,
                           StrategyChoice choice, Optional<RewriteSpec> rewrite, KeyNamespace keys,
                           boolean allowSharedKeys, CostEstimate estimate) {
        List<String> warnings = warnings(source, target, changes, choice);
        rewrite.ifPresent(r -> warnings.addAll(DocumentWarnings.rewriteWarnings(r, source, target,
                allowSharedKeys)));
        rewrite.flatMap(RewriteSpec::targetPrefix).flatMap(to -> keys.keyUnder(to, java.util.Set.of(
                source.indexName()))).ifPresent(key -> warnings.add("Slipway's key namespace '" + keys.prefix()
                + "' puts its own keys (such as " + key + ") under the new key prefix, so apply refuses to run with "
                + "it: apply with a --namespace outside the index's key prefixes."));
        aliasesDroppedWarning(source, target, choice.steps()).ifPresent(warnings::add);
        applicationAliasWarning(source, choice.mode()).ifPresent(warnings::add);
        warnings.addAll(DocumentWarnings.unheldPathWarnings(source, target, rewrite));
        warnings.addAll(DocumentWarnings.otherSizeWarnings(source, target));
        rewrite.flatMap(r -> DocumentWarnings.unreadListpackWarning(source, r)).ifPresent(warnings::add);
        rewrite.flatMap(r -> DocumentWarnings.unreadEncodingWarning(source, r)).ifPresent(warnings::add);
        source.server().memory().flatMap(m -> MemoryHeadroom.shortfall(estimate.extraMemoryBytes(), m))
                .ifPresent(shortfall -> warnings.add("Memory limit: " + shortfall + ". apply refuses to start while "
                        + "this is so. " + MemoryHeadroom.advice(choice.mode())));
        if (source.server().memory().isEmpty() && estimate.extraMemoryBytes() > 0) {
            warnings.add("Memory limit: not checked, since " + source.server().unanswered("INFO memory") + ": make "
                    + "sure its maxmemory leaves room for the estimate below (at the limit Redis evicts keys or "
                    + "refuses writes, and apply cannot watch for it either).");
        }
        if (!source.server().modulesKnown()) {
            warnings.add("Search version: not read, since " + source.server().unanswered("MODULE LIST") + ", so the "
                    + "plan cannot say whether the server supports every feature of the target schema; apply has the "
                    + "server check the schema (a throwaway index) before it changes anything.");
        }
        return warnings;
    }

    private static List<String> warnings(SourceSnapshot source, IndexSchema target, List<SchemaChange> changes,
                                         StrategyChoice choice) {
        List<String> warnings = new ArrayList<>();
        if (changes.stream().allMatch(SchemaChange::supported)) {
            warnings.addAll(choice.warnings()); // a blocked plan never runs: its strategy's costs would only distract
        }
        if (changes.isEmpty()) {
            warnings.add("The target schema equals the live schema: applying this plan only rebuilds the index.");
        }
        hiddenAttributeWarning(source).ifPresent(warnings::add);
        phoneticWarning(source).ifPresent(warnings::add);
        widenedScopeWarning(source.schema(), target, choice.mode()).ifPresent(warnings::add);
        if (source.indexingFailures() > 0) {
            warnings.add("Index '" + source.indexName() + "' already has " + source.indexingFailures()
                    + " indexing failures; validation only requires that they do not grow. Redis keeps counting a "
                    + "failure after its document is deleted or written again in a form the index takes, so apply "
                    + "counts the keys under the prefixes before its first change and allows only the failures of "
                    + "documents that exist then (an index with a FILTER cannot be counted: all of them).");
        }
        droppedFlagsWarning(source.schema(), target).ifPresent(warnings::add);
        if (changes.stream().anyMatch(c -> c.kind() == ChangeKind.RENAME_INDEX)) {
            warnings.add("The index is renamed to '" + target.name() + "': applications querying '"
                    + source.indexName() + "' must switch to the new name.");
        }
        List<SchemaChange> datatypes = changes.stream().filter(c -> c.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE
                && c.supported()).toList();
        if (!datatypes.isEmpty()) {
            // a widening (float16 to float32) loses nothing (tester session 33 R15 L3: it was said to)
            boolean narrows = datatypes.stream()
                    .anyMatch(c -> VectorMemory.width(c.to()) < VectorMemory.width(c.from()));
            warnings.add((narrows ? "The vector index will store lower-precision values; search results can change "
                    + "slightly. " : "") + "KNN queries must pass their query vector in the new datatype from the "
                    + "switch on (FLOAT16 and BFLOAT16 take 2 bytes per dimension, INT8 and UINT8 1): the server "
                    + "refuses a query vector of the old size (and, after a rollback, of the new one).");
            jsonIndexLossWarning(target.storageType(), datatypes).ifPresent(warnings::add);
        }
        return warnings;
    }

    /**
     * A JSON vector's narrower datatype is the index's alone: the documents keep their numbers, so nothing is lost
     * for good and no --accept-data-loss is asked, but KNN ranks by what the index stores. A FLOAT16 index stores an
     * element beyond its range as infinity, and the document drops out of nearest-neighbour results with no indexing
     * failure: the hash conversion warned of it, JSON did not (tester R49 T2 F6).
     */
    static Optional<String> jsonIndexLossWarning(StorageType storage, List<SchemaChange> datatypes) {
        List<SchemaChange> lossy = datatypes.stream().filter(c -> VectorDataType.parse(c.from())
                .isLossyTo(VectorDataType.parse(c.to()))).toList();
        if (storage != StorageType.JSON || lossy.isEmpty()) {
            return Optional.empty();
        }
        boolean float16 = lossy.stream().anyMatch(c -> VectorDataType.parse(c.to()) == VectorDataType.FLOAT16);
        return Optional.of("Lossy in the index: " + String.join(", ", lossy.stream().map(c -> "'" + c.subject()
                + "' " + c.from() + " -> " + c.to()).toList()) + " loses precision in what the index stores and KNN "
                + "ranks by; the JSON documents keep their numbers, so a rollback loses nothing." + (float16
                ? " FLOAT16 holds at most ±65504: an element of 65520 or more in magnitude is indexed as infinity, "
                + "and its document drops out of nearest-neighbour results without an indexing failure. Check the "
                + "documents' largest elements first, or choose BFLOAT16, which keeps FLOAT32's range." : ""));
    }

    /**
     * A change that lets the index read documents the live one never read (its FILTER removed or changed, prefixes
     * added): their values were never checked against the schema, and validation allows no more indexing failures
     * than before. A zero-downtime apply finds out before its switch, a drop-recreate only after its drop (tester
     * session 42 R33 F14: neither was said at plan time).
     */
    static Optional<String> widenedScopeWarning(IndexSchema live, IndexSchema target, MigrationMode mode) {
        List<String> which = new ArrayList<>();
        if (live.filter().isPresent() && !live.filter().equals(target.filter())) {
            which.add(target.filter().isEmpty() ? "those today's FILTER leaves out"
                    : "those today's FILTER leaves out that the new one admits, if any");
        }
        List<String> added = ChangeClassifier.prefixesWidened(live.prefixes(), target.prefixes());
        if (!added.isEmpty()) {
            which.add("those under " + String.join(", ", added.stream().map(p -> "'" + p + "'").toList()));
        }
        if (which.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("The new index reads documents the live one never read (" + String.join(", and ", which)
                + "): their values were never checked against this schema. If it fails on some of them, the indexing "
                + "failures grow and " + (mode == MigrationMode.DROP_RECREATE ? "validation fails after the old index "
                + "is dropped: the new one then serves the documents it could read, and apply exits 1" : "apply "
                + "refuses the switch before anything served changes") + ". Check those documents first, or give the "
                + "new index a FILTER that leaves them out.");
    }

    /**
     * A patch's {@code index.options} replaces the index's flags: one the source has and the list leaves out is
     * dropped, shown only in the change line (tester session 54 R48 T2 F7: MAXTEXTFIELDS and NOFREQS went with a
     * patch that added NOOFFSETS).
     */
    static Optional<String> droppedFlagsWarning(IndexSchema source, IndexSchema target) {
        List<String> dropped = source.options().stream().filter(o -> !target.options().contains(o))
                .map(o -> o.name()).sorted().toList();
        return dropped.isEmpty() ? Optional.empty() : Optional.of("The new index drops the index flag"
                + (dropped.size() == 1 ? " " : "s ") + String.join(", ", dropped) + " that '" + source.name()
                + "' has: index.options in a patch lists every flag the new index gets, so name "
                + (dropped.size() == 1 ? "it there too to keep it." : "them there too to keep them."));
    }

    /**
     * Why an index created TEMPORARY is not migrated: dropping it deletes its documents (the server does, even
     * without DD), and every migration drops the index it replaces, at once or when the retained version is pruned.
     */
    public static String temporaryReason(String physicalIndex, TemporaryIndex kind) {
        if (kind == TemporaryIndex.CANNOT_TELL) {
            return "Slipway cannot tell whether index '" + physicalIndex + "' was created TEMPORARY: FT.DEBUG is "
                    + "refused to this user, and the server runs no garbage collector (NOGC, or a setting this user "
                    + "cannot read), which otherwise gives a temporary index away in FT.INFO. If it was, dropping it, "
                    + "which a migration does, deletes every document it covers (even without DD). Plan with a user "
                    + "allowed FT.DEBUG (ACL: +ft.debug), so that Slipway can check";
        }
        return "index '" + physicalIndex + "' was created TEMPORARY: the server deletes every document it covers "
                + "when such an index is dropped (even without DD) or expires, and a migration drops the index it "
                + "replaces. Slipway does not migrate temporary indexes. To keep the documents, create an index "
                + "without TEMPORARY over the same prefix yourself (FT.CREATE), and do not drop '" + physicalIndex
                + "' while they matter";
    }

    /**
     * FT.DROPINDEX removes every alias of the index, and Redis Search before 8.10 cannot list them (FT.ALIASLIST), so
     * aliases an application added itself are not carried over: said whenever a step drops the source index.
     */
    static Optional<String> aliasesDroppedWarning(SourceSnapshot source, IndexSchema target, List<PlanStep> steps) {
        boolean drops = steps.stream().flatMap(s -> s.commands().stream()).anyMatch(c -> c.size() == 2
                && c.get(0).equalsIgnoreCase("FT.DROPINDEX") && c.get(1).equals(source.physicalIndex()));
        if (!drops) {
            return Optional.empty();
        }
        return Optional.of("Index '" + source.physicalIndex() + "' is dropped (documents kept), which also removes "
                + "every alias of it" + (source.physicalIndex().equals(source.indexName()) ? "" : ", except '"
                + source.indexName() + "', which Slipway moves") + ". Slipway cannot list aliases an application added "
                + "itself (FT.ALIASADD): if one queries through such an alias, point it at the new index right after "
                + "the migration (FT.ALIASUPDATE <alias> " + steps.stream().flatMap(s -> s.commands().stream())
                .filter(c -> c.size() > 1 && c.get(0).equalsIgnoreCase("FT.CREATE")).map(c -> c.get(1))
                .reduce((a, b) -> b).orElse("<new index>") + ") or query '" + servedAfter(source, target)
                + "' instead.");
    }

    /**
     * The name applications query after the migration: the target's name when the index is renamed (the warning said
     * to query the name that disappears, tester session 52 R46 T2 F8), else the name planned for.
     */
    private static String servedAfter(SourceSnapshot source, IndexSchema target) {
        return source.physicalIndex().equals(source.indexName()) && !target.name().equals(source.indexName())
                ? target.name() : source.indexName();
    }

    /**
     * A name planned for that is an alias an application made of an index Slipway did not create (not
     * {@code name:vN}): the migration moves the alias, and the index under it stays as it is. Clients that query
     * that index by its own name keep the old schema, and it is kept as the version before, which
     * {@code prune} drops: nothing said so, and a routine prune broke such clients (tester session 52 R46 T2 F10);
     * so did its other aliases, which go with it (tester session 54 R48 T2 F4).
     */
    static Optional<String> applicationAliasWarning(SourceSnapshot source, MigrationMode mode) {
        String physical = source.physicalIndex();
        String name = source.indexName();
        if (physical.equals(name) || LiveIndexReader.isVersionName(name, physical)) {
            return Optional.empty();
        }
        return Optional.of("'" + name + "' is an alias of index '" + physical + "', which Slipway did not create. "
                + (mode == MigrationMode.ZERO_DOWNTIME ? "The migration points '" + name + "' at the index it "
                + "builds; clients that query '" + physical + "' by its own name, or through another alias of it, "
                + "keep the old schema, and '" + physical + "' is kept as the version before, which 'slipway prune "
                + "--index " + name + "' drops, with every alias of it: queries by those names fail from then on."
                : "The migration drops '" + physical + "', with every other alias of it: clients that query it by "
                + "its own name or such an alias fail from then on.") + " Point such clients at '" + name
                + "' first (Redis cannot list an index's aliases, so Slipway cannot name them).");
    }

    /**
     * FT.INFO does not report some options, so a snapshot cannot know them; say so where they could matter. When the
     * vector tuning was read, only INITIAL_CAP is unknown, and a plan does not say so: it only preallocates the vector
     * index's bookkeeping (about 20 bytes a slot for HNSW, 8 for FLAT, whatever the DIM; measured on Search 2.10), no
     * query sees it, and a warning in every plan of every vector index taught users to skip warnings (tester session
     * 52 R46 T2 F13). {@code index info}, whose schema a target is made from, still says it.
     */
    static Optional<String> hiddenAttributeWarning(SourceSnapshot source) {
        return source.vectorTuningRead() ? Optional.empty()
                : hiddenAttributeWarning(source.schema(), source.optionsRecorded(), false);
    }

    /**
     * The same, for a schema read from FT.INFO ({@code recorded}: completed from Slipway's version history instead);
     * {@code index info} warns too, for a target schema made from what it shows (tester session 47 R42 T1).
     */
    public static Optional<String> hiddenAttributeWarning(IndexSchema schema, boolean recorded,
                                                          boolean vectorTuningRead) {
        if (recorded) {
            return Optional.empty(); // Slipway created the index: its record has them (tester session 28, #6)
        }
        List<String> hidden = new ArrayList<>();
        if (schema.fields().stream().anyMatch(f -> f.type() == FieldType.VECTOR)) {
            hidden.add(vectorTuningRead ? "INITIAL_CAP (vector; BLOCK_SIZE, EF_RUNTIME and EPSILON were "
                    + "read with FT.DEBUG VECSIM_INFO)" : "INITIAL_CAP, BLOCK_SIZE, EF_RUNTIME, EPSILON (vector; "
                    + "FT.DEBUG VECSIM_INFO, which reports all but INITIAL_CAP, was refused or did not say)");
        }
        if (hidden.isEmpty()) {
            return Optional.empty();
        }
        String advice = vectorTuningRead ? "it, set it in the patch (update_fields) or the target schema, or the new "
                + "index will use the server default" : "any of them, set them in the patch (update_fields) or the "
                + "target schema, or the new index will use the server defaults";
        return Optional.of("FT.INFO does not report " + String.join(", ", hidden) + ". If '" + schema.name()
                + "' was created with " + advice + ".");
    }

    /** PHONETIC found by a probe query: FT.INFO says neither that nor the matcher, which the plan assumes. */
    static Optional<String> phoneticWarning(SourceSnapshot source) {
        return phoneticWarning(source.phoneticProbed(), source.physicalIndex());
    }

    /** The same, for the attributes a probe found PHONETIC on the physical index. */
    public static Optional<String> phoneticWarning(List<String> probed, String physicalIndex) {
        if (probed.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("PHONETIC found by a probe query on " + probed.stream()
                .map(f -> "'" + f + "'").collect(java.util.stream.Collectors.joining(", ")) + " of '"
                + physicalIndex + "'. FT.INFO does not report it nor its matcher, so the new index uses "
                + "PHONETIC dm:en (Redis has one phonetic algorithm, Double Metaphone, behind all four matchers); "
                + "set phonetic_matcher in the patch (update_fields) to record another.");
    }

}
