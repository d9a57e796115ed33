package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.StepKind;
import dev.slipway.internal.io.UserWarnings;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.MigrationPlanner;
import dev.slipway.internal.plan.PlanWarnings;
import dev.slipway.internal.plan.ServerCompatibility;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.plan.ZeroDowntimeStrategy;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.SchemaProbeName;
import dev.slipway.internal.rewrite.AdmissionMemory;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.internal.version.VersionHistory;

import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.redis.ProbeLease;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.schema.FtCreateArguments;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read-only checks {@code apply} makes before it changes anything: the plan is supported and unedited, the
 * server can run the target, and the live index still matches the snapshot.
 */
public final class PlanPreconditions {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PlanPreconditions.class);
    private PlanPreconditions() {
    }

    /** Checks that need no Redis: the plan is unedited and supported. */
    public static void checkPlan(MigrationPlan plan) {
        MigrationPlanner.requireIntact(plan);
        if (!plan.supported()) {
            throw new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "The plan for '" + plan.source().indexName()
                    + "' contains changes Slipway cannot apply; nothing was changed. Remove them from the patch "
                    + "and re-run 'slipway plan'.", plan.blockedReasons(), null);
        }
    }

    /**
     * Refuses a plan made under another key namespace: this run would not see the lock, checkpoint and version
     * history the plan's steps name, so two runs could migrate one index at once and split its history (tester
     * session 45 R40 F2). A plan made before the namespace was recorded runs under any.
     *
     * @param command what refuses, for the message ("apply", "validate")
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE}
     */
    public static void requireNamespace(MigrationPlan plan, KeyNamespace keys, String command) {
        if (!plan.keyNamespace().isEmpty() && !plan.keyNamespace().equals(keys.prefix())) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The plan for '" + plan.source().indexName() + "' was "
                    + "made with --namespace " + plan.keyNamespace() + ", where Slipway keeps that index's lock, "
                    + "checkpoint and version history; this " + command + " uses " + keys.prefix() + ", where it "
                    + "would see none of them. Nothing was changed. Re-run 'slipway " + command + "' with --namespace "
                    + plan.keyNamespace() + " (Slipway.Configuration.keyNamespace in the library), or make a new plan "
                    + "under " + keys.prefix() + ".");
        }
    }

    /**
     * Asks the server whether it accepts the target schema, by creating it under a throwaway name with a prefix no
     * key has and dropping it at once. Without this a drop-recreate could drop the live index and then have its
     * FT.CREATE rejected (an unknown language, a vector parameter out of bounds), leaving nothing in its place.
     * While the probe exists, the server also parses every query check against it ({@code FT.EXPLAIN}): a query it
     * cannot parse would otherwise fail validation only after everything was changed.
     */
    static void probeTarget(MigrationPlan plan, RedisSession session, KeyNamespace keys, List<QueryCheck> queries,
                            ProgressListener progress) {
        String name = plan.source().indexName();
        FilterScope.dropLeftBehind(session, keys, name);
        List<String> unknownFields = QueryFields.unknown(queries, plan.targetSchema(), plan.source().schema());
        if (!unknownFields.isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, Wording.count(unknownFields.size(), "query check reads",
                    "query checks read") + " fields the target schema of '" + name + "' does not have; nothing was "
                    + "changed. Use the fields' new names in the query-check file (or drop those checks) and re-run "
                    + "the same command.", unknownFields, null);
        }
        List<List<String>> byCheck = keysNoDocumentHas(plan, queries);
        if (!byCheck.isEmpty()) { // found only after the rewrite, failing validation (tester session 44 R38 F10)
            List<String> moved = byCheck.stream().flatMap(List::stream).toList();
            throw new SlipwayException(ErrorCode.BAD_USAGE, Wording.count(moved.size(), "key", "keys") + " that "
                    + Wording.count(byCheck.size(), "query check expects", "query checks expect") + " cannot be "
                    + (moved.size() == 1 ? "a document" : "documents") + " of the migrated index: under a prefix "
                    + "this migration moves its documents away from, or under none of its prefixes; nothing was "
                    + "changed. Name them as they are after the migration in the query-check file, and re-run the "
                    + "same command.", moved, null);
        }
        String probe = SchemaProbeName.fresh(name);
        IndexSchema schema = plan.targetSchema().toBuilder().name(probe).prefixes(List.of(probe + ":")).build();
        try (ProbeLease lease = ProbeLease.take(session, keys.probeLease(probe))) {
            try {
                createProbe(session, schema);
            } catch (RedisCommandException e) {
                throw new SlipwayException(ErrorCode.UNSUPPORTED_BY_SERVER, "The server rejects the plan's target "
                        + "schema: " + e.serverMessage() + ". Nothing was changed. Fix the patch and re-run 'slipway "
                        + "plan'.");
            }
            try {
                parseQueries(name, probe, session, queries, progress);
            } finally {
                session.dropIndexIfPresent(probe);
            }
        }
    }

    /**
     * Creates the throwaway index the target schema is tried on. Its name is this run's own, so what a send lost with
     * its connection may have created is dropped and the index created again (one lost connection failed apply's
     * checks, exit 1).
     */
    private static void createProbe(RedisSession session, IndexSchema schema) {
        try {
            session.call(FtCreateArguments.command(schema));
        } catch (SlipwayException e) {
            if (!session.replacesAfter(e)) {
                throw e;
            }
            session.dropIndexIfPresent(schema.name());
            session.call(FtCreateArguments.command(schema));
        }
    }

    /**
     * For each query check, the keys it expects that no document of the migrated index can have: one under a prefix
     * the plan's rewrite moves away from (saying where it will be), or one under none of the target's prefixes (R39
     * F11b). Checks without such a key are left out.
     */
    static List<List<String>> keysNoDocumentHas(MigrationPlan plan, List<QueryCheck> queries) {
        List<String> prefixes = plan.targetSchema().prefixes();
        Optional<String> to = plan.rewrite().flatMap(RewriteSpec::targetPrefix);
        List<List<String>> byCheck = new ArrayList<>();
        for (QueryCheck query : queries) {
            List<String> found = new ArrayList<>();
            for (String key : query.containsKeys()) {
                String where = "query '" + query.name() + "': key '" + key + "' ";
                Optional<String> from = to.filter(t -> !key.startsWith(t)).flatMap(t -> plan.rewrite().get()
                        .sourcePrefixes().stream().filter(key::startsWith).findFirst());
                if (from.isPresent()) {
                    found.add(where + "will be '" + to.get() + key.substring(from.get().length()) + "'");
                } else if (!prefixes.isEmpty() && prefixes.stream().noneMatch(key::startsWith)) {
                    found.add(where + "is under none of the prefixes " + prefixes);
                }
            }
            if (!found.isEmpty()) {
                byCheck.add(found);
            }
        }
        return byCheck;
    }

    /** Has the server parse every query check against the probe; refuses those it cannot parse. */
    private static void parseQueries(String name, String probe, RedisSession session, List<QueryCheck> queries,
                                     ProgressListener progress) {
        Optional<List<String>> refused = unparsable(probe, session, queries, message -> true);
        if (refused.isEmpty()) { // a convenience check: validation runs them anyway
            UserWarnings.warn(LOG, progress, "the Redis user may not run FT.EXPLAIN, so the query checks were not "
                    + "parsed before the first change; validation runs them at the end as usual.");
            return;
        }
        List<String> unparsable = refused.get();
        if (!unparsable.isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The server cannot parse " + unparsable.size()
                    + " of the query checks against the target schema of '" + name + "'; nothing was changed. Fix "
                    + "the query-check file and re-run the same command.", unparsable, null);
        }
    }

    /**
     * For {@code validate}: refuses ({@link ErrorCode#BAD_USAGE}) query checks the server cannot parse at all, a
     * syntax error in the query-check file, as apply refuses them before its first change. They failed as checks, exit
     * 1, which a script reads as "the index is wrong" (tester session 52 R46 T2 F3). A query the served index cannot
     * run for another reason (a field it lacks) stays a failed check: that may be what the migration got wrong.
     */
    public static void refuseQuerySyntaxErrors(String served, RedisSession session, List<QueryCheck> queries) {
        // a user refused FT.EXPLAIN: a convenience check, the checks run anyway
        List<String> unparsable = unparsable(served, session, queries, message -> message
                .toLowerCase(java.util.Locale.ROOT).startsWith("syntax error")).orElse(List.of());
        if (!unparsable.isEmpty()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The server cannot parse " + unparsable.size()
                    + " of the query checks; nothing was validated. Fix the query-check file and re-run the same "
                    + "command.", unparsable, null);
        }
    }

    /**
     * Has the server parse every query check against {@code index} ({@code FT.EXPLAIN}): each one it refuses with a
     * message {@code counts}, described; empty when the user may not run FT.EXPLAIN.
     */
    private static Optional<List<String>> unparsable(String index, RedisSession session, List<QueryCheck> queries,
                                                     java.util.function.Predicate<String> counts) {
        List<String> unparsable = new ArrayList<>();
        for (QueryCheck query : queries) {
            try {
                session.call("FT.EXPLAIN", index, query.query(), "DIALECT", Integer.toString(query.dialect()));
            } catch (RedisCommandException e) {
                if (e.serverMessage().startsWith("NOPERM")) {
                    return Optional.empty();
                }
                if (counts.test(e.serverMessage())) {
                    unparsable.add("query '" + query.name() + "' (" + query.query() + "): " + e.serverMessage());
                }
            }
        }
        return Optional.of(unparsable);
    }

    /** A prefix move must not meet keys already under the new prefix ({@link OccupiedPrefix}). */
    private static void refuseOccupiedPrefix(RewriteSpec rewrite, RedisSession session) {
        OccupiedPrefix.find(session, rewrite).ifPresent(occupied -> {
            throw new SlipwayException(ErrorCode.BAD_USAGE, occupied.described() + ". Nothing was changed. Move or "
                    + "delete them, or choose another prefix and re-run 'slipway plan'.");
        });
    }

    /** Checks against the live server before a fresh (not resumed) run. */
    /**
     * The live index the plan was made for, as long as it still has the plan's source schema (visible part).
     *
     * @throws StalePlanException when it no longer exists or changed since the plan was made (an applied plan, say)
     */
    public static IndexInfo requireCurrent(MigrationPlan plan, LiveIndexReader reader) {
        String name = plan.source().indexName();
        Optional<IndexInfo> live = reader.find(name);
        if (live.isEmpty()) {
            throw new StalePlanException("Index '" + name + "' no longer exists, so this plan is stale; nothing "
                    + "was changed. Run 'slipway index list' and make a new plan.", List.of());
        }
        List<String> differences = new ArrayList<>(VisibleSchema.differences(plan.source().schema(),
                live.get().schema()));
        // groups added since the plan read them would be missing from the new index, which adds the plan's
        SynonymGroups.missing(reader.synonyms(live.get().schema().name()), plan.source().synonyms())
                .forEach((group, terms) -> differences.add("synonym group '" + group + "' holds " + terms
                        + ", which the plan does not"));
        if (!differences.isEmpty()) {
            throw new StalePlanException("Index '" + name + "' changed since the plan was made (or the plan was "
                    + "applied); nothing was changed. Re-run 'slipway plan' to plan against the live index.",
                    differences);
        }
        return live.get();
    }

    /**
     * Refuses, before any change, a plan whose added memory (a zero-downtime migration's second copy of the index)
     * would take the server over its {@code maxmemory}, where it evicts keys or refuses writes (tester session 29
     * R6 H1: allkeys-lru evicted 6,726 of 10,000 documents during a build). With {@code ignore}, says so and goes on.
     * When INFO memory is refused, see {@link #unreadableMemory}.
     */
    static void checkMemory(MigrationPlan plan, LiveIndexReader reader, boolean ignore, ProgressListener progress) {
        if (reader.memory().isEmpty()) {
            unreadableMemory(plan, reader, "apply", "'slipway apply --plan <file> --ignore-maxmemory'", ignore,
                    progress);
            return;
        }
        // nothing added still meets a server past the line: the work's own reads make it grow (R47 T1 H3)
        refuseOrWarn(plan, plan.estimate().extraMemoryBytes(), "", reader, ignore, progress);
    }

    /**
     * When this user may not read INFO memory, {@code work} ("apply", "the rollback") cannot tell whether it fits. A
     * plan made by a user who could, on a server with a limit, is refused (exit 2, nothing changed) unless {@code
     * ignore}: a plan made by an administrator and applied by a restricted user went ahead without a word on a server
     * at its limit, and 1,203 of 2,000 documents were evicted while validation passed (tester session 44 R38 F1).
     * Otherwise it warns and goes on, as the plan (made without INFO too, or on a server without a limit) already
     * said. {@code rerun} is the command that runs it with the flag. The messages say whether the server has no INFO
     * (renamed or disabled) or answered it with another error, where asking for the right is no way out, or refuses
     * it to the user (R43 T3 F7).
     */
    public static void unreadableMemory(MigrationPlan plan, LiveIndexReader reader, String work, String rerun,
                                        boolean ignore, ProgressListener progress) {
        Optional<ServerInfo.Memory> planned = plan.source().server().memory().filter(m -> m.maxBytes() > 0);
        String cannot = reader.unanswered("INFO memory") + ", so " + work + " cannot check that it fits";
        if (planned.isEmpty()) {
            UserWarnings.warn(LOG, progress, "Memory not checked: " + cannot + (plan.source().server().memory()
                    .isPresent() ? " (the server had no maxmemory limit when the plan was made)." : "."));
            return;
        }
        ServerInfo.Memory m = planned.get();
        String then = "when the plan was made the server used " + StrategyChoice.mib(m.usedBytes()) + " of its "
                + "maxmemory " + StrategyChoice.mib(m.maxBytes()) + " (maxmemory-policy " + m.policy() + ")";
        if (ignore) {
            UserWarnings.warn(LOG, progress, "Going on with --ignore-maxmemory although " + cannot + "; " + then
                    + ".");
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Not starting: " + cannot + "; " + then + ". At the limit "
                + "the server " + (m.evicts() ? "evicts keys (documents, and Slipway's own state)" : "refuses "
                + "writes") + ". Nothing was changed. " + (reader.refusedToThisUser("INFO") ? "Run it as a user "
                + "allowed INFO (as the plan was made), or with --ignore-maxmemory to start without the check"
                : "Make sure the server has room, then run it with --ignore-maxmemory to start without the check")
                + " (" + rerun + ").");
    }

    /**
     * Refuses when the throwaway index that tells a rewrite which documents its index's FILTER admits would not fit
     * under maxmemory ({@link FilterScope#noRoomToOpen}): built before the rewrite's per-batch memory ceiling starts,
     * it would make Redis evict keys or refuse writes (tester session 43 R36 F1, for validation's). A first run
     * refuses with exit 2, nothing changed; a resume with exit 1, having changed nothing itself. With {@code ignore}
     * it warns and goes on.
     */
    static void checkScopeMemory(RedisSession session, MigrationPlan plan, boolean resuming, boolean ignore,
                                 ProgressListener progress) {
        AdmissionMemory memory = AdmissionMemory.of(session);
        Optional<String> unknown = FilterScope.narrows(plan) ? memory.unknown() : Optional.empty();
        if (unknown.isPresent()) { // as the rest of apply's memory checks: the plan said memory was not checked
            UserWarnings.warn(LOG, progress, "Building it all the same: " + unknown.get() + ".");
            return;
        }
        Optional<String> noRoom = FilterScope.noRoomToOpen(memory, plan);
        if (noRoom.isEmpty()) {
            return;
        }
        String what = "the index has a FILTER, and " + noRoom.get();
        if (ignore) {
            UserWarnings.warn(LOG, progress, "Going on with --ignore-maxmemory although " + what + ".");
            return;
        }
        String fix = " Free memory or raise maxmemory, then re-run the same command (or pass --ignore-maxmemory to "
                + "build it all the same).";
        if (!resuming) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Not starting: " + what + ". Nothing was changed." + fix);
        }
        throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Not resuming: " + what + ". This run changed nothing; "
                + "the migration stays where it stopped." + fix);
    }

    /**
     * Refuses (exit 2, nothing changed) when {@code extra} bytes more would take the server past the line where a
     * build stops, or with {@code ignore} warns and goes on; {@code counted} says what the figure counts, when it is
     * more than the plan's estimate.
     */
    private static void refuseOrWarn(MigrationPlan plan, long extra, String counted, LiveIndexReader reader,
                                     boolean ignore, ProgressListener progress) {
        Optional<String> shortfall = reader.memory().flatMap(m -> MemoryHeadroom.shortfall(extra, m));
        if (shortfall.isEmpty()) {
            return;
        }
        if (ignore) {
            UserWarnings.warn(LOG, progress, "Starting with --ignore-maxmemory although " + counted + shortfall.get()
                    + ".");
            return;
        }
        throw new SlipwayException(ErrorCode.BAD_USAGE, "Not starting: " + counted + shortfall.get() + ". Nothing "
                + "was changed. " + MemoryHeadroom.advice(plan.mode()));
    }

    /**
     * Once apply has counted the documents its rewrite will change ({@code holding}, -1 when not counted): says how
     * many more there are than the plan counted (an index whose FILTER the patch changes holds only some of the
     * documents under its prefixes, and the rewrite converts them all: tester session 33 R15 M1, 20,000 converted
     * against 2,000 planned),
     * and checks memory again with the growth of those as well, as {@link #checkMemory} does (exit 2, nothing
     * changed; with {@code ignore}, a warning).
     */
    static void checkMemoryOfEveryDocument(MigrationPlan plan, long holding, LiveIndexReader reader, boolean ignore,
                                           ProgressListener progress) {
        RewriteSpec rewrite = plan.rewrite().orElse(null);
        long more = rewrite == null || holding < 0 ? 0 : holding - rewrite.documents();
        if (more <= 0) {
            return;
        }
        // with a FILTER the patch keeps, the survey counted what the FILTER admits: only the usual margin applies
        Optional<String> filter = plan.source().schema().filter().filter(f -> !FilterScope.narrows(plan));
        if (filter.isPresent() || more > Math.max(100, rewrite.documents() / 10)) {
            String text = holding + " documents under the prefixes of '" + plan.source().indexName() + "' hold the "
                    + "fields this rewrite changes, " + more + " more than the " + rewrite.documents() + " the plan "
                    + "counted" + filter.map(f -> ": the index's FILTER (" + f + ") leaves them out, but "
                    + FilterScope.whyEveryDocument(plan.source().schema(), plan.targetSchema()) + ", so the rewrite "
                    + "converts every document under the prefixes (each is backed up first, and a rollback restores "
                    + "it)").orElse(" (written since the plan was made)") + ".";
            UserWarnings.warn(LOG, progress, text);
        }
        long perDocument = IndexMemoryModel.growthPerDocument(plan);
        if (perDocument <= 0) {
            return;
        }
        refuseOrWarn(plan, plan.estimate().extraMemoryBytes() + perDocument * more, "counting all " + holding
                + " documents to rewrite (the plan counted " + rewrite.documents() + "), ", reader, ignore, progress);
    }

    /**
     * Refuses, with nothing changed, a rewrite the server cannot give the connections it needs: one per worker, one
     * watch listener per worker, and one that reads, beside this session. At maxclients the run used to drop the index
     * and then fail to open its workers (tester session 29 R6 M2). Nothing is judged when INFO clients is refused.
     */
    static void checkConnections(RedisSession session, MigrationPlan plan, ApplyOptions options) {
        if (plan.rewrite().isEmpty()) {
            return;
        }
        Optional<String> info = session.info("clients");
        Optional<Long> connected = info.flatMap(i -> RedisReplies.infoField(i, "connected_clients"))
                .map(Long::parseLong);
        Optional<Long> max = info.flatMap(i -> RedisReplies.infoField(i, "maxclients")).map(Long::parseLong);
        long needed = (long) options.workers() * (options.watchWrites() ? 2 : 1) + 1;
        if (connected.isPresent() && max.isPresent() && connected.get() + needed > max.get()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "The server allows " + max.get() + " clients and has "
                    + connected.get() + " connected (this one included); the rewrite needs " + needed + " more ("
                    + options.workers() + " worker" + (options.workers() == 1 ? "" : "s") + (options.watchWrites()
                    ? ", a write-watch listener for each" : "") + ", and a reader). Nothing was changed. Raise "
                    + "maxclients (CONFIG SET maxclients), close other clients, or lower --workers, then re-run.");
        }
    }

    static void checkLive(MigrationPlan plan, LiveIndexReader reader) {
        List<String> missing = ServerCompatibility.missingFeatures(plan.targetSchema(), reader.serverInfo());
        if (!missing.isEmpty()) {
            throw new SlipwayException(ErrorCode.UNSUPPORTED_BY_SERVER, "The server cannot run the target schema "
                    + "of this plan; nothing was changed.", missing, null);
        }
        IndexInfo live = requireCurrent(plan, reader);
        reader.temporary(live.schema().name()).ifPresent(kind -> { // a plan made before Slipway looked
            throw new SlipwayException(ErrorCode.UNSUPPORTED_CHANGE, "Refused: "
                    + PlanWarnings.temporaryReason(live.schema().name(), kind) + ". Nothing was changed.");
        });
        plan.rewrite().ifPresent(rewrite -> refuseOccupiedPrefix(rewrite, reader.session()));
        plan.rewrite().ifPresent(rewrite -> NewSharedKeyIndexes.refuse(plan, rewrite, reader));
        for (PlanStep step : plan.steps()) {
            boolean creates = step.kind() == StepKind.CREATE_INDEX || step.kind() == StepKind.CREATE_SHADOW_INDEX;
            String created = creates ? step.commands().get(0).get(1) : null;
            if (created != null && !created.equals(plan.source().physicalIndex()) && reader.find(created).isPresent()) {
                int version = VersionHistory.versionOf(created);
                boolean ofName = version > 0 && created.equals(ZeroDowntimeStrategy.physicalName(
                        plan.source().indexName(), version));
                // a plan applied and rolled back left its version retained (tester session 40 R29 L6)
                throw new SlipwayException(ErrorCode.BAD_USAGE, "The plan creates index '" + created + "', but an "
                        + "index or alias with that name already exists; nothing was changed. " + (ofName ? "If it is "
                        + "the version this plan built before a rollback, serve it again with 'slipway rollback "
                        + "--index " + plan.source().indexName() + " --to v" + version + "'; otherwise re-run"
                        : "Drop or rename it, or re-run") + " 'slipway plan' (it picks the next free version), then "
                        + "apply again.");
            }
        }
    }
}
