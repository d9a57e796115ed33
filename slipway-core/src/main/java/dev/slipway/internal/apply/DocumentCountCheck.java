package dev.slipway.internal.apply;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.schema.FtInfoReader;
import dev.slipway.internal.schema.IndexInfo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The document-count check, made robust to an application that keeps writing: the new index must hold as many
 * documents (indexed + failed) as the retained previous version — both counts read in one transaction, since both
 * indexes see the same writes — or, without a previous version, as the snapshot had. When the counts differ, it
 * counts the keys under the index's prefixes ({@link KeyCoverage}): the check passes when the new index (and the
 * previous version) covers every one of them, since the server keeps counting failures of keys deleted or written
 * again since, and a document that expires while the index is built can stay counted as a failure.
 */
final class DocumentCountCheck {
    private static final Logger LOG = LoggerFactory.getLogger(DocumentCountCheck.class);
    private static final int ATTEMPTS = 5;

    private final RedisSession session;
    /** The migration lock's key, whose lease is a time to live of Slipway's own. */
    private final String lockKey;
    private long failuresOfExistingKeys = -1;

    DocumentCountCheck(RedisSession session, String lockKey) {
        this.session = session;
        this.lockKey = lockKey;
    }

    ValidationCheck check(MigrationPlan plan, IndexInfo live) {
        Optional<String> baseline = plan.validation().countBaseline().filter(b -> !b.equals(live.schema().name()))
                .filter(this::exists);
        return baseline.map(b -> againstBaseline(live.schema().name(), b)).orElseGet(() -> againstSnapshot(plan, live));
    }

    private boolean exists(String index) {
        return RedisReplies.list(session.call("FT._LIST")).stream().map(RedisReplies::text).anyMatch(index::equals);
    }

