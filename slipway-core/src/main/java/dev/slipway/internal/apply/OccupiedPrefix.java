package dev.slipway.internal.apply;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.internal.io.KeyText;
import dev.slipway.internal.io.Wording;
import dev.slipway.internal.redis.KeysUnder;
import dev.slipway.internal.redis.RedisSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keys already under the new prefix of a prefix move, which apply refuses before its first change: the index it
 * creates over that prefix would take them in, and a moved document could land on one of them. Found only while
 * rewriting, they would leave the index dropped until resolved. When the new prefix extends the old one, such keys
 * are the index's own documents, and the rewrite's conflict check judges each one instead. The plan warns of them
 * too; the refusal said only "for example" five of them, without a count (tester session 51 R44 T2 F8).
 *
 * @param prefix   the new prefix
 * @param keys     how many keys of any type are under it
 * @param examples the first of them the SCAN met, at most {@link #EXAMPLES}, odd bytes escaped
 */
public record OccupiedPrefix(String prefix, long keys, List<String> examples) {
    /** How many keys are named. */
    static final int EXAMPLES = 20;

    /** Copies the list. */
    public OccupiedPrefix {
        examples = List.copyOf(examples);
    }

    /** The keys under the new prefix of {@code rewrite}'s move (one SCAN of the keyspace); empty when none is. */
    public static Optional<OccupiedPrefix> find(RedisSession session, RewriteSpec rewrite) {
        if (rewrite.targetPrefix().isEmpty() || rewrite.sourcePrefixes().isEmpty()
                || rewrite.targetPrefix().get().startsWith(rewrite.sourcePrefixes().get(0))) {
            return Optional.empty();
        }
        String prefix = rewrite.targetPrefix().get();
        List<String> examples = new ArrayList<>();
        long[] count = {0};
        KeysUnder.forEach(session, List.of(prefix), null, key -> {
            if (examples.size() < EXAMPLES) {
                examples.add(KeyText.shown(key));
            }
            count[0]++;
            return true;
        });
        return count[0] == 0 ? Optional.empty() : Optional.of(new OccupiedPrefix(prefix, count[0], examples));
    }

    /** What is there and why it is in the way, for the refusal and the plan's warning. */
    public String described() {
        return Wording.count(keys, "key already exists", "keys already exist") + " under the new prefix '" + prefix
                + "' (" + String.join(", ", examples) + (keys > examples.size() ? ", ...; the first "
                + examples.size() + " named" : "") + "): the migrated index, over '" + prefix + "', would take "
                + (keys == 1 ? "it" : "them") + " in as documents, and a moved document could land on "
                + (keys == 1 ? "it" : "one of them");
    }
}
