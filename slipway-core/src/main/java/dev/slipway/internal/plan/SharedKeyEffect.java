package dev.slipway.internal.plan;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which of the other indexes over a rewrite's keys the rewrite changes anything for. A plan was blocked (or needed
 * {@code --allow-shared-keys}) for any other index over the same keys, one that reads none of the rewritten fields
 * included, saying that it "would drop or fail those documents" (tester session 52 R46 T2 F9). Pure; conservative
 * wherever it cannot tell:
 * <ul>
 *   <li>a key move changes every index over the keys (documents leave one prefix and enter another);</li>
 *   <li>a hash index is affected when one of its fields, its language, score or payload field, is a field the rewrite
 *       moves or converts (either name of a move), or when it has a FILTER (which reads hash fields by name);</li>
 *   <li>a JSON index is affected when one of its paths and a rewritten path are the same member path or one lies
 *       inside the other, or when one of its paths is not a plain member path (a wildcard, an index, recursive
 *       descent), which may match a rewritten member.</li>
 * </ul>
 */
public final class SharedKeyEffect {
    private SharedKeyEffect() {
    }

    /** The names of {@code others} (name to schema) whose documents the rewrite changes what they index. */
    public static List<String> affected(RewriteSpec rewrite, Map<String, IndexSchema> others) {
        return others.entrySet().stream().filter(other -> affects(rewrite, other.getValue())).map(Map.Entry::getKey)
                .sorted().toList();
    }

    /**
     * What the rewrite changes that another index over the same keys sees, for the refusal that names such indexes:
     * it spoke of "old vector bytes" for every rewrite, also one that only renamed a field (tester R49 T2 F8).
     */
    static String changesSeenByOthers(RewriteSpec rewrite) {
        List<String> parts = new ArrayList<>();
        if (!rewrite.fieldMoves().isEmpty()) {
            parts.add("it moves " + rewrite.fieldMoves().stream().map(m -> "'" + m.from() + "' to '" + m.to() + "'")
                    .collect(Collectors.joining(", ")) + " in every document (an index reading the old name finds "
                    + "nothing there, one reading the new name finds the moved values)");
        }
        rewrite.targetPrefix().ifPresent(to -> parts.add("it moves the keys from " + rewrite.sourcePrefixes()
                .stream().map(p -> "'" + p + "'").collect(Collectors.joining(", ")) + " to '" + to + "' (an index "
                + "over the old prefix loses those documents, one over the new prefix gains them)"));
        if (!rewrite.conversions().isEmpty()) {
            parts.add("it converts the vectors of " + rewrite.conversions().stream().map(c -> "'" + c.path() + "' "
                    + c.from() + " -> " + c.to()).collect(Collectors.joining(", ")) + " (an index expecting the old "
                    + "vector bytes fails those documents)");
        }
        return String.join("; ", parts);
    }

    static boolean affects(RewriteSpec rewrite, IndexSchema other) {
        if (rewrite.targetPrefix().isPresent()) {
            return true;
        }
        Set<String> touched = new HashSet<>();
        rewrite.fieldMoves().forEach(move -> {
            touched.add(move.from());
            touched.add(move.to());
        });
        rewrite.conversions().forEach(conversion -> touched.add(conversion.path()));
        if (rewrite.storage() == StorageType.HASH) {
            if (other.filter().isPresent()) {
                return true;
            }
            Set<String> read = new HashSet<>();
            other.fields().stream().map(FieldSchema::path).forEach(read::add);
            other.languageField().ifPresent(read::add);
            other.scoreField().ifPresent(read::add);
            other.payloadField().ifPresent(read::add);
            return read.stream().anyMatch(touched::contains);
        }
        for (FieldSchema field : other.fields()) {
            Optional<MemberPath> path = MemberPath.parse(field.path());
            if (path.isEmpty()) {
                return true;
            }
            for (String changed : touched) {
                Optional<MemberPath> rewritten = MemberPath.parse(changed);
                if (rewritten.isEmpty() || nested(path.get().members(), rewritten.get().members())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether one chain of member names begins with the other (the same member, or one inside the other). */
    private static boolean nested(List<String> a, List<String> b) {
        int common = Math.min(a.size(), b.size());
        return a.subList(0, common).equals(b.subList(0, common));
    }
}
