package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.io.QueryCheckDocument;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.DropRecreateStrategy;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.IndexRecall;
import dev.slipway.internal.rewrite.OldFormScan;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.internal.version.VersionHistory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Checks a migrated index against its plan: schema, document count, indexing failures, sampled keys, indexing
 * finished, and optional query checks. Read-only. Collects every check; never stops at the first failure.
 */
public final class MigrationValidator {
    private final RedisSession session;
    private final LiveIndexReader reader;
    private final ProgressListener progress;
    private OldVectorScan.Result oldVectors;
    /** The documents the scans after a rewrite look at: those the index's FILTER admits, or all. */
    private FilterScope filterScope = FilterScope.everyDocument();
    /** Why {@link #filterScope} could not be built; empty when it was, or none was needed. */
    private String scopeRefused = "";
    private OptionalLong sourceFailures = OptionalLong.empty();
    private OptionalLong evictedAtStart = OptionalLong.empty();
    /** Whether a checkpoint of the plan records its migration: without one there are no evictions to count. */
    private boolean migrationRecorded;
    /** What a schema that differs from the plan's target is put down to ({@link #migrationState}). */
    private String schemaDifferenceCause = "Someone changed the index after the migration, or the migration did not "
            + "finish";
    private String backupDir = "<dir>";
    private KeyNamespace namespace = KeyNamespace.DEFAULT;
    private int maxRetries = ApplyOptions.DEFAULTS.maxRetries();
    private StopSignal stop = new StopSignal();

    /** A validator on the given session. */
    public MigrationValidator(RedisSession session) {
        this(session, ProgressListener.NONE);
    }

    /** A validator on the given session that shows the progress of a long check on {@code progress}. */
    public MigrationValidator(RedisSession session, ProgressListener progress) {
        this.session = session;
        this.reader = new LiveIndexReader(session);
        this.progress = progress;
    }

    /**
     * Allows the new index as many indexing failures as the source had of keys that existed when the migration
     * began ({@link Checkpoint#SOURCE_FAILURES}), instead of the failures the plan's snapshot reported.
     */
    public MigrationValidator sourceFailures(OptionalLong failuresOfExistingKeys) {
        this.sourceFailures = failuresOfExistingKeys;
        return this;
    }

    /**
     * What {@code validate} found of the migration itself ({@link #appliedCheck}): when it is not in effect (a
     * rollback undid it, it was not applied), a schema that differs is put down to that, not to "someone" changing
     * the index (tester session 52 R46 T2 F12).
     */
    public MigrationValidator migrationState(ValidationCheck applied) {
        if (!applied.passed()) {
            schemaDifferenceCause = "The migration is not in effect (" + applied.actual() + "; see the migration "
                    + "check), which is why";
        }
        return this;
    }

    /** Slipway's namespace, where a drop-recreate migration recorded the keys its source failed on. */
    public MigrationValidator namespace(KeyNamespace keys) {
        this.namespace = keys;
        return this;
    }

    /**
     * The backup directory the checkpoint of the plan names, for the advice of checks that suggest a rollback from
     * it ("<dir>" until known).
     */
    public MigrationValidator backupDir(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        checkpoint.filter(c -> c.planId().equals(plan.planId())).map(Checkpoint::backupDir).filter(d -> !d.isEmpty())
                .ifPresent(d -> backupDir = d);
        return this;
    }

    /**
     * Fails validation when the server evicted keys since the migration began: the count the checkpoint of the plan
     * recorded then ({@link Checkpoint#EVICTED_KEYS}), if any.
     */
    public MigrationValidator evictionsSince(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        this.evictedAtStart = figure(checkpoint, plan, Checkpoint.EVICTED_KEYS);
        this.migrationRecorded = checkpoint.filter(c -> c.planId().equals(plan.planId())).isPresent();
        return this;
    }

    /**
     * Whether the plan's migration is recorded as finished, for a {@code validate} of it on its own: the schema check
     * compares what {@code FT.INFO} shows, so a plan whose change it does not show (PHONETIC, a vector's EF_RUNTIME)
     * passed validation unapplied, or after its apply failed (tester session 40 R29 F8).
     */
    public static ValidationCheck appliedCheck(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        return appliedCheck(checkpoint, plan, VersionHistory.empty(plan.servedName()));
    }