    private ValidationCheck againstBaseline(String index, String baseline) {
        long[] counts = {0, 0};
        IndexSchema schema = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            // both read in one transaction: both indexes see the same writes
            Map<String, IndexInfo> infos = KeyCoverage.read(session, List.of(index, baseline));
            counts[0] = infos.get(index).stats().documents();
            counts[1] = infos.get(baseline).stats().documents();
            schema = infos.get(index).schema();
            if (counts[0] == counts[1]) {
                return againstBaseline(baseline, counts, true);
            }
            KeyCoverage.pause(); // the writes in flight reach both indexes
        }
        // the previous version may go on counting failures of keys deleted or written again since it was built,
        // which the new one never saw: both pass when each covers every key under their (equal) prefixes
        Optional<KeyCoverage> coverage = KeyCoverage.countable(schema) && !volatileKeys()
                ? KeyCoverage.measure(session, schema, List.of(index, baseline), ATTEMPTS) : Optional.empty();
        if (coverage.isPresent()) {
            KeyCoverage keys = coverage.get();
            failuresOfExistingKeys = keys.failuresOfExistingKeys(index);
            return new ValidationCheck("document-count", true, keys.keys() + " (keys under the index's prefixes, "
                    + "which the previous version '" + baseline + "' also covers; it counts "
                    + keys.info(baseline).stats().documents() + " as indexed + failed, failures of keys deleted or "
                    + "written again since included)", Long.toString(keys.info(index).stats().documents()), "");
        }
        Map<String, IndexInfo> infos = KeyCoverage.read(session, List.of(index, baseline));
        Optional<DroppedDocuments.KeyByKey> lookedUp = DroppedDocuments.lookUpEveryKey(session, infos.get(baseline),
                infos.get(index));
        if (lookedUp.isPresent() && lookedUp.get().dropsNothing()) {
            IndexInfo now = infos.get(index);
            IndexInfo before = infos.get(baseline);
            failuresOfExistingKeys = lookedUp.get().failuresOfExistingKeys();
            return new ValidationCheck("document-count", true, "every document the previous version '" + baseline
                    + "' serves (" + before.stats().numDocs() + " indexed, read in the same transaction), looked up "
                    + "key by key", now.stats().numDocs() + " indexed + " + now.stats().indexingFailures()
                    + " failures, " + failuresOfExistingKeys + " of keys that exist (the previous version counts "
                    + before.stats().documents() + " in all: keys expired or were deleted while the versions were "
                    + "built, and stay counted)", "");
        }
        return againstBaseline(baseline, counts, false);
    }

    private static ValidationCheck againstBaseline(String baseline, long[] counts, boolean passed) {
        return new ValidationCheck("document-count", passed, counts[1] + " (num_docs + indexing failures of the "
                + "previous version '" + baseline + "', read in the same transaction)", Long.toString(counts[0]),
                passed ? "" : "the new version indexes a different set of documents than the previous one; compare "
                        + "the two with FT.INFO and roll back with 'slipway rollback' if needed");
    }

    private ValidationCheck againstSnapshot(MigrationPlan plan, IndexInfo live) {
        long expected = plan.source().numDocs() + plan.source().indexingFailures();
        long actual = live.stats().documents();
        ValidationCheck asPlanned = new ValidationCheck("document-count", true, expected + " (num_docs + indexing "
                + "failures at plan time)", Long.toString(actual), "");
        boolean moreFailures = live.stats().indexingFailures() > plan.source().indexingFailures();
        if (expected == actual && !moreFailures) {
            return asPlanned;
        }
        // the count differs, or more documents failed: count the keys, which also tells failures of keys that
        // still exist from those of keys deleted or expired since
        IndexSchema schema = live.schema();
        if (KeyCoverage.countable(schema)) {
            boolean expiring = volatileKeys();
            Optional<KeyCoverage> coverage = expiring ? Optional.empty()
                    : KeyCoverage.measure(session, schema, List.of(schema.name()), ATTEMPTS);
            if (coverage.isPresent()) {
                KeyCoverage keys = coverage.get();
                IndexInfo last = keys.info(schema.name());
                failuresOfExistingKeys = keys.failuresOfExistingKeys(schema.name());
                return new ValidationCheck("document-count", true, keys.keys() + " (keys under the index's "
                        + "prefixes now; " + expected + " at plan time as indexed + failed: the failures may "
                        + "include keys deleted or mended before, or the application wrote, deleted or let "
                        + "expire documents since)", covered(last, failuresOfExistingKeys), "");
            }
            // keys that expire (or are written) steadily: no count settles, so every key is looked up instead
            OptionalLong lookedUp = DroppedDocuments.failuresOfExistingKeys(session, schema);
            IndexInfo now = FtInfoReader.read(schema.name(), session.call("FT.INFO", schema.name()));
            if (lookedUp.isPresent() && lookedUp.getAsLong() > now.stats().indexingFailures()) {
                return unseenKeys(expected + " (num_docs + indexing failures at plan time)", now,
                        lookedUp.getAsLong());
            }
            if (lookedUp.isPresent()) {
                failuresOfExistingKeys = lookedUp.getAsLong();
                // not "too fast" for one key with a TTL on a quiet server (tester session 48 R43 T1 F4)
                String why = expiring ? "since keys of this database have a time to live (INFO keyspace: expires), "
                        + "which an index goes on counting after they expire" : "since the keys changed too fast to "
                        + "be counted (written or deleted steadily)";
                return new ValidationCheck("document-count", true, "every key under the index's prefixes, looked up "
                        + "in it one by one, " + why + " (" + expected + " at plan time as indexed + failed)",
                        covered(now, failuresOfExistingKeys), "");
            }
            actual = now.stats().documents();
        }
        if (expected == actual) {
            return asPlanned;
        }
        if (!KeyCoverage.countable(schema)) {
            // a FILTER: the keys under the prefixes are not the documents. The source may have counted failures of
            // documents deleted or mended before, which it cannot tell apart: the new one must index at least what
            // the source did, and count no more than it did in all
            long fewest = plan.source().numDocs();
            long indexed = live.stats().numDocs();
            boolean between = fewest <= indexed && actual <= expected;
            return new ValidationCheck("document-count", between, fewest + ".." + expected + " (num_docs .. num_docs "
                    + "+ indexing failures at plan time, with at least " + fewest + " indexed; the failures may "
                    + "include documents deleted or mended before, which an index with a FILTER cannot tell apart)",
                    actual + " (" + indexed + " indexed)", between ? "" : indexed < fewest ? (fewest - indexed)
                    + " fewer documents are indexed than at plan time: the new schema fails on them, or the "
                    + "application deleted them since (with a FILTER, Slipway cannot count the keys to tell); check "
                    + "FT.INFO for indexing errors" : "the index holds more documents than at plan time (with a "
                    + "FILTER, Slipway cannot count the keys it covers); check whether the application wrote "
                    + "documents since");
        }
        return new ValidationCheck("document-count", false, expected + " (num_docs + indexing failures at plan "
                + "time)", Long.toString(actual), "the index holds a different number of documents than at plan time, "
                + "and the keys under its prefixes are not between its indexed documents and those plus its "
                + "indexing failures; check FT.INFO for indexing errors");
    }

    /**
     * For a change of the documents the index covers (its prefix list), where the source's count does not apply:
     * every key under the new prefixes must be indexed or counted as a failure, so that an index that never read
     * some (created SKIPINITIALSCAN by hand) fails as it does after other changes (tester session 41 R31 F1: it
     * served 0 of 20 documents and passed). Empty for an index with a FILTER, whose keys are not its documents
     * ({@link #admitted} judges one).
     */
    Optional<ValidationCheck> coverage(IndexInfo live) {
        IndexSchema schema = live.schema();
        if (!KeyCoverage.countable(schema)) {
            return Optional.empty();
        }
        String expected = "every key under the index's prefixes indexed or counted as an indexing failure (the "
                + "prefix list or FILTER changed, so the count at plan time does not apply)";
        Optional<KeyCoverage> coverage = volatileKeys() ? Optional.empty()
                : KeyCoverage.measure(session, schema, List.of(schema.name()), ATTEMPTS);
        if (coverage.isPresent()) {
            failuresOfExistingKeys = coverage.get().failuresOfExistingKeys(schema.name());
            return Optional.of(new ValidationCheck("document-count", true, expected, coverage.get().keys()
                    + " keys: " + covered(coverage.get().info(schema.name()), failuresOfExistingKeys), ""));
        }
        OptionalLong lookedUp = DroppedDocuments.failuresOfExistingKeys(session, schema);
        IndexInfo now = FtInfoReader.read(schema.name(), session.call("FT.INFO", schema.name()));
        if (lookedUp.isEmpty()) {
            return Optional.empty(); // keys with a NUL byte in an index too large to list: not judged
        }
        if (lookedUp.getAsLong() > now.stats().indexingFailures()) {
            return Optional.of(unseenKeys(expected, now, lookedUp.getAsLong()));
        }
        failuresOfExistingKeys = lookedUp.getAsLong();
        return Optional.of(new ValidationCheck("document-count", true, expected, "every key looked up in it one by "
                + "one: " + covered(now, failuresOfExistingKeys), ""));
    }

    /**
     * For an index with a FILTER, after a change of its FILTER or prefix list, where the count at plan time does not
     * apply and the keys under the prefixes are not its documents ({@link #coverage} for one without): the documents
     * the FILTER admits (those {@code admission}, a throwaway index over the same prefixes and FILTER, holds) that
     * exist and that the index does not hold must all be documents its schema fails on. Up to
     * {@value SourceSchemaProbe#MAX_KEYS} of them are judged one by one by {@code judge} (copies indexed by the
     * schema, {@link SourceSchemaProbe}): one the schema indexes was never read (tester session 41 R32 N1: an index
     * rebuilt by hand with SKIPINITIALSCAN served none of them and passed). Of more, a uniform sample of as many is
     * judged, and one the schema indexes fails it. Otherwise, or when they cannot be judged, they are compared with the
     * failures the index reports, which can hide as many never read as it counts failures of keys deleted or mended
     * since (R33 F3), and the check says so. For a hash index the throwaway index admits every document
     * whatever its values ({@link FilterScope#admissionSchema}), so the documents it fails on are counted too (R33
     * F2); for a JSON one only those whose named attributes are valid. {@code betweenPages} runs before each page of
     * keys is looked up (a stop request ends the check there). Empty when keys with a NUL byte could not all be
     * looked up.
     */
    Optional<ValidationCheck> admitted(IndexInfo live, FilterScope admission, Runnable betweenPages,
                                       BiFunction<List<byte[]>, Consumer<String>, Optional<SourceSchemaProbe.Verdict>>
                                               judge) {
        IndexSchema schema = live.schema();
        String expected = "every document the FILTER admits (" + admission.admittedCount() + " now, by a throwaway "
                + "index over the same prefixes and FILTER) indexed, or one the schema fails on (the prefix list or "
                + "FILTER changed, so the count at plan time does not apply)";
        List<byte[]> notHeld = new ArrayList<>();
        long[] count = {0};
        boolean every = DroppedDocuments.forEachAdmittedNotHeld(session, schema,
                keys -> {
                    betweenPages.run();
                    return admission.admittedAmong(session.jedis(), keys);
                }, key -> {
                    count[0]++;
                    if (notHeld.size() < SourceSchemaProbe.MAX_KEYS) {
                        notHeld.add(key);
                    } else { // a uniform sample of them all (reservoir): some never read are found among more
                        long at = java.util.concurrent.ThreadLocalRandom.current().nextLong(count[0]);
                        if (at < SourceSchemaProbe.MAX_KEYS) {
                            notHeld.set((int) at, key);
                        }
                    }
                });
        if (!every) {
            return Optional.empty(); // keys with a NUL byte in an index too large to list: not judged
        }
        boolean everyAdmitted = schema.storageType() == StorageType.HASH;
        boolean sampled = count[0] > SourceSchemaProbe.MAX_KEYS;
        String[] whyNot = {"more than " + SourceSchemaProbe.MAX_KEYS_TEXT + " of them; a sample of "
                + SourceSchemaProbe.MAX_KEYS_TEXT + " judged on copies held none the schema indexes"};
        Optional<SourceSchemaProbe.Verdict> verdict = judge.apply(notHeld, reason -> whyNot[0] = reason);
        IndexInfo now = FtInfoReader.read(schema.name(), session.call("FT.INFO", schema.name()));
        if (verdict.isPresent() && !verdict.get().accepted().isEmpty()) {
            return Optional.of(neverRead(expected, now, count[0], verdict.get().accepted(), sampled));
        }
        if (verdict.isPresent() && !sampled) {
            SourceSchemaProbe.Verdict judged = verdict.get();
            if (everyAdmitted) {
                failuresOfExistingKeys = judged.rejected();
            }
            return Optional.of(new ValidationCheck("document-count", true, expected, now.stats().numDocs()
                    + " indexed; of the " + count[0] + " admitted documents it does not hold, " + judged.rejected()
                    + " the schema fails on (checked now on copies) and " + judged.gone() + " gone or written again "
                    + "since", ""));
        }
        if (count[0] > now.stats().indexingFailures()) {
            ValidationCheck unseen = unseenKeys(expected, now, count[0], "that its FILTER admits");
            return Optional.of(new ValidationCheck(unseen.name(), false, unseen.expected(), unseen.actual()
                    + " (counts only, not judged one by one: " + whyNot[0] + "; the number never read is a lower "
                    + "bound)", unseen.detail(), unseen.documents()));
        }
        if (everyAdmitted) {
            failuresOfExistingKeys = count[0];
        }
        if (count[0] > 0 && sampled && verdict.isPresent()) { // a judged sample held none never read: not a warning
            // for an index a full scan has just built (tester session 42 R35 R4)
            LOG.info("A sample of {} of the {} admitted documents '{}' does not hold, judged on copies, held none its "
                    + "schema indexes; the rest are compared with the {} indexing failures it reports",
                    SourceSchemaProbe.MAX_KEYS_TEXT, count[0], schema.name(), now.stats().indexingFailures());
        } else if (count[0] > 0) { // said, not only logged: a count can hide documents never read (R34 N2)
            LOG.warn("The {} admitted documents '{}' does not hold were not judged one by one ({}): they are compared "
                    + "with the {} indexing failures it reports, among which failures of keys deleted or mended since "
                    + "can hide as many documents it never read", count[0], schema.name(), whyNot[0],
                    now.stats().indexingFailures());
        }
        return Optional.of(new ValidationCheck("document-count", true, expected, "every key under the index's "
                + "prefixes looked up in it and in the throwaway index: " + now.stats().numDocs() + " indexed, "
                + count[0] + " admitted documents it does not hold, within the " + now.stats().indexingFailures()
                + " indexing failures it reports" + (count[0] == 0 ? "" : " (counts only, not judged one by one: "
                + whyNot[0] + "; failures of keys deleted or mended since can hide as many documents never read)"),
                ""));
    }

    /** Documents the schema indexes (judged on copies) that the index does not hold: it never read them. */
    private static ValidationCheck neverRead(String expected, IndexInfo now, long notHeld, List<byte[]> indexable,
                                             boolean sampled) {
        DroppedDocuments.Tally named = new DroppedDocuments.Tally(DroppedDocuments.EXAMPLES);
        indexable.forEach(named::add);
        DroppedDocuments.Found found = named.found();
        String among = sampled ? "of a sample of " + SourceSchemaProbe.MAX_KEYS_TEXT + " of them, " : "";
        return new ValidationCheck("document-count", false, expected, now.stats().numDocs() + " indexed + "
                + now.stats().indexingFailures() + " failures; " + notHeld + " admitted documents exist that it does "
                + "not hold; " + among + found.count() + " its schema indexes (checked now on copies)",
                (sampled ? "At least " : "") + Wording.count(found.count(), "document", "documents")
                + " that the FILTER admits and the schema "
                + "indexes " + (found.count() == 1 ? "is" : "are") + " not in the index: it never read them (it was "
                + "created with SKIPINITIALSCAN, or the keys reached its prefixes in a way the server does not "
                + "index), so queries miss them: " + String.join(", ", found.examples())
                + (found.count() > found.examples().size() ? " and more" : "") + ". Recreate the index without "
                + "SKIPINITIALSCAN (FT.DROPINDEX without DD, then FT.CREATE with the plan's target schema), or roll "
                + "back to a version that holds them", found.examples());
    }

    /**
     * Keys under the prefixes that exist and that the index neither holds nor counts as failures: it never read them.
     * Every write the server fails to index counts as a failure, and the count never goes down, so an index that
     * read every key reports at least as many failures as it has existing keys it does not hold. Fewer means it
     * skipped keys (created with SKIPINITIALSCAN by someone, or keys that reached the prefixes in a way the server
     * does not index): those documents are missing from every query (tester session 40 R29 F7, where such an index
     * passed as "0 indexed + 1000 failing").
     */
    private static ValidationCheck unseenKeys(String expected, IndexInfo now, long notHeld) {
        return unseenKeys(expected, now, notHeld, "under the index's prefixes");
    }

    /** As above, of the keys {@code which} ("under the index's prefixes", "that its FILTER admits"). */
    private static ValidationCheck unseenKeys(String expected, IndexInfo now, long notHeld, String which) {
        long unseen = notHeld - now.stats().indexingFailures();
        return new ValidationCheck("document-count", false, expected, now.stats().numDocs() + " indexed + "
                + now.stats().indexingFailures() + " failures; " + notHeld + " keys " + which + " exist that it does "
                + "not hold (looked up one by one)",
                Wording.count(unseen, "existing key", "existing keys") + " " + which + " "
                + (unseen == 1 ? "is" : "are") + " neither indexed nor counted as an indexing failure: the index "
                + "never read them (it was created with SKIPINITIALSCAN, or the keys reached its prefixes in a way the "
                + "server does not index), so queries miss them. Recreate the index without SKIPINITIALSCAN "
                + "(FT.DROPINDEX without DD, then FT.CREATE with the plan's target schema), or roll back to a "
                + "version that holds them");
    }

    /**
     * Whether keys of the database expire ({@code INFO keyspace}: {@code expires} above 0), or it cannot be told. An
     * index goes on counting a key that has expired until the server reclaims it, while SCAN no longer returns it, so
     * keys − indexed undercounts the failures of existing keys: under a TTL cache, 5 documents a new schema failed on
     * passed validation as 0 failures (tester session 31 R11 H2). Then every key is looked up instead. The
     * migration lock's lease does not count; another migration's lock does (then the keys are looked up, which is
     * slower and as exact).
     */
    private boolean volatileKeys() {
        OptionalLong expires = session.keyspaceFigure("expires");
        return expires.isEmpty() || expires.getAsLong() > ownVolatileKeys();
    }

    /** Slipway's keys with a time to live: the migration's lock, while it is held. */
    private long ownVolatileKeys() {
        return RedisReplies.whole(session.call("PTTL", lockKey)) >= 0 ? 1 : 0;
    }

    /**
     * Indexed + failing documents of keys that exist; when the index reports more failures (kept for keys deleted or
     * mended), says so, instead of a total that looked unlike the keys it passed against (tester session 27, F5).
     */
    private static String covered(IndexInfo info, long failuresOfExistingKeys) {
        long reported = info.stats().indexingFailures();
        long documents = info.stats().numDocs() + failuresOfExistingKeys;
        return reported == failuresOfExistingKeys ? Long.toString(documents) : documents + " (" + info.stats()
                .numDocs() + " indexed + " + failuresOfExistingKeys + " failing; the server reports " + reported
                + " failures, the others of keys deleted or mended before)";
    }

    /**
     * The indexing failures that belong to keys that still exist, when the check had to count the keys (the index
     * held another number of documents than at plan time): the keys not indexed. Failures beyond them name keys
     * deleted or expired since, which lose nothing. Empty when the keys were not counted.
     */
    OptionalLong failuresOfExistingKeys() {
        return failuresOfExistingKeys < 0 ? OptionalLong.empty() : OptionalLong.of(failuresOfExistingKeys);
    }
}
