package dev.slipway.api;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.apply.Checkpoint;
import dev.slipway.internal.apply.CheckpointStore;
import dev.slipway.internal.apply.FilterCount;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.apply.MigrationLock;
import dev.slipway.internal.apply.OccupiedPrefix;
import dev.slipway.internal.apply.UnreadKeys;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.MigrationPlanner;
import dev.slipway.internal.plan.SchemaMerger;
import dev.slipway.internal.plan.SharedKeyEffect;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SampledDocuments;
import dev.slipway.internal.schema.FilterExpressions;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.IndexStats;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Slipway#plan}'s work on one connection: the refusals that need the live index and Slipway's records, the
 * snapshot, what the sampled documents hold where the target reads anew, the planner, and the warnings of what the
 * live index shows that the planner's inputs do not say. Reads only.
 */
final class LivePlanning {
    private final RedisSession session;
    private final KeyNamespace keys;

    LivePlanning(RedisSession session, KeyNamespace keys) {
        this.session = session;
        this.keys = keys;
    }

    MigrationPlan plan(PlanRequest request) {
        LiveIndexReader reader = new LiveIndexReader(session);
        HistoryStore histories = new HistoryStore(session, keys);
        VersionHistory history = histories.load(request.index());
        Optional<IndexInfo> found = reader.find(request.index());
        if (history.versions().isEmpty()) {
            // planning a version itself would drop it, and Slipway's alias with it (tester session 23)
            histories.refuseVersionName(request.index(), "Plan the change");
            found.ifPresent(info -> histories.refuseAliasOfVersion(request.index(), info.schema().name()));
        }
        if (found.isEmpty()) {
            refuseWhileUnfinished(session, request.index());
        }
        Optional<IndexSchema> recorded = found.flatMap(info -> history.entry(info.schema().name()))
                .map(VersionHistory.VersionEntry::schema);
        // versions are numbered past everything in use, hand-built `name:vN` indexes included
        int latest = Math.max(history.latestVersion(), reader.highestVersionIndex(request.index()));
        // and past aliases named like one (a served name 'a:v2', a user's alias 'docs:v3'), which FT._LIST does not
        // list: the plan took such a name, apply refused it, and every new plan took it again (tester session 55
        // R51 M1); an adoption needs the next two
        for (int tries = 0; tries < 100 && (reader.find(request.index() + ":v" + (latest + 1)).isPresent()
                || reader.find(request.index() + ":v" + (latest + 2)).isPresent()); tries++) {
            latest++;
        }
        IndexInfo info = found.orElseThrow(() -> reader.unknownIndex(request.index()));
        SourceSnapshot live = reader.snapshot(request.index(), info, recorded, latest);
        IndexSchema target = sameFilterAsLive(live.schema(), request.targetSchema()
                .map(schema -> servedNameAsLive(live, schema))
                .orElseGet(() -> merge(live, request.patch().orElseThrow(), request.patchSource(),
                        request.patchLines())));
        SourceSnapshot source = withNewPathsSampled(new SampledDocuments(session), withTargetPrefixSharing(reader, live,
                target), target);
        // what the server said it has no command for (renamed or disabled), that the plan's messages say so (R43 T3 F7)
        source = source.withServer(source.server().withUnknownCommands(session.unknownCommands())
                .withCommandErrors(session.commandErrors(ServerInfo.OPTIONAL_READS)));
        Map<String, String> renames = new LinkedHashMap<>();
        request.patch().ifPresent(p -> p.renameFields().forEach(r -> renames.put(r.oldName(), r.newName())));
        MigrationPlan first = MigrationPlanner.plan(source, request.patch(), target, renames, request.mode(), keys,
                request.allowSharedKeys(), Instant.now());
        Optional<SourceSnapshot> narrowed = first.rewrite().flatMap(rewrite -> withUnaffectedLeftOut(reader,
                first.source(), rewrite));
        MigrationPlan plan = first;
        if (narrowed.isPresent()) { // planned again over the indexes the rewrite changes anything for
            List<String> unaffected = new java.util.ArrayList<>(first.source().sharedKeyIndexes());
            unaffected.removeAll(narrowed.get().sharedKeyIndexes());
            plan = MigrationPlanner.withWarning(MigrationPlanner.plan(narrowed.get(), request.patch(), target,
                    renames, request.mode(), keys, request.allowSharedKeys(), Instant.now()), "Indexes " + unaffected
                    + " cover keys of '" + first.source().indexName() + "' too, but read none of the fields this "
                    + "rewrite changes (and it moves no key): it changes nothing they index.");
        }
        return withUndecodableBlocked(found, withForeignVersionWarning(history, found, withUnfinishedWarning(session,
                withFilterFigure(session, withLanguageChecked(session, withOccupiedPrefixWarning(session,
                        withLiveIndexWarnings(session, info, plan)))))));
    }