    /**
     * As above, knowing the served name's versions: the one its alias points at passes with no checkpoint when this
     * plan built it (a rollback deleted the checkpoint, and a later rollback served that version again: tester
     * session 42 R33 F8, where validate said to apply the plan and apply refused it as stale); one it built that is
     * only retained fails with the rollback that serves it again as the advice (apply refuses it: R44 T2 F3).
     */
    public static ValidationCheck appliedCheck(Optional<Checkpoint> checkpoint, MigrationPlan plan,
                                               VersionHistory history) {
        String expected = "the migration of plan " + plan.planId() + " completed";
        // the version it built with the target schema, not the copy of the source an adoption builds too
        Optional<VersionHistory.VersionEntry> built = history.versions().stream()
                .filter(v -> v.planId().equals(plan.planId()) && v.physicalIndex().equals(plan.targetSchema().name()))
                .filter(v -> v.state() != VersionHistory.State.DROPPED).findFirst();
        boolean served = built.filter(v -> v.state() == VersionHistory.State.ACTIVE).isPresent();
        if (checkpoint.isEmpty() && served) {
            // the rollback may have been of a later migration (tester session 55 R49 T1 F6 said this one was undone)
            return new ValidationCheck("migration", true, expected, "'" + built.get().physicalIndex() + "', which it "
                    + "built, is served again (a rollback brought v" + built.get().version() + " back)", "");
        }
        Optional<VersionHistory.RollbackMark> restored = history.rollbackMark().filter(r -> checkpoint.isEmpty()
                && r.action().equals(VersionHistory.RollbackMark.RESTORED) && r.planId().equals(plan.planId()));
        if (restored.isPresent()) {
            return new ValidationCheck("migration", false, expected, "'slipway rollback --backup-dir' undid it at "
                    + restored.get().at() + ": the documents hold their originals again", "to migrate again, plan "
                    + "the change anew and apply it with a new, empty --backup-dir");
        }
        if (checkpoint.isEmpty() && built.isPresent()) {
            return new ValidationCheck("migration", false, expected, "a rollback undid it: '"
                    + built.get().physicalIndex() + "', which it built, is retained but not served", "serve it again "
                    + "with 'slipway rollback --index " + plan.servedName() + " --to v" + built.get().version()
                    + "', then validate");
        }
        if (checkpoint.isEmpty()) {
            return new ValidationCheck("migration", false, expected, "no migration of '" + plan.source().indexName()
                    + "' is recorded", "this plan was not applied (or a rollback undid it): run 'slipway apply' with "
                    + "it, then validate");
        }
        Checkpoint c = checkpoint.get();
        if (!c.planId().equals(plan.planId())) {
            return new ValidationCheck("migration", false, expected, "the latest migration of '"
                    + plan.source().indexName() + "' is plan " + c.planId() + " (" + c.status().name() + ")",
                    "this plan is not the index's latest migration: validate that one's plan instead");
        }
        if (c.status() != Checkpoint.Status.COMPLETED) {
            return new ValidationCheck("migration", false, expected, c.status().name() + ", steps done: "
                    + (c.completedSteps().isEmpty() ? "none" : String.join(", ", c.completedSteps())),
                    c.status() == Checkpoint.Status.ROLLING_BACK ? "its rollback is unfinished: finish it with "
                    + "'slipway rollback --backup-dir " + c.backupDir() + "'" : "the migration is unfinished: re-run "
                    + "'slipway apply' with this plan to finish it, then validate");
        }
        return new ValidationCheck("migration", true, expected, "COMPLETED", "");
    }

    /**
     * A failed check of a migration that is not in effect ({@code applied} failed) is put down to that: its own
     * advice presumes the migration ran ("a client wrote them after their rewrite", "re-run 'slipway apply'"), which
     * after a rollback from the backup sent the user the wrong way (tester session 55 R49 T1 F6).
     */
    public static ValidationCheck putDownTo(ValidationCheck applied, ValidationCheck check) {
        // the schema check puts its differences down to it already (migrationState)
        if (applied.passed() || check.passed() || check.name().equals(applied.name()) || check.name().equals("schema")
                || check.actual().equals("not checked")) {
            return check;
        }
        return new ValidationCheck(check.name(), false, check.expected(), check.actual(), "the migration is not in "
                + "effect (" + applied.actual() + "; see the migration check), which is why", check.documents());
    }

