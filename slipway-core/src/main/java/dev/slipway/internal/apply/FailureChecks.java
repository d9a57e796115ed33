package dev.slipway.internal.apply;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.schema.IndexInfo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Validation's judgement of the documents the migrated index fails to index: the {@code indexing-failures} check
 * (by counts; against the retained previous version when there is one; else, when the counts differ, document by
 * document by what the source schema makes of each), and the {@code dropped-documents} check of a drop-recreate
 * that recorded the keys its source failed on.
 */
final class FailureChecks {
    /** Tries at counting the keys while writes keep moving the count out of its bracket. */
    private static final int BASELINE_ATTEMPTS = 5;
    /** What the {@code dropped-documents} check expects. */
    private static final String DROPPED_EXPECTED = "none of the documents the source index served left out";

    private final RedisSession session;
    private final LiveIndexReader reader;
    private final KeyNamespace namespace;
    /** Why failing documents could not be judged by the source schema; empty when they could. */
    private String notJudged = "";
    /** Why the record of the keys the source failed on could not be read; empty when it could. */
    private String recordRefused = "";

    FailureChecks(RedisSession session, LiveIndexReader reader, KeyNamespace namespace) {
        this.session = session;
        this.reader = reader;
        this.namespace = namespace;
    }

    /**
     * The {@code indexing-failures} check first, then {@code dropped-documents} where it applies.
     *
     * @param sourceFailures         the source's failures of keys that existed when the migration began, if known
     * @param failuresOfExistingKeys the migrated index's failures of keys that exist, when the document count
     *                               counted them
     */
    List<ValidationCheck> check(MigrationPlan plan, IndexInfo info, OptionalLong sourceFailures,
                                OptionalLong failuresOfExistingKeys) {
        List<ValidationCheck> checks = new ArrayList<>();
        ValidationCheck failures = failuresCheck(plan.source(), sourceFailures, info, failuresOfExistingKeys);
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
        return checks;
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
        Optional<SourceFailingKeys> loaded = recorded(plan);
        if (!recordRefused.isEmpty()) { // not a pass: the record is there to catch what the counts hide
            return Optional.of(ValidationCheck.notChecked("dropped-documents", DROPPED_EXPECTED, "the record of the "
                    + "documents the source index failed on could not be read: " + recordRefused + ". Run 'slipway "
                    + "validate' as a user who may read Slipway's keys ("
                    + namespace.sourceFailures(plan.source().indexName()) + ")"));
        }
        return loaded.map(record -> {
            // keys written since the drop are not documents the source served: the source schema judges them
            DroppedDocuments.Found dropped = failingKeys(plan, info).map(FailingKeys::broken).orElseGet(() ->
                    record.droppedBy(session, info.schema().name(), info.schema(), DroppedDocuments.EXAMPLES));
            if (dropped.count() == 0) {
                return new ValidationCheck("dropped-documents", true, DROPPED_EXPECTED, "0 documents", "");
            }
            String named = String.join(", ", dropped.examples()) + (dropped.count() > dropped.examples().size()
                    ? " and " + (dropped.count() - dropped.examples().size()) + " more" : "");
            return new ValidationCheck("dropped-documents", false, DROPPED_EXPECTED, Wording.count(dropped.count(),
                    "document", "documents"), "the new index fails to index "
                    + MigrationValidator.documents(dropped.count(), "that", "that") + " the source index served: "
                    + named + ". The change also lets it index documents the source failed on, so the failure "
                    + "counts alone do not show it. Check 'last indexing error' in "
                    + "FT.INFO, fix the documents or the schema, then migrate again", dropped.examples());
        });
    }

    /**
     * The record of the keys the source failed on, if this plan's migration made one; empty, with {@link
     * #recordRefused} saying why, when the server refuses to read it (a key ACL that leaves out part of Slipway's
     * namespace, tester session 42 R35 R4: validation stopped with no report).
     */
    private Optional<SourceFailingKeys> recorded(MigrationPlan plan) {
        try {
            return SourceFailingKeys.load(session, namespace, plan.source().indexName(), plan.planId());
        } catch (RedisCommandException e) {
            recordRefused = e.getMessage().replaceFirst("\\.$", ""); // the sentence goes on
            return Optional.empty();
        }
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
        Set<ByteBuffer> recorded = recorded(plan).map(SourceFailingKeys::keySet).orElse(Set.of());
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
            notJudged = "more than " + SourceSchemaProbe.MAX_KEYS_TEXT + " documents not indexed";
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
}