    /**
     * Keys already under the new prefix of a move, which apply refuses ({@link OccupiedPrefix}): said at review
     * time, not only by apply (tester session 51 R44 T2 F8).
     */
    private static MigrationPlan withOccupiedPrefixWarning(RedisSession session, MigrationPlan plan) {
        return plan.rewrite().flatMap(rewrite -> OccupiedPrefix.find(session, rewrite))
                .map(occupied -> MigrationPlanner.withWarning(plan, occupied.described() + ". Apply refuses the move "
                        + "while any key is there: move or delete them, or choose another prefix, and plan again."))
                .orElse(plan);
    }

    /**
     * A schema whose prefixes, field names, FILTER or stop words are not UTF-8 text cannot be carried in a plan: the
     * new index would be created with U+FFFD in their place (tester session 47 R42 T1: a Latin-1 prefix made an
     * index of 0 documents in both strategies, a Latin-1 field name one that matched nothing; apply exited 0).
     */
    private static MigrationPlan withUndecodableBlocked(Optional<IndexInfo> found, MigrationPlan plan) {
        return found.map(IndexInfo::undecodable).filter(parts -> !parts.isEmpty())
                .map(parts -> MigrationPlanner.withBlockedReason(plan, undecodableReason(plan.source().indexName(),
                        parts))).orElse(plan);
    }

    /** Why an index with parts that are not UTF-8 text cannot be migrated (also warned of by {@code describe}). */
    static String undecodableReason(String index, List<String> parts) {
        return "index '" + index + "' has parts that are not UTF-8 text (" + String.join(", ", parts) + "; bytes "
                + "escaped as \\xHH). Slipway reads and writes schemas as text, so an index it created would read "
                + "other keys or fields than these bytes name and hold none of the documents: it cannot migrate this "
                + "index. Change it by hand (redis-cli passes the bytes through), or rename the keys or fields to "
                + "UTF-8 text first";
    }

    /**
     * The name is served through an alias by a Slipway version ({@code name:vN}) this namespace's history does not
     * know: it was made under another key namespace (or switched by hand), and a migration here starts a second
     * version history of the name (tester session 46 R41: two namespaces' rollbacks undid each other's versions).
     */
    private MigrationPlan withForeignVersionWarning(VersionHistory history, Optional<IndexInfo> found,
                                                    MigrationPlan plan) {
        String name = plan.source().indexName();
        Optional<String> foreign = found.filter(IndexInfo::isAlias).map(i -> i.schema().name())
                .filter(physical -> history.entry(physical).isEmpty())
                .filter(physical -> !history.versions().isEmpty() || LiveIndexReader.isVersionName(name, physical));
        return foreign.map(physical -> MigrationPlanner.withWarning(plan, "'" + name + "' is served by '" + physical
                + "', a version Slipway's history in key namespace " + keys.prefix() + " does not know: it was made "
                + "under another --namespace (plan and apply there), or the alias was switched by hand. Applied here, "
                + "this migration starts a second version history of '" + name + "'; a plain rollback in either "
                + "namespace is then refused while the other's version serves the name.")).orElse(plan);
    }

