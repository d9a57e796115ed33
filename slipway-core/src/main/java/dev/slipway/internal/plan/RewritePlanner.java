package dev.slipway.internal.plan;

import dev.slipway.api.plan.ChangeKind;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.SchemaChange;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.rewrite.FilterScope;
import dev.slipway.internal.vector.VectorDataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Derives the document rewrites from the supported changes that need them, and the step that runs them. Pure. */
public final class RewritePlanner {
    private RewritePlanner() {
    }

    /** The rewrites, or empty when every change is index-only. */
    public static Optional<RewriteSpec> spec(SourceSnapshot source, IndexSchema target, List<SchemaChange> changes,
                                             Map<String, String> renames) {
        List<RewriteSpec.FieldMove> moves = new ArrayList<>();
        List<RewriteSpec.VectorConversion> conversions = new ArrayList<>();
        Optional<String> targetPrefix = Optional.empty();
        boolean lossy = false;
        StorageType storage = source.schema().storageType();
        for (SchemaChange change : changes) {
            if (!change.supported()) {
                continue;
            }
            if (change.kind() == ChangeKind.MOVE_FIELD) {
                moves.add(new RewriteSpec.FieldMove(change.from(), change.to()));
            } else if (change.kind() == ChangeKind.CHANGE_PREFIX) {
                targetPrefix = Optional.of(target.prefixes().get(0));
            } else if (change.kind() == ChangeKind.CHANGE_VECTOR_DATATYPE && storage == StorageType.HASH) {
                FieldSchema field = target.field(renames.getOrDefault(change.subject(), change.subject()))
                        .orElseThrow();
                VectorDataType from = VectorDataType.parse(change.from());
                VectorDataType to = VectorDataType.parse(change.to());
                lossy |= from.isLossyTo(to);
                // two attributes of one document field converted alike: the field is converted once
                if (conversions.stream().noneMatch(c -> c.path().equals(field.path()))) {
                    conversions.add(new RewriteSpec.VectorConversion(field.path(), change.from(), change.to(),
                            ((Number) field.attrs().get("dims")).intValue()));
                }
            }
        }
        if (moves.isEmpty() && conversions.isEmpty() && targetPrefix.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RewriteSpec(storage, source.schema().prefixes(), targetPrefix, moves, conversions,
                source.numDocs() + source.indexingFailures(), lossy));
    }

    /**
     * The step that rewrites every document, with the per-document commands it sends as templates. For an index with
     * a FILTER, the documents the FILTER admits, which a throwaway index tells ({@link FilterScope}); when the patch
     * changes the FILTER, every document under the prefixes: the count is then the index's, and apply counts them all
     * (tester session 34 R18 F4: the step gave the index's count alone).
     */
    public static PlanStep step(RewriteSpec spec, IndexSchema source, IndexSchema target) {
        List<List<String>> commands = new ArrayList<>();
        String match = spec.sourcePrefixes().size() == 1 ? GlobPattern.startingWith(spec.sourcePrefixes().get(0))
                : "*";
        commands.add(List.of("SCAN", "<cursor>", "MATCH", match, "COUNT", "<batch size>", "TYPE",
                spec.storage().keyType()));
        boolean narrowed = FilterScope.narrows(source, target);
        if (narrowed) {
            commands.add(List.of("FT.SEARCH", "<throwaway index with the FILTER>", "*", "NOCONTENT", "INKEYS",
                    "<n>", "<the page's keys>", "TIMEOUT", "0"));
        }
        boolean hash = spec.storage() == StorageType.HASH;
        for (RewriteSpec.FieldMove move : spec.fieldMoves()) {
            Optional<RewriteSpec.VectorConversion> converted = spec.conversions().stream()
                    .filter(c -> c.path().equals(move.to())).findFirst();
            commands.add(List.of(hash ? "HSET" : "JSON.SET", "<key>", move.to(), converted
                    .map(c -> "<" + c.dims() + " x " + c.to() + " bytes converted from the " + c.from() + " value of "
                            + move.from() + ">")
                    .orElse("<value of " + move.from() + ">")));
        }
        for (RewriteSpec.VectorConversion conversion : spec.conversions()) {
            if (spec.fieldMoves().stream().noneMatch(m -> m.to().equals(conversion.path()))) {
                commands.add(List.of("HSET", "<key>", conversion.path(), "<" + conversion.dims() + " x "
                        + conversion.to() + " bytes converted from " + conversion.from() + ">"));
            }
        }
        for (RewriteSpec.FieldMove move : spec.fieldMoves()) {
            commands.add(List.of(hash ? "HDEL" : "JSON.DEL", "<key>", move.from()));
        }
        spec.targetPrefix().ifPresent(p -> commands.add(List.of("RENAMENX", "<key>",
                p + "<key without '" + spec.sourcePrefixes().get(0) + "'>")));
        return new PlanStep("rewrite-documents", StepKind.REWRITE_DOCUMENTS, "Rewrite about " + spec.documents()
                + " documents" + (narrowed ? " (those the index's FILTER admits)" : source.filter().isPresent()
                ? " (those the index holds; " + FilterScope.whyEveryDocument(source, target) + ", so every document "
                + "under its prefixes "
                + "that holds the fields is rewritten, and apply counts them before it starts)" : "")
                + " in batches: save the original bytes of every changed field under --backup-dir, then "
                + "send these commands per document (each skipped when the document already has its new form). "
                + "Old fields are deleted, and keys renamed, only once every document's new fields are written.",
                commands);
    }

    /**
     * The conversions that lose precision, each as {@code 'embedding' float32 -> float16}, for messages that ask
     * for {@code --accept-data-loss}.
     */
    public static List<String> lossyConversions(RewriteSpec spec) {
        return spec.conversions().stream()
                .filter(c -> VectorDataType.parse(c.from()).isLossyTo(VectorDataType.parse(c.to())))
                .map(c -> "'" + c.path() + "' " + c.from() + " -> " + c.to())
                .toList();
    }
}
