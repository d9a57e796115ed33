package dev.slipway.internal.apply;

import dev.slipway.api.StalePlanException;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.plan.SharedKeyEffect;
import dev.slipway.internal.redis.LiveIndexReader;

import java.util.List;
import java.util.TreeSet;

/**
 * Before a rewrite's first change: other indexes over its keys that read what it changes ({@link SharedKeyEffect})
 * and that the plan did not judge, because they were created after it was made. The plan's review (blocked, or
 * accepted with {@code --allow-shared-keys}) covered only the indexes it named; apply went ahead and rewrote the
 * documents a new one indexes (noticed in session 52 while narrowing the shared-key block, R46 T2 F9).
 */
final class NewSharedKeyIndexes {
    private NewSharedKeyIndexes() {
    }

    /** Refuses ({@link StalePlanException}, nothing changed) when such an index exists. */
    static void refuse(MigrationPlan plan, RewriteSpec rewrite, LiveIndexReader reader) {
        String physical = plan.source().physicalIndex();
        String served = plan.source().indexName();
        TreeSet<String> live = new TreeSet<>(reader.sharedKeyIndexes(plan.source().schema().withName(physical),
                served));
        if (!plan.targetSchema().prefixes().equals(plan.source().schema().prefixes())) {
            live.addAll(reader.sharedKeyIndexes(plan.targetSchema().withName(physical), served));
        }
        live.removeAll(plan.source().sharedKeyIndexes());
        if (live.isEmpty()) {
            return;
        }
        List<String> added = SharedKeyEffect.affected(rewrite, reader.schemas(live));
        if (added.isEmpty()) {
            return;
        }
        boolean one = added.size() == 1;
        throw new StalePlanException("Since the plan was made, " + (one ? "index " : "indexes ") + added
                + (one ? " covers" : " cover") + " keys of '" + served + "' and " + (one ? "reads" : "read")
                + " what the rewrite changes; the plan's review did not include " + (one ? "it" : "them")
                + ". Nothing was changed. Run 'slipway plan' again to see the effect on " + (one ? "it" : "them")
                + ".", added);
    }
}
