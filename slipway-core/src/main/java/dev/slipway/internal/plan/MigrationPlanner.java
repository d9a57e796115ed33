package dev.slipway.internal.plan;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.CostEstimate;
import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.TemporaryIndex;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.io.Digests;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.vector.VectorMemory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes a {@link MigrationPlan} from a snapshot and a target. Pure: it reads nothing from Redis and writes
 * nothing, so the same inputs always give the same plan (apart from the timestamp).
 */
public final class MigrationPlanner {
    /** Documents per second assumed when the server does not say how long the source took to index. */
    static final double ASSUMED_INDEX_RATE = 20_000;

    private MigrationPlanner() {
    }

    /**
     * Plans the migration.
     *
     * @param source        the live index
     * @param patch         the requested patch, when planning from one
     * @param target        the merged target schema
     * @param renames       field renames of the patch (old to new)
     * @param requestedMode the mode asked for; empty for automatic choice
     * @param keys          Slipway's key namespace (the steps name its keys)
     * @param allowSharedKeys whether rewriting documents that other indexes also cover is accepted
     * @param now           the plan's timestamp
     */
    public static MigrationPlan plan(SourceSnapshot source, Optional<SchemaPatch> patch, IndexSchema target,
                                     Map<String, String> renames, Optional<MigrationMode> requestedMode,
                                     KeyNamespace keys, boolean allowSharedKeys, Instant now) {
        List<SchemaChange> changes = ChangeClassifier.classify(source.schema(), target, renames);
        List<String> blocked = new ArrayList<>();
        changes.stream().filter(c -> !c.supported())
                .forEach(c -> blocked.add(c.kind().name().toLowerCase() + " of " + c.subject() + " (" + c.from()
                        + " -> " + c.to() + "): " + c.reason()));
        blocked.addAll(ServerCompatibility.missingFeatures(target, source.server()));
        target.fields().stream() // found only by apply's schema check before (tester session 45 R40 F8)
                .filter(f -> f.type() == FieldType.VECTOR && !(f.attrs().get("dims") instanceof Number))
                .forEach(f -> blocked.add("vector field '" + f.name() + "' has no dims: the server needs the number "
                        + "of dimensions of its vectors (attrs: {dims: N})"));
        Optional<RewriteSpec> rewrite = RewritePlanner.spec(source, target, changes, renames);
        if (rewrite.isPresent() && !source.sharedKeyIndexes().isEmpty() && !allowSharedKeys) {
            blocked.add("indexes " + source.sharedKeyIndexes() + " also cover keys of '" + source.indexName()
                    + "'; rewriting the documents changes what they index (another index expecting the old vector "
                    + "bytes would drop or fail those documents). Migrate them separately, or pass "
                    + "--allow-shared-keys to accept the effect on them");
        }
        rewrite.flatMap(RewriteSpec::targetPrefix).filter(to -> target.filter().equals(source.schema().filter()))
                .ifPresent(to -> target.filter().filter(f -> f.contains("__key")).ifPresent(f -> blocked.add(
                        "the index's filter '" + f + "' reads the key (@__key), which the move to prefix '" + to
                        + "' changes: the new index would judge every moved document by its new key. Write in the "
                        + "same patch (under 'index:') the filter the moved "
                        + "keys must pass, or leave the prefix as it is")));
        if (rewrite.isPresent() && changes.stream().anyMatch(c -> c.subject().equals(ChangeClassifier.PREFIXES))) {
            // the rewrite reads the documents under the current prefixes: those under an added prefix kept the old
            // form, and validation failed after the rewrite (tester session 41 R31 F2)
            blocked.add("the patch changes the index's prefix list and rewrites documents: the rewrite converts the "
                    + "documents under the current prefixes only, so those under an added prefix would keep the old "
                    + "form (and those under a removed one would be converted for nothing). Change the prefix list in "
                    + "a migration of its own, before or after this one");
        }
        source.temporary().ifPresent(kind -> blocked.add(temporaryReason(source.physicalIndex(), kind)));
        StrategyChoice choice = StrategyChoice.choose(source, target, changes, requestedMode, keys, rewrite);
        blocked.addAll(choice.blockedReasons());
        List<PlanStep> steps = choice.steps();
        MigrationPlan.ValidationPolicy validation = new MigrationPlan.ValidationPolicy(true,
                changes.stream().noneMatch(c -> c.subject().equals("index.filter")
                        || c.subject().equals(ChangeClassifier.PREFIXES)), choice.countBaseline());
        List<String> warnings = warnings(source, target, changes, choice);
        rewrite.ifPresent(r -> warnings.addAll(rewriteWarnings(r, source, target, allowSharedKeys)));
        rewrite.flatMap(RewriteSpec::targetPrefix).flatMap(to -> keys.keyUnder(to, java.util.Set.of(
                source.indexName()))).ifPresent(key -> warnings.add("Slipway's key namespace '" + keys.prefix()
                + "' puts its own keys (such as " + key + ") under the new key prefix, so apply refuses to run with "
                + "it: apply with a --namespace outside the index's key prefixes."));
        aliasesDroppedWarning(source, steps).ifPresent(warnings::add);
        warnings.addAll(unheldPathWarnings(source, target, rewrite));
        warnings.addAll(otherSizeWarnings(source, target));
        rewrite.flatMap(r -> unreadListpackWarning(source, r)).ifPresent(warnings::add);
        rewrite.flatMap(r -> unreadEncodingWarning(source, r)).ifPresent(warnings::add);
        CostEstimate estimate = estimate(source, target, choice.mode(), rewrite);
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
        MigrationPlan draft = new MigrationPlan(MigrationPlan.FORMAT_VERSION, "", now, source, patch, choice.target(),
                changes, blocked.isEmpty(), blocked, choice.mode(), choice.reason(), warnings, steps, estimate,
                validation, rewrite, "", keys.prefix());
        return withId(draft, planId(draft));
    }