    /**
     * The applied check of a migration whose run holds the lock now: "re-run 'slipway apply' to finish it" sent the
     * user into a refusal (LOCK_HELD) while another thread's apply was running (tester session 53 R47 T2 F8).
     */
    public static ValidationCheck whileRunning(ValidationCheck applied, Optional<Checkpoint> checkpoint,
                                               MigrationPlan plan, Supplier<Optional<String>> lockHolder) {
        boolean running = !applied.passed() && checkpoint.filter(c -> c.planId().equals(plan.planId())
                && c.status() == Checkpoint.Status.RUNNING).isPresent();
        Optional<String> holder = running ? lockHolder.get() : Optional.empty();
        return holder.map(owner -> new ValidationCheck(applied.name(), false, applied.expected(), applied.actual()
                + " (running now: the lock is held by " + owner + ")", "a run of this migration is under way: wait "
                + "for it to finish ('slipway status --index " + plan.source().indexName() + "'), then validate",
                applied.documents())).orElse(applied);
    }

    /** The figure of {@link #sourceFailures} a checkpoint of the plan recorded, if any. */
    public static OptionalLong sourceFailures(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        return figure(checkpoint, plan, Checkpoint.SOURCE_FAILURES);
    }

    /** A figure the checkpoint of the plan recorded, if there is one. */
    private static OptionalLong figure(Optional<Checkpoint> checkpoint, MigrationPlan plan, String name) {
        return checkpoint.filter(c -> c.planId().equals(plan.planId())).map(c -> c.marks().get(name))
                .map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /**
     * Makes the scans for documents in the old form look only at those {@code scope} admits: after a rewrite of an
     * index with a FILTER, the documents it leaves out were not rewritten.
     */
    public MigrationValidator filterScope(FilterScope scope) {
        this.filterScope = scope;
        return this;
    }

    /**
     * Why the throwaway index that tells which documents the FILTER admits was not built (no room under maxmemory,
     * {@link FilterScope#noRoomToOpen}): the scans for documents in the old form, which need it, are then "not
     * checked", saying why, instead of built at the price of the user's keys (tester session 43 R36 F1).
     */
    public MigrationValidator scopeUnavailable(String why) {
        this.scopeRefused = why;
        return this;
    }

    /**
     * Retries a read of the scans for documents in the old form {@code retries} times after a transient error (a lost
     * connection, a restarting server), as apply's {@code --retries} does; 5 unless set (tester session 37 R23 F3: a
     * fixed 3, about 0.7 s, failed every restart).
     */
    public MigrationValidator retries(int retries) {
        this.maxRetries = retries;
        return this;
    }

    /**
     * What stops the wait for a throwaway index that validation builds (after a change of a FILTER, to count the
     * documents it admits): a stop requested then ends the validation with {@link ErrorCode#STOPPED}.
     */
    public MigrationValidator stopSignal(StopSignal signal) {
        this.stop = signal;
        return this;
    }

    /** Validates the index the plan serves ({@code servedName}) against the plan. */
    public ValidationResult validate(MigrationPlan plan, List<QueryCheck> queries) {
        String name = plan.servedName();
        oldVectors = null;
        List<ValidationCheck> checks = new ArrayList<>();
        Optional<IndexInfo> live = reader.find(name);
        if (live.isEmpty()) {
            checks.add(new ValidationCheck("index-exists", false, "index '" + name + "'", "no such index",
                    "the index is missing; re-run 'slipway apply' with the same plan to finish the migration"));
            return new ValidationResult(name, checks);
        }
        IndexInfo info = live.get();
        checks.add(schemaCheck(plan, info, schemaDifferenceCause));
        if (!plan.source().synonyms().isEmpty()) {
            checks.add(synonymCheck(plan, info));
        }
        checks.add(indexedCheck(info));
        stopHereIfRequested("its document count");
        DocumentCountCheck count = new DocumentCountCheck(session, namespace.lock(plan.source().indexName()));
        if (plan.validation().requireDocCountMatch()) {
            checks.add(count.check(plan, info));
        } else if (info.schema().filter().isPresent()) { // only the server tells what a FILTER admits
            admittedCheck(plan, info, count).ifPresent(checks::add);
        } else {
            count.coverage(info).ifPresent(checks::add);
        }
        stopHereIfRequested("its indexing failures");
        List<ValidationCheck> failures = new FailureChecks(session, reader, namespace).check(plan, info,
                sourceFailures, count.failuresOfExistingKeys());
        checks.addAll(failures);
        OldFormChecks oldForms = new OldFormChecks(session, filterScope, scopeRefused, maxRetries, progress,
                backupDir);
        if (!failures.get(0).passed()) { // the usual cause in a migration that converts vectors
            plan.rewrite().filter(OldVectorScan::applies).ifPresent(rewrite -> {
                checks.add(oldForms.vectors(rewrite, info));
                oldVectors = oldForms.oldVectors();
            });
        }
        stopHereIfRequested("its scans for documents in the old form");
        plan.rewrite().filter(OldFormScan::applies).ifPresent(rewrite -> checks.add(oldForms.form(rewrite, info)));
        stopHereIfRequested("its sample of documents");
        checks.add(sampleCheck(plan));
        if (!backupDir.equals("<dir>")) {
            checks.addAll(IndexRecall.measure(session, plan, Path.of(backupDir)));
        }
        Evictions.check(session, evictedAtStart, migrationRecorded).ifPresent(checks::add);
        stopHereIfRequested("its query checks");
        for (QueryCheck query : queries) {
            List<String> unknown = QueryFields.unknown(List.of(query), plan.targetSchema(), plan.source().schema());
            checks.add(unknown.isEmpty() ? queryCheck(name, query) : new ValidationCheck("query '" + query.name()
                    + "'", false, describe(query), "not run", unknown.get(0)));
        }
        return new ValidationResult(name, checks);
    }

    /**
     * The document count after a change of a FILTER ({@link DocumentCountCheck#admitted}); a failed check, the other
     * checks still made, when the server refuses the throwaway index (an ACL without FT.CREATE: tester session 42
     * R33 F7, where validation ended there with exit 1, no report).
     */
    private Optional<ValidationCheck> admittedCheck(MigrationPlan plan, IndexInfo info, DocumentCountCheck count) {
        IndexSchema schema = info.schema();
        IndexSchema unfiltered = schema.toBuilder().filter(null).build(); // the copies' keys are not the documents'
        // as many documents as the source or the index held (an index that never read them holds none)
        long documents = Math.max(info.stats().documents(), plan.source().numDocs() + plan.source().indexingFailures());
        Optional<String> noRoom = FilterScope.noRoomToAdmit(session, schema, documents, info.stats().vectorBytes());
        if (noRoom.isPresent()) {
            return Optional.of(notChecked("the document count was not checked: " + noRoom.get() + ". Free memory or "
                    + "raise maxmemory (or run as a user allowed INFO), then validate again: re-run 'slipway apply' "
                    + "with the same plan if it stopped here (it resumes at its validation), else 'slipway validate'"));
        }
        try (FilterScope admission = FilterScope.admittedBy(session, namespace, plan.source().indexName(), schema,
                stop)) {
            return count.admitted(info, admission, () -> stopHereIfRequested("the rest of its document count"),
                    (keys, whyNot) -> SourceSchemaProbe.judge(session, namespace,
                    plan.source().indexName(), unfiltered, schema.name(), keys, whyNot));
        } catch (SlipwayException e) {
            if (e.code() != ErrorCode.REDIS_ERROR) {
                throw e;
            }
            return Optional.of(notChecked(e.getMessage() + " Validation after a change of a FILTER needs FT.CREATE "
                    + "and FT.DROPINDEX for a throwaway index (and COPY for temporary copies of the documents it "
                    + "judges, under Slipway's namespace); run it as a user allowed them"));
        }
    }

    /**
     * Ends the validation with {@link ErrorCode#STOPPED} when a stop was requested (Ctrl-C or SIGTERM in the CLI):
     * between checks, and between pages of the keys a FILTER's document count looks up, so that what it made to check
     * (a throwaway index, copies of documents) is removed on the way out instead of left to its lease and TTL.
     */
    private void stopHereIfRequested(String next) {
        stop.stopHereIfRequested("Validation stopped before " + next + "; the throwaway index and copies of "
                + "documents it made to check, if any, are removed, and it changed nothing else. Run the same command "
                + "again to validate.");
    }

    private static ValidationCheck notChecked(String why) {
        return ValidationCheck.notChecked("document-count", "every document the FILTER admits indexed, or one the "
                + "schema fails on", why);
    }

    private static ValidationCheck schemaCheck(MigrationPlan plan, IndexInfo info, String cause) {
        var expected = plan.targetSchema().withName(info.schema().name());
        List<String> differences = VisibleSchema.differences(expected, info.schema());
        return new ValidationCheck("schema", differences.isEmpty(), "the plan's target schema",
                differences.isEmpty() ? "equal" : differences.size() + " differences",
                differences.isEmpty() ? "" : String.join("; ", differences)
                        + ". " + cause + "; compare 'slipway index info " + plan.servedName() + "' with the plan.");
    }

    /** The source's synonym groups are on the served index (a new index starts without them). */
    private ValidationCheck synonymCheck(MigrationPlan plan, IndexInfo info) {
        Map<String, List<String>> missing = SynonymGroups.missing(plan.source().synonyms(),
                SynonymGroups.read(session, info.schema().name()));
        int groups = plan.source().synonyms().size();
        return new ValidationCheck("synonyms", missing.isEmpty(), groups + (groups == 1 ? " synonym group" :
                " synonym groups") + " of the source", missing.isEmpty() ? "all held" : missing.size() + " lacking",
                missing.isEmpty() ? "" : "lacking: " + SynonymGroups.describe(missing) + ". Re-run 'slipway apply' "
                        + "with the same plan, which adds them, or add them with FT.SYNUPDATE.");
    }

    private static ValidationCheck indexedCheck(IndexInfo info) {
        boolean done = info.stats().fullyIndexed();
        return new ValidationCheck("indexing-complete", done, "percent_indexed 1",
                "percent_indexed " + info.stats().percentIndexed(),
                done ? "" : "the index is still indexing; wait and run 'slipway validate' again");
    }

    /** "1 document holds" or "3 documents hold": a count of documents with its verb. */
    static String documents(long count, String singularVerb, String pluralVerb) {
        return Wording.count(count, "document", "documents") + " " + (count == 1 ? singularVerb : pluralVerb);
    }

    /**
     * What the search for vectors of the old datatype found, when the last validation made one (more documents had
     * failed to index than before, in a migration that converts hash vectors).
     */
    public Optional<OldVectorScan.Result> oldVectors() {
        return Optional.ofNullable(oldVectors);
    }

    /**
     * The sampled documents are still there, under their new names after a key move. A sampled key the application
     * deleted since the plan (gone under both names) is not a failure, as deletions during a migration are not: only
     * a document left under its old name (not moved), or every sampled document gone, fails the check.
     */
    private ValidationCheck sampleCheck(MigrationPlan plan) {
        List<String> originals = plan.source().keySample();
        List<String> keys = DropRecreateStrategy.sampledKeysAfter(plan.source(), plan.rewrite());
        if (keys.isEmpty()) {
            return new ValidationCheck("sample-keys", true, "no keys sampled", "0", "");
        }
        List<String> notMoved = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (exists(keys.get(i))) {
                continue;
            }
            boolean moved = !keys.get(i).equals(originals.get(i));
            (moved && exists(originals.get(i)) ? notMoved : deleted).add(keys.get(i));
        }
        boolean allGone = deleted.size() == keys.size() && keys.size() > 1;
        OptionalLong now = deleted.isEmpty() || evictedAtStart.isEmpty() ? OptionalLong.empty()
                : Evictions.evictedKeys(session);
        if (now.isPresent() && now.getAsLong() > evictedAtStart.getAsLong()) {
            // not another client: the server evicted keys while the migration ran (tester session 31 R10 L2)
            return new ValidationCheck("sample-keys", false, keys.size() + " sampled keys exist", (keys.size()
                    - deleted.size()) + " exist, " + deleted.size() + " gone", "gone while the server evicted "
                    + (now.getAsLong() - evictedAtStart.getAsLong()) + " keys (see the evictions check), so they "
                    + "were most likely evicted: " + String.join(", ", deleted));
        }
        String actual = (keys.size() - notMoved.size() - deleted.size()) + " exist"
                + (deleted.isEmpty() ? "" : ", " + deleted.size() + " missing since the plan")
                + (notMoved.isEmpty() ? "" : ", " + notMoved.size() + " still under their old names");
        String detail = !notMoved.isEmpty() ? "not moved: " + names(notMoved, originals, keys) + "; re-run 'slipway "
                + "apply' with the same plan to finish the migration"
                : allGone ? "every sampled key is gone: " + String.join(", ", deleted) + "; check whether the "
                + "application or someone else deleted the documents (the backup, if any, holds their originals)"
                : deleted.isEmpty() ? "" : "missing (deleted or expired since the plan, or the plan was made on "
                + "another server; the migration never deletes documents): " + String.join(", ", deleted);
        return new ValidationCheck("sample-keys", notMoved.isEmpty() && !allGone, keys.size()
                + " sampled keys exist (or were deleted since the plan)", actual, detail);
    }

