package dev.slipway.internal.apply;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.plan.ValidationCheck;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.schema.IndexInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The zero-downtime verify step: a new version is compared with the live index before the alias switches to it, and
 * the switch is refused on any difference that lasts.
 */
final class ShadowVerification {
    /** How long verification waits for in-flight writes to reach both indexes before it calls counts different. */
    private static final int VERIFY_ATTEMPTS = 30;
    private static final long VERIFY_PAUSE_MILLIS = 100;

    private ShadowVerification() {
    }

    /**
     * Compares a shadow with the live index before the switch; refuses to switch on any difference that lasts
     * (retried for up to {@value #VERIFY_ATTEMPTS} × {@value #VERIFY_PAUSE_MILLIS} ms, so that writes in flight
     * reach both).
     */
    static String verify(StepContext context, PlanStep step) {
        String live = step.commands().get(0).get(1);
        String shadow = step.commands().get(1).get(1);
        boolean countsMustMatch = context.plan().validation().requireDocCountMatch();
        String lateSynonyms = addLateSynonyms(context, live, shadow);
        Comparison comparison = compare(context, live, shadow, countsMustMatch);
        for (int attempt = 1; comparison.problem().isPresent() && attempt < VERIFY_ATTEMPTS; attempt++) {
            pause();
            comparison = compare(context, live, shadow, countsMustMatch);
        }
        if (comparison.problem().isPresent()) {
            throw notSwitched(context, shadow, comparison.problem().get());
        }
        List<String> failed = new ArrayList<>();
        MigrationValidator validator = new MigrationValidator(context.session());
        // the user's queries describe the target; the copy of the old schema is only compared by counts
        boolean isTarget = shadow.equals(context.plan().targetSchema().name());
        for (QueryCheck query : isTarget ? context.options().queryChecks() : List.<QueryCheck>of()) {
            ValidationCheck check = validator.queryCheck(shadow, query);
            if (!check.passed()) {
                failed.add(check.name() + ": " + check.detail());
            }
        }
        if (!failed.isEmpty()) {
            throw notSwitched(context, shadow, String.join("; ", failed));
        }
        return comparison.summary() + lateSynonyms;
    }

    /**
     * Adds to the shadow the synonym terms the live index gained since the plan's stale check (the application's
     * {@code FT.SYNUPDATE} while the shadow built; they were lost at the switch), then waits for the scan that indexes
     * them unless the shadow was created {@code SKIPINITIALSCAN}. The switch looks once more
     * ({@link AliasStepHandlers#switchAlias}).
     */
    static String addLateSynonyms(StepContext context, String live, String shadow) {
        RedisSession session = context.session();
        boolean skipScan = AliasStepHandlers.schemaOf(context.plan(), shadow).options()
                .contains(IndexOption.SKIPINITIALSCAN);
        Map<String, List<String>> liveGroups;
        try {
            liveGroups = SynonymGroups.read(session, new LiveIndexReader(session).read(live).schema().name());
        } catch (RedisCommandException e) {
            return ""; // FT.SYNDUMP refused (an ACL): the plan warned that the groups are unknown
        }
        Map<String, List<String>> missing = SynonymGroups.addMissing(session, shadow, liveGroups, skipScan);
        if (missing.isEmpty()) {
            return "";
        }
        if (!skipScan) {
            IndexStepHandlers.waitForIndexing(context, new PlanStep("wait-for-indexing:" + shadow,
                    StepKind.WAIT_FOR_INDEXING, "", List.of(List.of("FT.INFO", shadow))));
        }
        return "; added the synonyms the live index gained since the plan: " + SynonymGroups.describe(missing);
    }

    /** One comparison of the shadow with the live index: the first difference found, or the summary. */
    private record Comparison(Optional<String> problem, String summary) {
        static Comparison differs(String problem) {
            return new Comparison(Optional.of(problem), "");
        }
    }

