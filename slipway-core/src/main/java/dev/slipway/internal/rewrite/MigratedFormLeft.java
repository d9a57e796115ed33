package dev.slipway.internal.rewrite;

import dev.slipway.api.ProgressListener;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.redis.RedisEndpoint;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * After a rollback from a backup, the documents still in the form the rewrite gave them: under the new prefix of a
 * key move, holding a renamed hash field under its new name only, or holding a vector of the new datatype. The backup holds no original
 * for them: its records were damaged or cut off (tester session 28: a zeroed tail, taken for a torn write, left
 * documents rewritten while the rollback exited 0), or the application wrote them in the new form after the
 * migration. The restored index cannot take them either way, so the rollback names them instead of reporting
 * success. It is the rewrite's own validation scans ({@link OldFormScan}, {@link OldVectorScan}) run with the rewrite
 * turned around.
 */
final class MigratedFormLeft {
    private static final int PAGE = 500;

    private MigratedFormLeft() {
    }

    /**
     * The first documents found (at most 20, each "key (why)") and how many in all.
     *
     * @param prefixes the restored index's prefixes
     */
    static Found find(RewriteSpec rewrite, List<String> prefixes, RedisEndpoint endpoint, int maxRetries,
                      long expected, ProgressListener progress) {
        RewriteSpec back = turnedAround(rewrite);
        Set<String> examples = new LinkedHashSet<>();
        long count = 0;
        long newVectors = 0;
        long notMoved = 0;
        long checked = -1;
        if (OldFormScan.applies(back)) {
            OldFormScan.Result form = OldFormScan.runWithoutNewNames(back, prefixes, endpoint, PAGE, maxRetries,
                    expected, progress);
            count += form.found();
            notMoved = form.underOldPrefix();
            checked = form.documentsChecked();
            examples.addAll(form.examples());
        }
        if (OldVectorScan.applies(back)) {
            OldVectorScan.Result vectors = OldVectorScan.runTurnedAround(back, prefixes, endpoint, PAGE, maxRetries,
                    expected, progress);
            count += vectors.found();
            newVectors = vectors.found();
            checked = Math.max(checked, vectors.documentsChecked());
            vectors.examples().forEach(key -> examples.add(key + " (a vector of the new datatype)"));
        }
        return new Found(count, new ArrayList<>(examples).subList(0, Math.min(20, examples.size())), checked,
                newVectors, notMoved);
    }

    /**
     * What {@link #find} found; {@code checked} is how many documents its scans read under the prefixes (-1 when
     * none ran), {@code newVectors} how many of them held a vector of the new datatype, {@code notMoved} how many
     * were still under the migration's prefix.
     */
    record Found(long count, List<String> examples, long checked, long newVectors, long notMoved) {
        Found {
            examples = List.copyOf(examples);
        }
    }

    /**
     * The rewrite from its target form back to its source form, as far as a document tells: a key under the new
     * prefix, a vector of the new datatype's length (under the field's old or new name), a hash field under its new
     * name (counted only without the old name: a document can hold both with the application's data, a conflict
     * the rewrite left as it was, say).
     */
    static RewriteSpec turnedAround(RewriteSpec rewrite) {
        List<RewriteSpec.VectorConversion> conversions = new ArrayList<>();
        for (RewriteSpec.VectorConversion c : rewrite.conversions()) {
            String original = DocumentRewriter.sourceField(rewrite, c);
            conversions.add(new RewriteSpec.VectorConversion(original, c.to(), c.from(), c.dims()));
            if (!original.equals(c.path())) {
                conversions.add(new RewriteSpec.VectorConversion(c.path(), c.to(), c.from(), c.dims()));
            }
        }
        boolean moved = rewrite.targetPrefix().isPresent() && rewrite.sourcePrefixes().size() == 1;
        return new RewriteSpec(rewrite.storage(), moved ? List.of(rewrite.targetPrefix().get())
                : rewrite.sourcePrefixes(), moved ? Optional.of(rewrite.sourcePrefixes().get(0)) : Optional.empty(),
                rewrite.fieldMoves().stream().map(m -> new RewriteSpec.FieldMove(m.to(), m.from())).toList(),
                conversions, rewrite.documents(), false);
    }
}