    /**
     * A new default language the server does not know blocks the plan: FT.CREATE would refuse it, found only by
     * apply's schema check before (tester session 45 R40 F8). Asked read-only, as a query's LANGUAGE over the live
     * index, so that the server's own list decides; a refusal for another reason (an ACL) leaves it to apply.
     */
    private static MigrationPlan withLanguageChecked(RedisSession session, MigrationPlan plan) {
        String language = plan.targetSchema().language();
        if (language.equals(plan.source().schema().language())) {
            return plan;
        }
        try {
            session.call("FT.SEARCH", plan.source().physicalIndex(), "*", "LANGUAGE", language, "LIMIT", "0", "0");
            return plan;
        } catch (RedisCommandException e) {
            if (!e.serverMessage().toLowerCase(java.util.Locale.ROOT).contains("no such language")) {
                return plan;
            }
            return MigrationPlanner.withBlockedReason(plan, "the language '" + language + "' is not one the server "
                    + "knows (a query with LANGUAGE " + language + " over the live index: " + e.serverMessage().strip()
                    + "), so it would refuse to create the index. Give one of Redis Search's languages (english, "
                    + "french, german, spanish, chinese, ...) in the patch (under 'index:') or the target schema",
                    "index.language");
        }
    }

    /**
     * A target schema named after the name applications query, where that name is an alias of the live index (a
     * Slipway version {@code name:vN}, or the user's own alias): the same index, so no rename. Before, it was
     * planned as a rename of the version to the alias's own name and blocked, so a target kept in code planned
     * once and never again (tester session 47 R42 T2 F1).
     */
    static IndexSchema servedNameAsLive(SourceSnapshot live, IndexSchema target) {
        return target.name().equals(live.indexName()) && !target.name().equals(live.schema().name())
                ? target.toBuilder().name(live.schema().name()).build() : target;
    }

    /**
     * {@code target} with the live FILTER's text when the two differ only in whitespace outside string literals:
     * nothing the server evaluates changes, so nothing is planned for it (tester session 43 R37 F7).
     */
    static IndexSchema sameFilterAsLive(IndexSchema live, IndexSchema target) {
        return live.filter().isPresent() && target.filter().isPresent()
                && FilterExpressions.sameExpression(live.filter().get(), target.filter().get())
                ? target.toBuilder().filter(live.filter().get()).build() : target;
    }

    /** Whether the server refused a FILTER as an expression it cannot parse, which FT.CREATE refuses too. */
    private static boolean unparsed(String refusal) {
        return refusal.contains("Syntax error") || refusal.contains("Unknown function");
    }

    /**
     * For a FILTER added or changed over the same prefixes, how many documents of the live index it admits
     * ({@link FilterCount}): the plan said only that the set of documents may change (tester session 40 R29 L7).
     */
    private static MigrationPlan withFilterFigure(RedisSession session, MigrationPlan plan) {
        IndexSchema source = plan.source().schema();
        IndexSchema target = plan.targetSchema();
        if (target.filter().isEmpty() || target.filter().equals(source.filter())
                || !target.prefixes().equals(source.prefixes())) {
            return plan;
        }
        String index = plan.source().indexName();
        // the live index reads an attribute the patch adds or redefines otherwise, or not at all (tester session 42
        // R34 N4: "admits none" of 19,950 for exists(@cost) with cost new, "serves 19,950" for !exists(@cost))
        Optional<String> redefined = FilterExpressions.attributes(target.filter().get()).stream()
                .filter(name -> !name.equals(FilterExpressions.KEY) && target.field(name).isPresent()
                        && !target.field(name).equals(source.field(name))).findFirst();
        String[] refusal = {""};
        java.util.OptionalLong admitted = FilterCount.admitted(session, index, target.filter().get(),
                said -> refusal[0] = said);
        if (redefined.isPresent() && !unparsed(refusal[0])) { // a syntax error is found all the same (R39 F6b)
            return MigrationPlanner.withWarning(plan, "How many documents the new FILTER admits is not counted as the "
                    + "plan is made: it reads '@" + redefined.get() + "', which this patch adds or changes, so the "
                    + "live index cannot evaluate it. After apply, validation counts what it admits.");
        }
        if (admitted.isEmpty() && refusal[0].startsWith("NOPERM")) { // the user's rights, not the expression (R35)
            return MigrationPlanner.withWarning(plan, "How many documents the new FILTER admits could not be counted: "
                    + "this user may not run FT.AGGREGATE (" + refusal[0] + ").");
        }
        if (admitted.isEmpty() && unparsed(refusal[0])) {
            // FT.CREATE refuses it too: apply would stop before its first change (tester session 44 R38 F4)
            return MigrationPlanner.withBlockedReason(plan, "the new FILTER '" + target.filter().get() + "' is not an "
                    + "expression the server parses (FT.AGGREGATE with it over the live index: " + refusal[0]
                    + "), so the server would refuse to create the index. Correct it in the patch (under 'index:')",
                    "index.filter");
        }
        if (admitted.isEmpty()) {
            // an expression the server cannot evaluate admits no document (R34: 19,950 served before, 0 after)
            return MigrationPlanner.withWarning(plan, "How many documents the new FILTER admits could not be counted: "
                    + "the server would not evaluate it over the live index (FT.AGGREGATE: " + refusal[0] + "). An "
                    + "expression the server cannot evaluate for a document leaves that document out; check it "
                    + "before applying.");
        }
        long held = plan.source().numDocs();
        long kept = admitted.getAsLong();
        if (kept == 0 && held > 0) {
            return MigrationPlanner.withWarning(plan, "The new FILTER admits none of the " + held + " documents '"
                    + index + "' holds (FT.AGGREGATE with it over the live index, as the plan was made): the new "
                    + "version would serve no document. Check the expression (quotes, attribute names, types) "
                    + "before applying" + failuresUncounted(plan.source().indexingFailures()) + ".");
        }
        return MigrationPlanner.withWarning(plan, "The new FILTER admits " + kept + " of the " + held + " documents '"
                + index + "' holds (FT.AGGREGATE with it over the live index, as the plan was made): the new version "
                + "serves at most " + kept + ", fewer if its schema fails on some" + (kept < held
                ? ", and leaves the other " + (held - kept) + " out of every query (their keys stay)" : "")
                + (source.filter().isPresent() ? ". Documents today's FILTER leaves out are not counted; the new one "
                + "may admit some of them" : "")
                + failuresUncounted(plan.source().indexingFailures()) + ".");
    }