    /**
     * Counts (indexed + failed), failures, and a match-all query of both indexes. The server keeps counting an
     * indexing failure after its key is deleted or written again in a form the index takes, so a live index that has
     * run for a while may report failures that a shadow just built never saw: when the two cover the same keys and
     * the totals differ or the live index reports failures, the keys are counted ({@link KeyCoverage}) and only
     * failures of keys that exist are compared. When they cover different keys (a FILTER or prefix change), each
     * index's failures of existing keys are counted on their own where its keys can be. With a FILTER the keys cannot
     * be counted, and totals that differ pass only when the new version indexes no fewer documents than the live one,
     * fails on no more and counts no more in all.
     */
    private static Comparison compare(StepContext context, String live, String shadow, boolean countsMustMatch) {
        RedisSession session = context.session();
        Map<String, IndexInfo> infos = KeyCoverage.read(session, List.of(live, shadow));
        IndexInfo liveInfo = infos.get(live);
        IndexInfo shadowInfo = infos.get(shadow);
        boolean equal = liveInfo.stats().documents() == shadowInfo.stats().documents();
        boolean covered = false;
        long liveFailures = liveInfo.stats().indexingFailures();
        long shadowFailures = shadowInfo.stats().indexingFailures();
        String vanished = "";
        if (sameKeys(liveInfo.schema(), shadowInfo.schema())) {
            Optional<KeyCoverage> coverage = !equal || liveFailures > 0
                    ? KeyCoverage.measure(session, liveInfo.schema(), List.of(live, shadow)) : Optional.empty();
            if (coverage.isPresent()) {
                covered = true;
                liveInfo = coverage.get().info(live);
                shadowInfo = coverage.get().info(shadow);
                liveFailures = coverage.get().failuresOfExistingKeys(live);
                shadowFailures = coverage.get().failuresOfExistingKeys(shadow);
            } else if (!equal) {
                // keys that expire steadily keep the count from settling (tester session 29 R7 M1): the key-by-key
                // look-up stands in for the counts and the match-all totals, which such keys move too
                Optional<DroppedDocuments.KeyByKey> lookedUp = DroppedDocuments.lookUpEveryKey(session, liveInfo,
                        shadowInfo);
                if (lookedUp.isPresent() && !lookedUp.get().dropsNothing() && countsMustMatch) {
                    // named, not blamed on counts that the expiring keys move (tester session 30 R9 L1)
                    return Comparison.differs(dropped(live, shadow, lookedUp.get().dropped(), ""));
                }
                if (lookedUp.isPresent()) {
                    covered = true;
                    vanished = "; it counts " + shadowInfo.stats().documents() + " (indexed + failed), the live "
                            + "index " + liveInfo.stats().documents() + ": " + (shadowInfo.stats().documents()
                            > liveInfo.stats().documents() ? "the live index never read some keys (created "
                            + "SKIPINITIALSCAN), or keys expired or were deleted while they were built"
                            : "keys expired or were deleted while they were built") + ", and every document the live "
                            + "index serves, it serves too (looked up key by key)";
                    shadowFailures = Math.min(shadowFailures, liveFailures);
                }
            }
        } else {
            liveFailures = failuresOfExistingKeys(session, live, liveInfo);
            shadowFailures = failuresOfExistingKeys(session, shadow, shadowInfo);
        }
        String uncounted = "";
        if (countsMustMatch && !covered && !equal) {
            if (!filtered(liveInfo, shadowInfo) || !coversAllTheLiveIndexes(liveInfo, shadowInfo)) {
                return Comparison.differs("'" + shadow + "' has " + shadowInfo.stats().documents() + " documents "
                        + "(indexed + failed) but the live '" + live + "' has " + liveInfo.stats().documents()
                        + (filtered(liveInfo, shadowInfo) ? " and " + liveInfo.stats().numDocs() + " indexed, more "
                        + "than the " + shadowInfo.stats().numDocs() + " of '" + shadow + "' (with a FILTER, Slipway "
                        + "cannot count the keys, so it requires the new version to index at least what the live one "
                        + "does)" : ""));
            }
            // with a FILTER the keys cannot be counted: the live index may count failures of documents deleted or
            // mended since, so the new version passes when it indexes no fewer and fails on no more
            uncounted = "; the live index counts " + (liveInfo.stats().documents() - shadowInfo.stats().documents())
                    + " more, which, with a FILTER, Slipway takes for failures of documents deleted or written again "
                    + "since";
        }
        if (shadowFailures > liveFailures) {
            return Comparison.differs("'" + shadow + "' failed to index " + shadowFailures + " documents, the live "
                    + "index only " + liveFailures + failuresNote(liveInfo, liveFailures) + "; check FT.INFO "
                    + shadow + " for the last error");
        }
        // documents the live index failed to index and the new one indexes (the change fixed them) are found by the
        // new one's match-all query only
        long fixed = uncounted.isEmpty() ? liveFailures - shadowFailures
                : shadowInfo.stats().numDocs() - liveInfo.stats().numDocs();
        long[] totals = matchAll(context, live, shadow);
        if (countsMustMatch && vanished.isEmpty() && totals[1] - totals[0] != fixed) {
            return Comparison.differs("a match-all query returns " + totals[1] + " on '" + shadow + "' but "
                    + totals[0] + " on '" + live + "'" + (fixed > 0 ? " (expected " + (totals[0] + fixed) + ": the "
                    + fixed + " documents the live index failed to index more)" : ""));
        }
        if (countsMustMatch && shadowFailures > 0
                && DroppedDocuments.sameDocuments(liveInfo.schema(), shadowInfo.schema())) {
            DroppedDocuments.Found dropped = DroppedDocuments.find(session, shadowInfo.schema(), live, shadow);
            if (dropped.count() > 0) {
                return Comparison.differs(dropped(live, shadow, dropped, "the change also lets it index documents the "
                        + "live index failed on, so the counts alone do not show it; "));
            }
        }
        return new Comparison(Optional.empty(), shadowInfo.stats().numDocs() + " documents, " + shadowFailures
                + " failures, match-all " + totals[1] + " (live: " + totals[0] + ", " + liveFailures + " failures"
                + failuresNote(liveInfo, liveFailures) + uncounted + vanished + ")");
    }