    /**
     * Refuses a plan this version cannot read or that was edited after it was made: another format version, content
     * that does not give its id, or changes listed as blocked in a plan that says it is supported (those lists are
     * not in the digest, since apply does not act on them, but a file that shows a blocked change must not run).
     *
     * @param what   the file, for the message ("The plan file", "The plan in /backup/plan.yaml")
     * @param advice what to do about an edited one
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT}
     */
    public static void requireIntact(MigrationPlan plan, String what, String advice) {
        if (plan.formatVersion() != MigrationPlan.FORMAT_VERSION) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " has format version "
                    + plan.formatVersion() + "; this Slipway reads version " + MigrationPlan.FORMAT_VERSION
                    + ". Nothing was changed. " + advice);
        }
        String expectedId = planId(plan);
        if (!expectedId.equals(plan.planId())) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made "
                    + "(its content gives id " + expectedId + ", the file says " + plan.planId() + "). Nothing was "
                    + "changed. " + advice);
        }
        if (!plan.reviewDigest().isEmpty() && !plan.reviewDigest().equals(reviewDigest(plan))) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made, in what it "
                    + "shows a reviewer (the changes, the requested patch, reasons, warnings or the estimate), which "
                    + "apply does not act on: an edit there changes nothing apply does. Nothing was changed. "
                    + advice);
        }
        boolean blockedListed = !plan.blockedReasons().isEmpty()
                || plan.changes().stream().anyMatch(c -> !c.supported());
        if (plan.supported() && blockedListed) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, what + " was edited after it was made: it says "
                    + "it is supported but lists blocked changes. Nothing was changed. " + advice);
        }
    }

    /** {@link #requireIntact(MigrationPlan, String, String)} for a plan file a user passes. */
    public static void requireIntact(MigrationPlan plan) {
        requireIntact(plan, "The plan file", "Change the patch instead and re-run 'slipway plan'.");
    }

    /** The identifier of a plan: a digest of everything apply acts on, so that an edited plan is detected. */
    public static String planId(MigrationPlan plan) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("source", plan.source());
        content.put("target", plan.targetSchema());
        content.put("mode", plan.mode());
        content.put("steps", plan.steps());
        content.put("supported", plan.supported());
        content.put("validation", plan.validation());
        content.put("rewrite", plan.rewrite());
        if (!plan.keyNamespace().isEmpty()) { // absent from plans made before it, whose ids stay as they were
            content.put("key_namespace", plan.keyNamespace());
        }
        return Digests.shortSha256(PlanCodec.canonicalJson(content));
    }

    /**
     * The plan with one more warning, its id worked out anew: for what the planner's inputs do not say, such as a
     * source index still indexing when its snapshot was taken.
     */
    public static MigrationPlan withWarning(MigrationPlan p, String warning) {
        List<String> warnings = new ArrayList<>(p.warnings());
        warnings.add(warning);
        return rebuilt(p, p.supported(), p.blockedReasons(), warnings);
    }

    /**
     * The plan blocked for one more reason, its id worked out anew: for what only the live server can tell, such as
     * a FILTER it cannot parse.
     */
    public static MigrationPlan withBlockedReason(MigrationPlan p, String reason) {
        List<String> blocked = new ArrayList<>(p.blockedReasons());
        blocked.add(reason);
        return rebuilt(p, false, blocked, p.warnings());
    }

    /** {@code p} with these reasons and warnings, its id and review digest worked out anew. */
    private static MigrationPlan rebuilt(MigrationPlan p, boolean supported, List<String> blocked,
                                         List<String> warnings) {
        MigrationPlan draft = new MigrationPlan(p.formatVersion(), "", p.createdAt(), p.source(), p.requestedPatch(),
                p.targetSchema(), p.changes(), supported, blocked, p.mode(), p.modeReason(), warnings, p.steps(),
                p.estimate(), p.validation(), p.rewrite(), "", p.keyNamespace());
        return withId(draft, planId(draft));
    }

    private static MigrationPlan withId(MigrationPlan p, String id) {
        return new MigrationPlan(p.formatVersion(), id, p.createdAt(), p.source(), p.requestedPatch(),
                p.targetSchema(), p.changes(), p.supported(), p.blockedReasons(), p.mode(), p.modeReason(),
                p.warnings(), p.steps(), p.estimate(), p.validation(), p.rewrite(), reviewDigest(p),
                p.keyNamespace());
    }

    /** The digest of what a reviewer reads and the plan id does not cover ({@link MigrationPlan#reviewDigest}). */
    static String reviewDigest(MigrationPlan plan) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("changes", plan.changes());
        content.put("requested_patch", plan.requestedPatch());
        content.put("blocked_reasons", plan.blockedReasons());
        content.put("mode_reason", plan.modeReason());
        content.put("warnings", plan.warnings());
        content.put("estimate", plan.estimate());
        return Digests.shortSha256(PlanCodec.canonicalJson(content));
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
        }
        return warnings;
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
    static Optional<String> aliasesDroppedWarning(SourceSnapshot source, List<PlanStep> steps) {
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
                .reduce((a, b) -> b).orElse("<new index>") + ") or query '" + source.indexName() + "' instead.");
    }

    /** FT.INFO does not report some options, so a snapshot cannot know them; say so where they could matter. */
    static Optional<String> hiddenAttributeWarning(SourceSnapshot source) {
        return hiddenAttributeWarning(source.schema(), source.optionsRecorded(), source.vectorTuningRead());
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

    private static List<String> rewriteWarnings(RewriteSpec rewrite, SourceSnapshot source, IndexSchema target,
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

    private static CostEstimate estimate(SourceSnapshot source, IndexSchema target, MigrationMode mode,
                                         Optional<RewriteSpec> rewrite) {
        boolean measured = source.indexingMillis() > 0 && source.numDocs() > 0;
        double reindex = measured ? source.indexingMillis() / 1000.0
                : source.numDocs() / ASSUMED_INDEX_RATE;
        String basis = measured ? "re-index time from the source index's total_indexing_time"
                : "re-index time assumes " + (long) ASSUMED_INDEX_RATE + " documents/second";
        boolean zeroDowntime = mode == MigrationMode.ZERO_DOWNTIME;
        long growth = IndexMemoryModel.documentGrowth(rewrite, IndexMemoryModel.hashShape(source));
        long extra = StrategyChoice.extraMemory(source, target, mode) + growth;
        long rewritten = rewrite.map(RewriteSpec::documents).orElse(0L);
        return new CostEstimate(source.numDocs() + source.indexingFailures(), round(reindex),
                zeroDowntime ? 0 : round(reindex), extra, rewritten,
                basis + "; memory from FT.INFO of the source index, its vector indexes sized anew from the "
                        + "target schema, x" + StrategyChoice.MEMORY_OVERHEAD + " for allocator overhead"
                        + (growth > 0 ? ", plus " + StrategyChoice.mib(growth) + " the documents grow by as their "
                        + "vectors widen" : ""));
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