    private static String failuresUncounted(long failures) {
        return failures == 0 ? "" : ". " + Wording.count(failures, "document", "documents") + " it fails on "
                + (failures == 1 ? "is" : "are") + " not counted";
    }

    /** Warnings of what the live index shows as the plan is made, which the planner's inputs do not say. */
    private static MigrationPlan withLiveIndexWarnings(RedisSession session, IndexInfo live, MigrationPlan plan) {
        IndexStats stats = live.stats();
        String index = plan.source().indexName();
        if (!stats.fullyIndexed()) {
            // the counts and estimates are of the documents indexed so far (tester session 35 R19 L6: 4,880
            // planned of 20,000, with no word of it)
            return MigrationPlanner.withWarning(plan, "Index '" + index + "' was still indexing when this plan was "
                    + "made (" + Math.round(stats.percentIndexed() * 1000) / 10.0 + "% done): the document counts, "
                    + "durations and memory below are of the " + plan.source().numDocs() + " documents it had "
                    + "indexed then. Plan again once FT.INFO reports percent_indexed 1.");
        }
        if (plan.source().optionsRecorded()) {
            return plan; // Slipway built it from every key
        }
        java.util.OptionalLong unread = UnreadKeys.atLeast(session, live.schema());
        return unread.isEmpty() ? plan : MigrationPlanner.withWarning(plan, "Index '" + index + "' neither holds "
                + "nor counts as indexing failures " + (unread.getAsLong() == 1 ? "a key" : "at least "
                + unread.getAsLong() + " keys") + " under its prefixes: it never read them, as an index created "
                + "SKIPINITIALSCAN does with the keys that existed then (FT.INFO does not report the option). The new "
                + "index reads every key under its prefixes, so it will serve those documents too; if they must stay "
                + "out of it, give it a FILTER that leaves them out (in the patch, under 'index:').");
    }