    /** The documents the new version fails on that the live index serves, named. */
    private static String dropped(String live, String shadow, DroppedDocuments.Found dropped, String why) {
        return "'" + shadow + "' fails to index " + Wording.count(dropped.count(), "document", "documents")
                + " that the live '" + live + "' serves (" + String.join(", ", dropped.examples())
                + (dropped.count() > dropped.examples().size() ? " and " + (dropped.count()
                - dropped.examples().size()) + " more" : "") + "); " + why + "check FT.INFO " + shadow + " for the "
                + "last error";
    }

    /** Whether an index has a FILTER, so that its keys cannot be counted. */
    private static boolean filtered(IndexInfo live, IndexInfo shadow) {
        return !KeyCoverage.countable(live.schema()) || !KeyCoverage.countable(shadow.schema());
    }

    /** The new version indexes at least what the live one does and fails on no more, counting no more in all. */
    private static boolean coversAllTheLiveIndexes(IndexInfo live, IndexInfo shadow) {
        return shadow.stats().numDocs() >= live.stats().numDocs()
                && shadow.stats().indexingFailures() <= live.stats().indexingFailures()
                && shadow.stats().documents() <= live.stats().documents();
    }

    /** The failures of an index that belong to keys that exist, where its keys can be counted; else as reported. */
    private static long failuresOfExistingKeys(RedisSession session, String index, IndexInfo info) {
        long reported = info.stats().indexingFailures();
        if (reported == 0 || !KeyCoverage.countable(info.schema())) {
            return reported;
        }
        return KeyCoverage.measure(session, info.schema(), List.of(index))
                .map(coverage -> coverage.failuresOfExistingKeys(index)).orElse(reported);
    }

    /** Whether both indexes cover the same keys, and those can be counted. */
    private static boolean sameKeys(IndexSchema live, IndexSchema shadow) {
        return KeyCoverage.countable(live) && KeyCoverage.countable(shadow) && live.storageType()
                == shadow.storageType() && live.prefixes().equals(shadow.prefixes());
    }

    /** Says how many of the live index's reported failures belong to keys that still exist, when not all do. */
    private static String failuresNote(IndexInfo live, long failuresOfExistingKeys) {
        long reported = live.stats().indexingFailures();
        return reported == failuresOfExistingKeys ? "" : " of the " + reported + " it reports; the server kept "
                + "counting the others for keys deleted or written again since";
    }


    /** Match-all totals of both indexes, read in one transaction so that no write lands between them. */
    private static long[] matchAll(StepContext context, String live, String shadow) {
        List<Object> replies = context.session().transaction(List.of(
                List.of("FT.SEARCH", live, "*", "LIMIT", "0", "0"),
                List.of("FT.SEARCH", shadow, "*", "LIMIT", "0", "0")));
        return new long[]{total(replies.get(0)), total(replies.get(1))};
    }

    private static long total(Object reply) {
        List<Object> items = RedisReplies.list(reply);
        return items.isEmpty() ? 0 : RedisReplies.whole(items.get(0));
    }

    private static SlipwayException notSwitched(StepContext context, String shadow, String why) {
        String name = context.plan().source().indexName();
        return new SlipwayException(ErrorCode.MIGRATION_FAILED, "Verification of '" + shadow + "' failed: " + why
                + ". The alias was NOT switched; '" + name + "' still serves the previous version. Inspect '"
                + shadow + "', then re-run 'slipway apply' with the same plan, or discard the unfinished migration "
                + "with 'slipway rollback --index " + name + "'.");
    }

    private static void pause() {
        try {
            Thread.sleep(VERIFY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Interrupted during verification.");
        }
    }
}
