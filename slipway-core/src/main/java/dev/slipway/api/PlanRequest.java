package dev.slipway.api;

import dev.slipway.api.plan.MigrationMode;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What to plan: an index and either a patch or a full target schema, and optionally a mode.
 *
 * @param index        the index (or alias) to migrate
 * @param patch        the change as a patch; exactly one of patch and targetSchema is present
 * @param targetSchema the change as a complete target schema
 * @param mode         the strategy; empty chooses automatically
 * @param allowSharedKeys accept rewriting documents that other indexes also cover
 * @param patchSource  where the patch came from (its file), for messages about it; empty when not known
 * @param patchLines   the line in that file of each entry of the patch's lists, keyed by list and position
 *                     ({@code rename_fields[0]}), so that a patch entry that does not fit the index is named by its
 *                     line; empty when not known ({@link #patchFile} fills it)
 */
public record PlanRequest(String index, Optional<SchemaPatch> patch, Optional<IndexSchema> targetSchema,
                          Optional<MigrationMode> mode, boolean allowSharedKeys, Optional<String> patchSource,
                          Map<String, Integer> patchLines) {

    /** A request whose patch's source is not known. */
    public PlanRequest(String index, Optional<SchemaPatch> patch, Optional<IndexSchema> targetSchema,
                       Optional<MigrationMode> mode, boolean allowSharedKeys) {
        this(index, patch, targetSchema, mode, allowSharedKeys, Optional.empty(), Map.of());
    }

    /** A request that refuses rewrites of documents other indexes share. */
    public PlanRequest(String index, Optional<SchemaPatch> patch, Optional<IndexSchema> targetSchema,
                       Optional<MigrationMode> mode) {
        this(index, patch, targetSchema, mode, false);
    }

    /** Validates that exactly one of patch and target is given. */
    public PlanRequest {
        if (index == null || index.isBlank()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "No index given; pass --index <name>.");
        }
        patch = patch == null ? Optional.empty() : patch;
        targetSchema = targetSchema == null ? Optional.empty() : targetSchema;
        mode = mode == null ? Optional.empty() : mode;
        patchSource = patchSource == null ? Optional.empty() : patchSource;
        patchLines = patchLines == null ? Map.of() : Map.copyOf(patchLines);
        if (patch.isPresent() == targetSchema.isPresent()) {
            throw new SlipwayException(ErrorCode.BAD_USAGE,
                    "Give exactly one of a schema patch (--patch) or a target schema (--target-schema).");
        }
    }

    /** Plans a patch of an index with automatic mode. */
    public static PlanRequest patch(String index, SchemaPatch patch) {
        return new PlanRequest(index, Optional.of(Arguments.required(patch, "The patch")), Optional.empty(),
                Optional.empty());
    }

    /**
     * Plans a patch file of an index with automatic mode, as {@code slipway plan --patch} does: the file is read as
     * {@link SlipwayFiles#readPatch} reads it, and a patch entry that does not fit the index is named by the file and
     * its line ({@code patch.yaml line 7: update_fields: index 'products' has no field 'categroy'}).
     *
     * @throws SlipwayException {@link ErrorCode#MALFORMED_INPUT} for a file that cannot be read or parsed
     */
    public static PlanRequest patchFile(String index, Path file) {
        SlipwayFiles.PatchFile read = SlipwayFiles.readPatchFile(Arguments.required(file, "The patch file"));
        return new PlanRequest(index, Optional.of(read.patch()), Optional.empty(), Optional.empty(), false,
                Optional.of(file.toString()), read.entryLines());
    }

    /** Plans a move of an index to a complete target schema with automatic mode. */
    public static PlanRequest target(String index, IndexSchema target) {
        return new PlanRequest(index, Optional.empty(), Optional.of(Arguments.required(target, "The target schema")),
                Optional.empty());
    }

    /** A copy with an explicit mode. */
    public PlanRequest withMode(MigrationMode value) {
        return new PlanRequest(index, patch, targetSchema, Optional.of(Arguments.required(value, "The mode")),
                allowSharedKeys, patchSource, patchLines);
    }

    /** A copy that accepts (or refuses) rewriting documents other indexes also cover. */
    public PlanRequest withAllowSharedKeys(boolean value) {
        return new PlanRequest(index, patch, targetSchema, mode, value, patchSource, patchLines);
    }

    /**
     * A copy that names where the patch came from ({@code patch.yaml}): a patch that does not fit the index is then
     * named so in the error, as a YAML error names its file.
     */
    public PlanRequest withPatchSource(String value) {
        return new PlanRequest(index, patch, targetSchema, mode, allowSharedKeys,
                Optional.of(Arguments.required(value, "The patch source")), patchLines);
    }
}