    /**
     * What the sampled documents hold where the target reads anew: the words of a new TEXT field (the memory
     * estimate), values of another size than a new vector field's (tester session 31 R11 M3: found only after a
     * drop-recreate rebuilt the index), and for a JSON index whether they hold a new path at all (tester session 30:
     * a path update to a misspelt path applied, validated and left the field matching nothing).
     */
    private static SourceSnapshot withNewPathsSampled(SampledDocuments documents, SourceSnapshot source,
                                                      IndexSchema target) {
        if (source.keySample().isEmpty()) {
            return source;
        }
        boolean json = source.schema().storageType() == dev.slipway.api.schema.StorageType.JSON;
        List<String> newText = newFields(source.schema(), target, t -> t == FieldType.TEXT).stream()
                .map(FieldSchema::path).toList();
        if (!newText.isEmpty()) {
            source = source.withWordsSampled(documents.wordsPerDocument(source.keySample(), newText, json));
        }
        Map<String, Long> otherSize = new java.util.TreeMap<>();
        for (FieldSchema field : newFields(source.schema(), target, t -> t == FieldType.VECTOR)) {
            if (field.attrs().get("dims") instanceof Number dims) {
                int width = dev.slipway.internal.vector.VectorMemory.width(String.valueOf(field.attrs()
                        .get("datatype")));
                otherSize.put(field.path(), documents.vectorsOfOtherSize(source.keySample(), field.path(),
                        dims.intValue(), width, json));
            }
        }
        if (!otherSize.isEmpty()) {
            source = source.withVectorsOfOtherSize(otherSize);
        }
        if (!json && widensVectors(source.schema(), target)) { // a listpack outgrown becomes a hash table (R13 L1)
            SampledDocuments.Encodings encodings = documents.encodings(source.keySample());
            source = source.withEncodingsSampled(encodings.counts(), encodings.listpackFields());
        }
        List<String> added = newFields(source.schema(), target, t -> true).stream().map(FieldSchema::path).toList();
        // hash fields too: a field pointed at one no document has matched nothing, with no warning (R40 F3)
        return added.isEmpty() ? source : source.withPathsHeld(documents.pathsHeld(source.keySample(), added, json));
    }

    /** Whether a vector field of the target is wider than one of the live schema's (float16 to float32, say). */
    private static boolean widensVectors(IndexSchema live, IndexSchema target) {
        java.util.function.ToIntFunction<FieldSchema> width = f -> dev.slipway.internal.vector.VectorMemory.width(
                String.valueOf(f.attrs().get("datatype")));
        int narrowest = live.fields().stream().filter(f -> f.type() == FieldType.VECTOR).mapToInt(width).min()
                .orElse(Integer.MAX_VALUE);
        return target.fields().stream().filter(f -> f.type() == FieldType.VECTOR).mapToInt(width)
                .anyMatch(w -> w > narrowest);
    }

    /**
     * The target's fields of the kinds given whose document field no field of those kinds in the live schema reads,
     * one per document field.
     */
    private static List<FieldSchema> newFields(IndexSchema live, IndexSchema target,
                                               java.util.function.Predicate<FieldType> kind) {
        java.util.Set<String> read = new java.util.HashSet<>();
        live.fields().stream().filter(f -> kind.test(f.type())).forEach(f -> read.add(f.path()));
        return target.fields().stream().filter(f -> kind.test(f.type()) && read.add(f.path())).toList();
    }

    /**
     * The snapshot with only the other indexes over the keys that the rewrite changes anything for
     * ({@link SharedKeyEffect}); empty when that is every one of them.
     */
    private static Optional<SourceSnapshot> withUnaffectedLeftOut(LiveIndexReader reader, SourceSnapshot source,
                                                                RewriteSpec rewrite) {
        if (source.sharedKeyIndexes().isEmpty() || rewrite.targetPrefix().isPresent()) {
            return Optional.empty();
        }
        Map<String, IndexSchema> others = reader.schemas(source.sharedKeyIndexes());
        if (others.size() < source.sharedKeyIndexes().size()) {
            return Optional.empty(); // one is gone since: the plan as it is, which apply judges again
        }
        List<String> affected = SharedKeyEffect.affected(rewrite, others);
        return affected.size() == others.size() ? Optional.empty()
                : Optional.of(source.withSharedKeyIndexes(affected));
    }

