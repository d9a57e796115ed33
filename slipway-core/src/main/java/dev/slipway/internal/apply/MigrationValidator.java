package dev.slipway.internal.apply;

import dev.slipway.api.ApplyOptions;
import dev.slipway.api.ErrorCode;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.plan.ValidationResult;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.QueryCheckDocument;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.plan.DropRecreateStrategy;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.rewrite.IndexRecall;
import dev.slipway.internal.rewrite.OldFormScan;
import dev.slipway.internal.rewrite.OldVectorScan;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Checks a migrated index against its plan: schema, document count, indexing failures, sampled keys, indexing
 * finished, and optional query checks. Read-only. Collects every check; never stops at the first failure.
 */
public final class MigrationValidator {
    /** Keys per SCAN page of the search for vectors of the old datatype. */
    private static final int SCAN_PAGE = 500;
    /** Tries at counting the keys while writes keep moving the count out of its bracket. */
    private static final int BASELINE_ATTEMPTS = 5;

    private final RedisSession session;
    private final LiveIndexReader reader;
    private final ProgressListener progress;
    private OldVectorScan.Result oldVectors;
    /** The documents the scans after a rewrite look at: those the index's FILTER admits, or all. */
    private FilterScope filterScope = FilterScope.everyDocument();
    private OptionalLong sourceFailures = OptionalLong.empty();
    private OptionalLong evictedAtStart = OptionalLong.empty();
    private String backupDir = "<dir>";
    private KeyNamespace namespace = KeyNamespace.DEFAULT;
    private int maxRetries = ApplyOptions.DEFAULTS.maxRetries();
    private StopSignal stop = new StopSignal();
    /** Why the last validation could not judge failing documents by the source schema; empty when it could. */
    private String notJudged = "";

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
        return this;
    }

    /**
     * Whether the plan's migration is recorded as finished, for a {@code validate} of it on its own: the schema check
     * compares what {@code FT.INFO} shows, so a plan whose change it does not show (PHONETIC, a vector's EF_RUNTIME)
     * passed validation unapplied, or after its apply failed (tester session 40 R29 F8).
     */
    public static ValidationCheck appliedCheck(Optional<Checkpoint> checkpoint, MigrationPlan plan) {
        String expected = "the migration of plan " + plan.planId() + " completed";
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
        notJudged = "";
        List<ValidationCheck> checks = new ArrayList<>();
        Optional<IndexInfo> live = reader.find(name);
        if (live.isEmpty()) {
            checks.add(new ValidationCheck("index-exists", false, "index '" + name + "'", "no such index",
                    "the index is missing; re-run 'slipway apply' with the same plan to finish the migration"));
            return new ValidationResult(name, checks);
        }
        IndexInfo info = live.get();
        checks.add(schemaCheck(plan, info));
        checks.add(indexedCheck(info));
        SourceSnapshot source = plan.source();
        OptionalLong failuresOfExistingKeys = OptionalLong.empty();
        DocumentCountCheck count = new DocumentCountCheck(session, namespace.lock(plan.source().indexName()));
        if (plan.validation().requireDocCountMatch()) {
            checks.add(count.check(plan, info));
        } else if (info.schema().filter().isPresent()) { // only the server tells which documents a FILTER admits
            try (FilterScope admission = FilterScope.admittedBy(session, namespace, plan.source().indexName(),
                    info.schema(), stop)) {
                count.admitted(info, admission).ifPresent(checks::add);
            }
        } else {
            count.coverage(info).ifPresent(checks::add);
        }
        failuresOfExistingKeys = count.failuresOfExistingKeys();
        ValidationCheck failures = failuresCheck(source, sourceFailures, info, failuresOfExistingKeys);
        Optional<ValidationCheck> baselined = failures.passed() || !plan.validation().requireDocCountMatch()
                ? Optional.empty() : failuresAgainstBaseline(plan, info);
        boolean judged = false;
        if (!failures.passed() && baselined.isEmpty()) {
            // the counts compare different moments: ask the source schema about each document that fails now
            Optional<FailingKeys> keys = failingKeys(plan, info);
            judged = keys.isPresent();
            String counted = failures.expected();
            ValidationCheck byCounts = failures;
            failures = keys.map(k -> k.failuresCheck(counted)).orElseGet(() -> notJudged.isEmpty() ? byCounts
                    : new ValidationCheck(byCounts.name(), false, byCounts.expected(), byCounts.actual(),
                    byCounts.detail() + ". Which of them the source schema would index could not be checked "
                    + "document by document: " + notJudged, byCounts.documents()));
        }
        failures = baselined.orElse(failures);
        checks.add(failures);
        long failing = Math.min(info.stats().indexingFailures(),
                failuresOfExistingKeys.orElse(info.stats().indexingFailures()));
        if (failures.passed() && failing > 0 && !judged) {
            droppedCheck(plan, info).ifPresent(checks::add);
        }
        if (!failures.passed()) { // the usual cause in a migration that converts vectors
            plan.rewrite().filter(OldVectorScan::applies).ifPresent(rewrite -> checks.add(oldVectorCheck(rewrite,
                    info)));
        }
        plan.rewrite().filter(OldFormScan::applies).ifPresent(rewrite -> checks.add(oldFormCheck(rewrite, info)));
        checks.add(sampleCheck(plan));
        if (!backupDir.equals("<dir>")) {
            checks.addAll(IndexRecall.measure(session, plan, Path.of(backupDir)));
        }
        Evictions.check(session, evictedAtStart).ifPresent(checks::add);
        for (QueryCheck query : queries) {
            List<String> unknown = QueryFields.unknown(List.of(query), plan.targetSchema(), plan.source().schema());
            checks.add(unknown.isEmpty() ? queryCheck(name, query) : new ValidationCheck("query '" + query.name()
                    + "'", false, describe(query), "not run", unknown.get(0)));
        }
        return new ValidationResult(name, checks);
    }

    private static ValidationCheck schemaCheck(MigrationPlan plan, IndexInfo info) {
        var expected = plan.targetSchema().withName(info.schema().name());
        List<String> differences = VisibleSchema.differences(expected, info.schema());
        return new ValidationCheck("schema", differences.isEmpty(), "the plan's target schema",
                differences.isEmpty() ? "equal" : differences.size() + " differences",
                differences.isEmpty() ? "" : String.join("; ", differences)
                        + ". Someone changed the index after the migration, or the migration did not finish; "
                        + "compare 'slipway index info " + plan.servedName() + "' with the plan.");
    }

    private static ValidationCheck indexedCheck(IndexInfo info) {
        boolean done = info.stats().fullyIndexed();
        return new ValidationCheck("indexing-complete", done, "percent_indexed 1",
                "percent_indexed " + info.stats().percentIndexed(),
                done ? "" : "the index is still indexing; wait and run 'slipway validate' again");
    }

    /**
     * No more documents may fail to index than before. When the document count had to count the keys, only as many
     * failures as there are keys the index does not hold are counted: the server counts every failed write, and
     * keeps counting a key that was deleted, expired or written again in a form it indexes (checked on Redis 7.4.1:
     * three failed writes of one key count 3, and still 3 once it is deleted).
     */
    private static ValidationCheck failuresCheck(SourceSnapshot source, OptionalLong sourceFailures, IndexInfo info,
                                                 OptionalLong failuresOfExistingKeys) {
        long before = Math.min(source.indexingFailures(), sourceFailures.orElse(source.indexingFailures()));
        long reported = info.stats().indexingFailures();
        long after = Math.min(reported, failuresOfExistingKeys.orElse(reported));
        String allowed = "at most " + before + (before == source.indexingFailures() ? "" : " (the source's failures "
                + "of keys that existed when the migration began; the plan's snapshot reported "
                + source.indexingFailures() + ", the others counted for keys deleted or mended before)");
        return new ValidationCheck("indexing-failures", after <= before, allowed, after == reported
                ? Long.toString(after) : after + " (of " + reported + " reported; the server counts every failed "
                + "write, and the others were counted for keys deleted, expired or written again in a form it indexes "
                + "since, or for one key more than once)",
                after <= before ? "" : (after - before) + " more documents failed to index than before: the new "
                        + "schema cannot index them, or the application wrote them since in a form the index cannot "
                        + "take; check 'last indexing error' in FT.INFO, fix the documents or the schema, then roll "
                        + "back or migrate again");
    }

    /**
     * Documents the new index fails on that the source index served, when a drop-recreate migration recorded the
     * keys its source failed on ({@link SourceFailingKeys}): the failure counts alone pass a change that fixes as many
     * documents as it breaks. Empty when nothing was recorded (no failures then, too many, or another migration).
     */
    private Optional<ValidationCheck> droppedCheck(MigrationPlan plan, IndexInfo info) {
        return SourceFailingKeys.load(session, namespace, plan.source().indexName(), plan.planId()).map(record -> {
            // keys written since the drop are not documents the source served: the source schema judges them
            DroppedDocuments.Found dropped = failingKeys(plan, info).map(FailingKeys::broken).orElseGet(() ->
                    record.droppedBy(session, info.schema().name(), info.schema(), DroppedDocuments.EXAMPLES));
            String expected = "none of the documents the source index served left out";
            if (dropped.count() == 0) {
                return new ValidationCheck("dropped-documents", true, expected, "0 documents", "");
            }
            String named = String.join(", ", dropped.examples()) + (dropped.count() > dropped.examples().size()
                    ? " and " + (dropped.count() - dropped.examples().size()) + " more" : "");
            return new ValidationCheck("dropped-documents", false, expected, Wording.count(dropped.count(),
                    "document", "documents"), "the new index fails to index " + documents(dropped.count(), "that",
                    "that") + " the source index served: " + named + ". The change also lets it index documents the "
                    + "source failed on, so the failure counts alone do not show it. Check 'last indexing error' in "
                    + "FT.INFO, fix the documents or the schema, then migrate again", dropped.examples());
        });
    }

    /**
     * The documents the new index fails on, sorted by what the source schema makes of them ({@link
     * SourceSchemaProbe}): those a drop-recreate migration recorded as failing on the source before the drop need no
     * probe. Only for a migration that leaves the documents as they are (a rewrite changes what the source schema
     * would read) and an index without a FILTER (then every key under its prefixes it does not hold is a failure).
     * Empty when it cannot be told: see {@link SourceSchemaProbe}.
     */
    private Optional<FailingKeys> failingKeys(MigrationPlan plan, IndexInfo info) {
        IndexSchema schema = info.schema();
        if (plan.rewrite().isPresent() || !KeyCoverage.countable(schema)) {
            return Optional.empty();
        }
        Set<ByteBuffer> recorded = SourceFailingKeys.load(session, namespace, plan.source().indexName(),
                plan.planId()).map(SourceFailingKeys::keySet).orElse(Set.of());
        List<String> sourcePrefixes = plan.source().schema().prefixes();
        List<byte[]> judge = new ArrayList<>();
        List<byte[]> uncovered = new ArrayList<>();
        long[] failing = {0};
        boolean complete = DroppedDocuments.forEachNotHeld(session, schema, schema.name(), key -> {
            failing[0]++;
            if (!recorded.contains(ByteBuffer.wrap(key))) {
                (under(key, sourcePrefixes) ? judge : uncovered).add(key);
            }
        }, () -> judge.size() + uncovered.size() > SourceSchemaProbe.MAX_KEYS);
        if (!complete) {
            notJudged = "more than " + SourceSchemaProbe.MAX_KEYS + " documents not indexed";
            return Optional.empty();
        }
        return SourceSchemaProbe.judge(session, namespace, plan.source().indexName(), plan.source().schema(),
                        schema.name(), judge, reason -> notJudged = reason)
                .map(verdict -> new FailingKeys(failing[0], failing[0] - judge.size() - uncovered.size(), verdict,
                        uncovered));
    }

    /** Whether the key starts with one of the prefixes (or there are none: every key). */
    private static boolean under(byte[] key, List<String> prefixes) {
        return prefixes.isEmpty() || prefixes.stream().map(p -> p.getBytes(StandardCharsets.UTF_8))
                .anyMatch(p -> p.length <= key.length && Arrays.equals(key, 0, p.length, p, 0, p.length));
    }

    /**
     * The documents the new index does not hold, by cause.
     *
     * @param failing   how many keys it does not hold
     * @param recorded  of them, the keys the source failed on before the drop
     * @param verdict   what the source schema made of the others under its prefixes
     * @param uncovered the others, under prefixes the source did not cover
     */
    private record FailingKeys(long failing, long recorded, SourceSchemaProbe.Verdict verdict,
                               List<byte[]> uncovered) {
        /** The documents the source schema indexes and the new index fails on, with examples. */
        DroppedDocuments.Found broken() {
            DroppedDocuments.Tally tally = new DroppedDocuments.Tally(DroppedDocuments.EXAMPLES);
            verdict.accepted().forEach(tally::add);
            return tally.found();
        }

        /** Indexing failures judged document by document, instead of as counts taken at different moments. */
        ValidationCheck failuresCheck(String counted) {
            DroppedDocuments.Found broken = broken();
            DroppedDocuments.Tally newlyCovered = new DroppedDocuments.Tally(DroppedDocuments.EXAMPLES);
            uncovered.forEach(newlyCovered::add);
            boolean passed = broken.count() == 0 && uncovered.isEmpty();
            String actual = Wording.count(failing, "document", "documents") + " not indexed: " + recorded
                    + " the source failed on before the change, " + verdict.rejected() + " the source schema "
                    + "rejects too (checked now on copies), " + verdict.gone() + " gone or written again since, "
                    + broken.count() + " the source schema indexes" + (uncovered.isEmpty() ? "" : ", "
                    + uncovered.size() + " under prefixes the source did not cover");
            List<String> named = new ArrayList<>(broken.examples());
            named.addAll(newlyCovered.found().examples());
            String detail = passed ? "" : (broken.count() == 0 ? "" : "the new index fails on " + broken.count()
                    + " documents the source schema indexes: " + String.join(", ", broken.examples())
                    + (broken.count() > broken.examples().size() ? " and more" : "") + ". ")
                    + (uncovered.isEmpty() ? "" : "It fails on " + uncovered.size() + " documents under prefixes the "
                    + "source did not cover: " + String.join(", ", newlyCovered.found().examples())
                    + (uncovered.size() > newlyCovered.found().examples().size() ? " and more" : "") + ". ")
                    + "Check 'last indexing error' in FT.INFO, fix the documents or the schema, then roll back or "
                    + "migrate again";
            return new ValidationCheck("indexing-failures", passed, counted + "; the counts differ, so each "
                    + "document not indexed is judged: none may be one the source schema indexes", actual, detail,
                    named);
        }
    }

    /**
     * The failures compared with the retained previous version's instead, when there is one: it sees the same
     * writes, so a document the application wrote in a form neither schema indexes counts on both sides, and only
     * failures of keys that exist now are compared ({@link KeyCoverage}; it must have no FILTER). Empty when there is
     * no previous version or the keys could not be counted.
     */
    private Optional<ValidationCheck> failuresAgainstBaseline(MigrationPlan plan, IndexInfo info) {
        String index = info.schema().name();
        Optional<String> baseline = plan.validation().countBaseline().filter(b -> !b.equals(index))
                .filter(b -> reader.findPhysical(b).isPresent());
        if (baseline.isEmpty() || !KeyCoverage.countable(info.schema())) {
            return Optional.empty();
        }
        return KeyCoverage.measure(session, info.schema(), List.of(index, baseline.get()), BASELINE_ATTEMPTS)
                .map(coverage -> {
                    long before = coverage.failuresOfExistingKeys(baseline.get());
                    long after = coverage.failuresOfExistingKeys(index);
                    return new ValidationCheck("indexing-failures", after <= before, "at most " + before
                            + " (failures of keys that exist now, in the previous version '" + baseline.get()
                            + "', which sees the same writes)", Long.toString(after), after <= before ? ""
                            : (after - before) + " more documents failed to index with the new schema than with "
                            + "the previous version; check 'last indexing error' in FT.INFO, fix the documents or "
                            + "the schema, then roll back with 'slipway rollback --index " + plan.servedName()
                            + "' or migrate again");
                });
    }

    /**
     * After more documents failed to index than before, whether a client wrote vectors of the old datatype into
     * fields the migration converted (the usual cause: an application that still writes the old format). Names
     * them and says whether re-running apply converts them ({@link OldVectorScan}).
     */
    private ValidationCheck oldVectorCheck(RewriteSpec rewrite, IndexInfo info) {
        OldVectorScan.Result found = OldVectorScan.run(rewrite, filterScope, info.schema().prefixes(),
                session.endpoint(), SCAN_PAGE, maxRetries, info.stats().documents(), progress);
        oldVectors = found;
        String actual = found.found() + " of " + found.documentsChecked() + " documents";
        if (found.found() == 0) {
            return new ValidationCheck("old-vectors", true, "no vectors of the old datatype", actual, "");
        }
        String named = String.join(", ", found.examples()) + (found.found() > found.examples().size() ? " and "
                + (found.found() - found.examples().size()) + " more" : "");
        String what = documents(found.found(), "holds", "hold") + " a vector of the old datatype again ("
                + OldVectorScan.describe(rewrite) + "), so the new index cannot index them; a client wrote them in the "
                + "old format after their rewrite (or a server restart lost the rewrite's writes to them): " + named
                + ". ";
        String next = found.repairable() ? "Make the application write the new datatype, then re-run 'slipway "
                + "apply' with the same plan: it rewrites them, backing up their current values first"
                : found.outsideRewrite() + " of them are where the rewrite does not look (under the new prefix, "
                + "or in a renamed field), so re-running apply cannot convert them: write them in the new datatype, "
                + "or roll back with 'slipway rollback --backup-dir " + backupDir + "'";
        return new ValidationCheck("old-vectors", false, "no vectors of the old datatype", actual, what + next,
                found.examples());
    }

    /**
     * After a rewrite that moved keys to a new prefix or renamed hash fields, whether a client wrote documents in the
     * form it moved away from since ({@link OldFormScan}): the new index does not find them, or not their new values.
     */
    private ValidationCheck oldFormCheck(RewriteSpec rewrite, IndexInfo info) {
        OldFormScan.Result found = OldFormScan.run(rewrite, filterScope, info.schema().prefixes(),
                session.endpoint(), SCAN_PAGE, maxRetries, info.stats().documents(), progress);
        String actual = found.found() + " of " + found.documentsChecked() + " documents";
        if (found.found() == 0) {
            return new ValidationCheck("old-form", true, "no documents in the form the rewrite moved away from",
                    actual, "");
        }
        String named = String.join(", ", found.examples()) + (found.found() > found.examples().size() ? " and "
                + (found.found() - found.examples().size()) + " more" : "");
        List<String> what = new ArrayList<>();
        if (found.underOldPrefix() > 0) {
            what.add(found.underOldPrefix() + " under the old prefix, which the new index does not cover");
        }
        if (found.withOldFields() > 0) {
            what.add(found.withOldFields() + " holding a renamed field under its old name, whose value the new "
                    + "index does not read");
        }
        return new ValidationCheck("old-form", false, "no documents in the form the rewrite moved away from", actual,
                documents(found.found(), "is", "are") + " in the form the rewrite moved away from ("
                + String.join("; ", what) + "): a client wrote them after their rewrite, so the application still "
                + "writes the old form (or a server restart lost the rewrite's writes to them): " + named + ". Make "
                + "the application write the new form, then move them "
                + "(RENAME to the new prefix, or " + (rewrite.storage() == StorageType.HASH ? "HSET the new field and "
                + "HDEL the old one" : "JSON.SET the new path and JSON.DEL the old one") + "), or roll back with "
                + "'slipway rollback --backup-dir " + backupDir + "', which asks before it overwrites documents "
                + "changed since the migration", found.exampleKeys());
    }

    /** "1 document holds" or "3 documents hold": a count of documents with its verb. */
    private static String documents(long count, String singularVerb, String pluralVerb) {
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
                + (deleted.isEmpty() ? "" : ", " + deleted.size() + " deleted since the plan")
                + (notMoved.isEmpty() ? "" : ", " + notMoved.size() + " still under their old names");
        String detail = !notMoved.isEmpty() ? "not moved: " + names(notMoved, originals, keys) + "; re-run 'slipway "
                + "apply' with the same plan to finish the migration"
                : allGone ? "every sampled key is gone: " + String.join(", ", deleted) + "; check whether the "
                + "application or someone else deleted the documents (the backup, if any, holds their originals)"
                : deleted.isEmpty() ? "" : "deleted (by another client; the migration never deletes documents): "
                + String.join(", ", deleted);
        return new ValidationCheck("sample-keys", notMoved.isEmpty() && !allGone, keys.size()
                + " sampled keys exist (or were deleted by another client)", actual, detail);
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
