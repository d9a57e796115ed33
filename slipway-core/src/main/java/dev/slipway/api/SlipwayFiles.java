package dev.slipway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.QueryCheck;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.io.QueryCheckDocument;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.BackupHeader;
import dev.slipway.internal.schema.PatchDocument;
import dev.slipway.internal.schema.SchemaDocument;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;
import dev.slipway.internal.yaml.YamlSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Reading and writing Slipway's files: schemas, patches, plans, reports, query checks. YAML or JSON, chosen by
 * the file extension when writing ({@code .json} gives JSON). Every read error names the file and the line.
 */
public final class SlipwayFiles {
    private static final Logger LOG = LoggerFactory.getLogger(SlipwayFiles.class);

    private SlipwayFiles() {
    }

    /** Reads a schema file (Slipway's or RedisVL's schema YAML, or JSON). */
    public static IndexSchema readSchema(Path file) {
        return readDocument(file, "schema", SchemaDocument::read, "re-run 'slipway plan'");
    }

    /** Reads a schema patch file (RedisVL's schema patch format). */
    public static SchemaPatch readPatch(Path file) {
        return readPatchFile(file).patch();
    }

    /** A patch file read with the line of each entry of its lists ({@link PlanRequest#patchLines}). */
    record PatchFile(SchemaPatch patch, Map<String, Integer> entryLines) {
    }

    /** Reads a schema patch file as {@link #readPatch} does, with the line of each entry. */
    static PatchFile readPatchFile(Path file) {
        return readDocument(file, "schema patch", (root, problems) -> new PatchFile(PatchDocument.read(root,
                problems), PatchDocument.entryLines(root)), "re-run 'slipway plan'");
    }

    /** Reads a query-check file for validation. */
    public static List<QueryCheck> readQueryChecks(Path file) {
        // read by 'apply --queries' and 'validate --queries' alike
        return readDocument(file, "query-check file", QueryCheckDocument::read, "re-run the same command");
    }

    /**
     * Writes query checks as a query-check file that {@link #readQueryChecks} reads back ({@code queries:}, absent
     * bounds left out); YAML, or JSON for a {@code .json} file. {@link #write} wrote them as a bare list, which the
     * reader refuses (tester session 40 R30 F14).
     */
    public static void writeQueryChecks(List<QueryCheck> checks, Path file) {
        Arguments.noNullElements(Arguments.required(checks, "The query checks"), "The query checks");
        Arguments.required(file, "The query-check file's path");
        List<Map<String, Object>> queries = new ArrayList<>();
        for (QueryCheck check : checks) {
            Map<String, Object> query = new LinkedHashMap<>();
            query.put("name", check.name());
            query.put("query", check.query());
            query.put("dialect", check.dialect());
            check.minResults().ifPresent(n -> query.put("min_results", n));
            check.maxResults().ifPresent(n -> query.put("max_results", n));
            if (!check.containsKeys().isEmpty()) {
                query.put("contains_keys", check.containsKeys());
            }
            queries.add(query);
        }
        write(Map.of("queries", queries), file);
    }