    /** Keys moved to a new prefix are shared with every index that covers that prefix too. */
    private static SourceSnapshot withTargetPrefixSharing(LiveIndexReader reader, SourceSnapshot source,
                                                          IndexSchema target) {
        if (target.prefixes().equals(source.schema().prefixes())) {
            return source;
        }
        java.util.Set<String> shared = new java.util.TreeSet<>(source.sharedKeyIndexes());
        shared.addAll(reader.sharedKeyIndexes(target.withName(source.physicalIndex()), source.indexName()));
        return source.withSharedKeyIndexes(List.copyOf(shared));
    }

    /**
     * An index that is missing because an unfinished migration dropped it (drop-recreate, a rewrite) is not
     * "unknown": say which migration and how to finish or undo it (tester session 28).
     */
    private void refuseWhileUnfinished(RedisSession session, String index) {
        Optional<Checkpoint> unfinished = new CheckpointStore(session, keys).load(index)
                .filter(c -> c.status() != Checkpoint.Status.COMPLETED);
        if (unfinished.isEmpty()) {
            return;
        }
        MigrationLock.refuseIfHeld(session, keys, index); // running now: wait, not finish (tester R43 T1 F2)
        Checkpoint c = unfinished.get();
        String undo = c.backupDir().isEmpty() ? "'slipway rollback --index " + index + "'"
                : "'slipway rollback --backup-dir " + c.backupDir() + "'";
        String migration = "Index '" + index + "' does not exist now: a migration of it (plan " + c.planId() + ", "
                + c.status().name() + ", steps done: " + (c.completedSteps().isEmpty() ? "none"
                : String.join(", ", c.completedSteps())) + ") is unfinished. ";
        if (c.status() == Checkpoint.Status.ROLLING_BACK) { // apply refuses then: only the rollback may go on
            throw new SlipwayException(ErrorCode.BAD_USAGE, migration + "Its rollback began and did not finish: "
                    + "finish it with " + undo + ", then plan the next change. Nothing was changed.");
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, migration + "First " + c.finishOrUndo() + "; then plan the "
                + "next change. Nothing was changed.");
    }

    /**
     * A warning that another plan's migration of the index is unfinished, so that apply will refuse this plan until
     * it is finished or undone (tester session 40 R29 L4: plan said nothing, and apply's refusal named only
     * finishing it).
     */
    private MigrationPlan withUnfinishedWarning(RedisSession session, MigrationPlan plan) {
        Optional<Checkpoint> unfinished = new CheckpointStore(session, keys).load(plan.source().indexName())
                .filter(c -> c.status() != Checkpoint.Status.COMPLETED);
        if (unfinished.isEmpty()) {
            return plan;
        }
        Checkpoint c = unfinished.get();
        String index = plan.source().indexName();
        return MigrationPlanner.withWarning(plan, c.status() == Checkpoint.Status.ROLLING_BACK
                ? "A rollback of '" + index + "' from its backup (plan " + c.planId() + ") did not finish: apply "
                + "refuses this plan until 'slipway rollback --backup-dir " + c.backupDir() + "' has finished it."
                : "Index '" + index + "' has an unfinished migration of another plan (" + c.planId() + ", "
                + c.status().name().toLowerCase(java.util.Locale.ROOT) + "): apply refuses this plan until it is "
                + "finished or undone. First " + c.finishOrUndo() + " (once it is finished, the index has changed: "
                + "plan this change again).");
    }

    /**
     * The live schema with the patch applied; a patch that does not fit is named by its file if known (R43 T1 F5), and
     * each of its entries that does not fit by its line when known (tester session 52 R46 T2 F5).
     */
    private static IndexSchema merge(SourceSnapshot source, SchemaPatch patch, Optional<String> patchSource,
                                     Map<String, Integer> patchLines) {
        SchemaMerger.Result merged = SchemaMerger.merge(source.schema(), patch);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < merged.problems().size(); i++) {
            Integer line = patchLines.get(merged.entries().get(i));
            problems.add((line == null ? "" : "line " + line + ": ") + merged.problems().get(i));
        }
        return merged.target().orElseThrow(() -> new SlipwayException(ErrorCode.MALFORMED_INPUT,
                "The patch " + patchSource.map(file -> file + " ").orElse("") + "does not fit index '"
                        + source.indexName() + "'. Fix the patch (see 'slipway index info " + source.indexName()
                        + "') and re-run 'slipway plan'.", problems, null));
    }
}
