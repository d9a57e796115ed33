package dev.slipway.internal.rewrite;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.StopSignal;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.schema.IndexOption;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.internal.apply.KeyNamespace;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisSession;
import dev.slipway.internal.redis.SynonymGroups;
import dev.slipway.internal.schema.FtCreateArguments;
import dev.slipway.internal.schema.IndexInfo;
import dev.slipway.internal.schema.VisibleSchema;
import dev.slipway.internal.version.HistoryStore;
import dev.slipway.internal.version.VersionHistory;
import dev.slipway.internal.version.VersionHistory.RollbackMark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The index side of a rollback from a backup ({@link BackupRestorer}): the migration's index dropped before the
 * originals are written back (documents kept), and the source index created again after, with the served name
 * pointed back at it when it is an alias.
 */
final class SourceIndexRebuild {
    private static final Logger LOG = LoggerFactory.getLogger(SourceIndexRebuild.class);
    private final RedisSession session;
    private final KeyNamespace keys;
    private final StopSignal stop;

    SourceIndexRebuild(RedisSession session, KeyNamespace keys, StopSignal stop) {
        this.session = session;
        this.keys = keys;
        this.stop = stop;
    }

    /** Drops the index the plan created, unless what stands there is still the source index. */
    void dropTargetIndex(MigrationPlan plan) {
        LiveIndexReader reader = new LiveIndexReader(session);
        String target = plan.targetSchema().name();
        Optional<IndexInfo> live = reader.findPhysical(target);
        IndexSchema source = plan.source().schema();
        if (live.isPresent() && !VisibleSchema.matches(source.withName(target), live.get().schema())) {
            session.call("FT.DROPINDEX", target);
        }
    }

    /**
     * Creates the source index again (or builds it again when it stands but counts the rewritten documents as
     * failures), points an aliased name back at it, and waits until it has indexed every document; {@code look}
     * is the memory look, called with true before a build and with false during the wait. Returns its name.
     */
    String recreateSourceIndex(MigrationPlan plan, Instant rewriteStartedAt, Consumer<Boolean> look) {
        LiveIndexReader reader = new LiveIndexReader(session);
        IndexSchema source = plan.source().schema();
        Optional<IndexInfo> existing = reader.findPhysical(source.name());
        if (existing.isEmpty()) {
            look.accept(true); // before the build too: it can outrun any look at it
            session.call(FtCreateArguments.command(source));
        } else if (!VisibleSchema.matches(source, existing.get().schema())) {
            throw new SlipwayException(ErrorCode.MIGRATION_FAILED, "Documents were restored, but an index named '"
                    + source.name() + "' with another schema is in the way of recreating the original. Drop it and "
                    + "re-run the rollback.");
        } else if (existing.get().stats().indexingFailures() > plan.source().indexingFailures()) {
            // the original stood while documents were rewritten (a server restarted from a snapshot taken before the
            // drop): the server keeps counting the rewritten documents it failed on, though they are restored now,
            // and validation would blame the rollback for them (tester session 35 R19 L4). Built again, it counts
            // only what fails now; the documents stay (no DD).
            LOG.info("Index '{}' counts {} indexing failures, {} when the plan was made: building it again over the "
                    + "restored documents", source.name(), existing.get().stats().indexingFailures(),
                    plan.source().indexingFailures());
            session.call("FT.DROPINDEX", source.name());
            look.accept(true);
            session.call(FtCreateArguments.command(source));
        }
        // a new index starts without the synonym groups the original had (tester session 54 R48 T2 F1)
        SynonymGroups.addMissing(session, source.name(), plan.source().synonyms(),
                source.options().contains(IndexOption.SKIPINITIALSCAN));
        if (plan.source().aliased()) {
            pointAliasBack(plan, rewriteStartedAt);
        }
        IndexingWait.untilIndexed(reader, source.name(), stop, "The rollback restored every document and recreated "
                + "index '" + source.name() + "', which keeps indexing in the background; re-run the same rollback to "
                + "wait for it and finish.", "Index '" + source.name() + "' is still indexing after an hour; it keeps "
                + "going in the background.", () -> look.accept(false)); // the memory look with each wait
        return source.name();
    }

    /**
     * Points the served name back at the recreated source version, in one transaction with its version history: the
     * source version active again, the version the rewrite created dropped, and a mark that makes a later
     * {@code rollback --index} change nothing (as after one of its own). Without the history, {@code status} named a
     * dropped version as served, and {@code rollback --index} and {@code prune} did not know the version served.
     * Idempotent: a resumed rollback sends the same transaction again, without the history when its restore mark is
     * there already (one of the same plan made after this backup's rewrite started; an older one is from the rollback
     * of an earlier run of the plan, with another backup).
     */
    private void pointAliasBack(MigrationPlan plan, Instant rewriteStartedAt) {
        String name = plan.source().indexName();
        String source = plan.source().schema().name();
        HistoryStore store = new HistoryStore(session, keys);
        VersionHistory history = store.load(name);
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("FT.ALIASUPDATE", name, source));
        if (!history.versions().isEmpty()) { // an alias Slipway has never switched keeps having no history
            String rewritten = plan.targetSchema().name();
            boolean alreadyRestored = history.rollbackMark().filter(m -> m.action().equals(RollbackMark.RESTORED))
                    .filter(m -> m.planId().equals(plan.planId()) && !m.at().isBefore(rewriteStartedAt))
                    .isPresent();
            String from = history.active().map(VersionHistory.VersionEntry::physicalIndex).orElse(rewritten);
            if (!alreadyRestored) {
                commands.add(store.saveCommand(history.restored(source, plan.source().schema(), rewritten,
                        from, plan.planId(), Instant.now())));
            }
        }
        session.transaction(commands);
    }
}