    private static String names(List<String> notMoved, List<String> originals, List<String> keys) {
        List<String> pairs = new ArrayList<>();
        for (String key : notMoved) {
            pairs.add(originals.get(keys.indexOf(key)) + " (expected at " + key + ")");
        }
        return String.join(", ", pairs);
    }

    private boolean exists(String key) {
        return RedisReplies.whole(session.call("EXISTS", key)) != 0;
    }

    /** Runs one query check against an index. */
    ValidationCheck queryCheck(String index, QueryCheck query) {
        String label = "query '" + query.name() + "'";
        // DIALECT 4 reports no exact total (0 for LIMIT 0 0, the page size for a page: checked on Search 2.10,
        // tester session 31 R10 M1); its syntax is dialect 3's, which counts exactly
        String dialect = Integer.toString(QueryCheckDocument.counted(query.dialect()));
        try {
            List<Object> reply = RedisReplies.list(session.call("FT.SEARCH", index, query.query(), "NOCONTENT",
                    "LIMIT", "0", "0", "DIALECT", dialect));
            long total = reply.isEmpty() ? 0 : RedisReplies.whole(reply.get(0));
            Set<String> keys = new HashSet<>();
            if (!query.containsKeys().isEmpty()) {
                // the keys asked for, looked up among the matches (INKEYS): the first page of a query that matches
                // more than a page missed them (tester session 30 R9 M1: 12,000 matches, 10,000 looked at)
                List<String> args = new ArrayList<>(List.of("FT.SEARCH", index, query.query(), "NOCONTENT", "INKEYS",
                        Integer.toString(query.containsKeys().size())));
                args.addAll(query.containsKeys());
                args.addAll(List.of("LIMIT", "0", Integer.toString(query.containsKeys().size()), "DIALECT",
                        dialect));
                List<Object> found = RedisReplies.list(session.call(args));
                for (int i = 1; i < found.size(); i++) {
                    keys.add(RedisReplies.text(found.get(i)));
                }
            }
            List<String> problems = new ArrayList<>();
            query.minResults().filter(min -> total < min).ifPresent(min -> problems.add("fewer than " + min));
            query.maxResults().filter(max -> total > max).ifPresent(max -> problems.add("more than " + max));
            query.containsKeys().stream().filter(k -> !keys.contains(k))
                    .forEach(k -> problems.add("key " + k + " not found"));
            return new ValidationCheck(label, problems.isEmpty(), describe(query), total + " results",
                    problems.isEmpty() ? "" : String.join(", ", problems) + " for " + query.query());
        } catch (RedisCommandException e) {
            return new ValidationCheck(label, false, describe(query), "error", "the server rejected the query: "
                    + e.serverMessage());
        }
    }

    private static String describe(QueryCheck query) {
        List<String> parts = new ArrayList<>();
        query.minResults().ifPresent(m -> parts.add(">= " + m));
        query.maxResults().ifPresent(m -> parts.add("<= " + m));
        String counted = parts.isEmpty() ? "" : String.join(", ", parts) + " results";
        if (query.containsKeys().isEmpty()) {
            return counted.isEmpty() ? "runs without error" : counted;
        }
        // "contains [big:6] results" read as a count (tester session 40 R29 L6)
        return (counted.isEmpty() ? "" : counted + ", ") + "results include " + String.join(", ",
                query.containsKeys());
    }
}