    private static <T> T readDocument(Path file, String what, BiFunction<YamlNode, YamlProblems, T> reader,
                                      String rerun) {
        String text = readText(file, what);
        YamlProblems problems = new YamlProblems();
        T value;
        try {
            value = reader.apply(YamlNode.parse(text, file.toString()), problems);
        } catch (YamlSyntaxException e) {
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot parse " + what + " " + e.getMessage()
                    + ". Fix the file and " + rerun + ".");
        }
        problems.throwIfAny("Cannot read " + what + " " + file, "Fix the file and " + rerun + ".");
        return value;
    }

    /** The top-level fields of a record type (in the files' snake_case) that a YAML text lacks or leaves empty. */
    static List<String> missingFields(String text, Class<? extends Record> type) {
        JsonNode tree;
        try {
            tree = PlanCodec.yaml().readTree(text);
        } catch (JsonProcessingException e) {
            return List.of();
        }
        if (tree == null || !tree.isObject()) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        PropertyNamingStrategies.SnakeCaseStrategy naming = new PropertyNamingStrategies.SnakeCaseStrategy();
        for (RecordComponent component : type.getRecordComponents()) {
            String name = naming.translate(component.getName());
            if (component.getType() != Optional.class && (!tree.has(name) || tree.get(name).isNull())) {
                missing.add(name);
            }
        }
        return missing;
    }

    /**
     * What a file given as a plan is, when it is another Slipway input: a schema patch ({@code changes} a mapping of
     * change kinds) or a schema file ({@code index} and {@code fields}); empty when it is neither, or a plan. A patch
     * given as a plan was reported with Jackson's type names (tester session 34 R18 F5).
     */
    private static Optional<String> otherKindOfFile(String text) {
        JsonNode tree;
        try {
            tree = PlanCodec.yaml().readTree(text);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
        if (tree == null || !tree.isObject() || tree.has("plan_id")) {
            return Optional.empty();
        }
        if (tree.path("changes").isObject()) {
            return Optional.of("a schema patch (version, changes)");
        }
        if (tree.path("index").isObject() && tree.path("fields").isArray()) {
            return Optional.of("a schema file (index, fields)");
        }
        return Optional.empty();
    }

    /** Reads a plan written by {@link #writePlan}. */
    public static MigrationPlan readPlan(Path file) {
        String text = readText(file, "plan");
        try {
            MigrationPlan plan = PlanCodec.yaml().readValue(text, MigrationPlan.class);
            if (plan.reviewDigest().isEmpty() && plan.keyNamespace().isEmpty()) {
                // made before it existed (tester session 44 R39 F5); one taken out of a newer plan is refused (R44)
                LOG.warn("Plan {} carries no review_digest (made by an earlier Slipway, or the line was removed): "
                        + "edits to its changes, reasons, warnings and estimate cannot be detected, only those to "
                        + "what apply acts on. Re-run 'slipway plan' for a plan that carries one.", file);
            }
            return plan;
        } catch (JsonProcessingException e) {
            otherKindOfFile(text).ifPresent(kind -> {
                throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read plan " + file + ": it is "
                        + kind + ", not a plan. Make the plan from it with 'slipway plan --index <name> "
                        + (kind.startsWith("a schema patch") ? "--patch " : "--target-schema ") + file + "', then "
                        + "pass the plan file it writes.", e);
            });
            List<String> missing = missingFields(text, MigrationPlan.class);
            if (!missing.isEmpty()) { // Jackson names the end of the file and its own settings for these
                throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read plan " + file + ": it has no "
                        + String.join(", ", missing) + ". Re-create it with 'slipway plan'.", e);
            }
            if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException unknown) {
                // Jackson names the end of the document (a record is read whole) and its own classes (R48 T2 F6)
                throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read plan " + file
                        + lineOfKey(text, unknown.getPropertyName()) + ": unknown key '" + unknown.getPropertyName()
                        + "'" + keyPath(unknown) + ". A plan is written by 'slipway plan' and read as it was written; "
                        + "re-create it with 'slipway plan'.", e);
            }
            String where = e.getLocation() == null ? "" : " line " + e.getLocation().getLineNr();
            Throwable cause = e.getCause();
            if (cause instanceof SlipwayException inner) { // an embedded schema or patch: keep its problems, named
                throw new SlipwayException(inner.code(), "Cannot read plan " + file + ": " + inner.getMessage(),
                        inner.problems(), e);
            }
            if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException syntax) {
                // the parser's words, once, with its line: not its two-mark dump (tester session 48 R43 T1 F5)
                int line = syntax.getProblemMark() == null ? 0 : syntax.getProblemMark().getLine() + 1;
                throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read plan " + file + " line " + line
                        + ": " + syntax.getProblem() + (syntax.getContext() == null ? "" : " (" + syntax.getContext()
                        + ")") + ". Re-create it with 'slipway plan'.", e);
            }
            throw new SlipwayException(ErrorCode.MALFORMED_INPUT, "Cannot read plan " + file + where + ": "
                    + e.getOriginalMessage().replaceAll(" \\(set DeserializationConfig[^)]*\\)", "")
                    + ". Re-create it with 'slipway plan'.", e);
        } catch (SlipwayException e) {
            throw new SlipwayException(e.code(), "Cannot read plan " + file + ": " + e.getMessage(), e.problems(), e);
        }
    }

    /** " line N" of the first line that holds {@code key} as a YAML or JSON key; empty when none does. */
    private static String lineOfKey(String text, String key) {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^\\s*(-\\s+)?\"?"
                + java.util.regex.Pattern.quote(key) + "\"?\\s*:");
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (line.matcher(lines.get(i)).find()) {
                return " line " + (i + 1);
            }
        }
        return "";
    }

    /** " in source.schema" for a key below the top level; empty at the top. */
    private static String keyPath(JsonProcessingException e) {
        if (!(e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping)) {
            return "";
        }
        StringBuilder path = new StringBuilder();
        List<com.fasterxml.jackson.databind.JsonMappingException.Reference> chain = mapping.getPath();
        for (int i = 0; i < chain.size() - 1; i++) {
            var reference = chain.get(i);
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : " in " + path;
    }

    /**
     * Whether the backup directory {@code dir} holds a backup that was rolled back completely (its header says so),
     * read from the file alone; false when it holds none or its header cannot be read (a rollback then says why). A
     * front end uses it to leave out what it would say before restoring (tester session 34 R18 F8).
     */
    public static boolean isRolledBack(Path dir) {
        try {
            return BackupDirectory.readHeader(dir)
                    .map(h -> h.phase() == BackupHeader.Phase.ROLLED_BACK).orElse(false);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Writes a plan as YAML (or JSON for a {@code .json} file). */
    public static void writePlan(MigrationPlan plan, Path file) {
        write(plan, file);
    }

    /**
     * Writes any result (report, validation result, schema) as YAML, or JSON for a {@code .json} file (in any case).
     *
     * @throws SlipwayException {@link ErrorCode#FILE_UNWRITABLE} when the file cannot be written, saying why
     */
    public static void write(Object value, Path file) {
        Arguments.required(value, "What to write"); // a file saying "null" before (R40 F5)
        Arguments.required(file, "The file's path");
        boolean json = file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(value, json ? Format.JSON : Format.YAML), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.FILE_UNWRITABLE, "Cannot write " + file + ": " + fileInTheWay(file)
                    .map(blocking -> blocking + " is in the way (not a directory)").orElseGet(() -> why(e))
                    + ". Choose a writable path.", e);
        }
    }

    /**
     * Why a write failed: a file system exception's message is often only the path (tester session 40 R30 F14:
     * "Cannot write /proc/x/plan.yaml: /proc/x.").
     */
    private static String why(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException denied) {
            return "permission denied on " + denied.getFile();
        }
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return missing.getFile() + " does not exist";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException taken) {
            return taken.getFile() + " is in the way (not a directory)";
        }
        if (e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getReason() + " (" + fs.getFile() + ")";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /**
     * The nearest existing path above {@code file} when it is not a directory, such as {@code f} for
     * {@code f/sub/r.yaml} with {@code f} a regular file: a write there fails with only "Not a directory" and a path
     * that does not exist (tester R44 T2 F4, R45).
     */
    public static Optional<Path> fileInTheWay(Path file) {
        for (Path at = file.toAbsolutePath().getParent(); at != null; at = at.getParent()) {
            if (Files.exists(at)) {
                return Files.isDirectory(at) ? Optional.empty() : Optional.of(at);
            }
        }
        return Optional.empty();
    }

    /** Output formats. */
    public enum Format {
        /** YAML. */
        YAML,
        /** Indented JSON. */
        JSON
    }

    /**
     * Renders a value as text in the format.
     *
     * @throws SlipwayException {@link ErrorCode#BAD_USAGE} for a null value or format (the text "null" before)
     */
    public static String render(Object value, Format format) {
        Arguments.required(value, "What to render");
        Arguments.required(format, "The format");
        ObjectMapper mapper = format == Format.JSON ? PlanCodec.json() : PlanCodec.yaml();
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass().getSimpleName(), e);
        }
    }

    private static String readText(Path file, String what) {
        // a bare NPE before (tester session 45 R40 F5); "query-check file file's" (R42 T2 F6)
        Arguments.required(file, "The " + (what.endsWith(" file") ? what : what + " file") + "'s path");
        if (!Files.isRegularFile(file)) {
            throw new SlipwayException(ErrorCode.FILE_UNREADABLE, "Cannot read " + what + " " + file
                    + (Files.isDirectory(file) ? ": it is a directory, not a file" : ": no such file")
                    + ". Check the path.");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new SlipwayException(ErrorCode.FILE_UNREADABLE, "Cannot read " + what + " " + file + ": it is "
                    + "not UTF-8 text. Check that it is the file you meant.", e);
        } catch (IOException e) {
            throw new SlipwayException(ErrorCode.FILE_UNREADABLE, "Cannot read " + what + " " + file + ": "
                    + e.getMessage() + ". Check the path and its permissions.", e);
        }
    }
}
