package dev.slipway.internal.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.slipway.api.plan.PlanStep;
import dev.slipway.api.plan.StepKind;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.schema.PatchDocument;
import dev.slipway.internal.schema.SchemaDocument;
import dev.slipway.internal.yaml.YamlNode;
import dev.slipway.internal.yaml.YamlProblems;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Jackson set-up for every file Slipway writes and reads back (plans, reports, schemas): snake_case keys,
 * ISO timestamps, schemas in their file form and commands as one quoted line each.
 */
public final class PlanCodec {
    private static final ObjectMapper YAML = configure(new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .stringQuotingChecker(new NumberLikeQuoted())
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build()));
    private static final ObjectMapper JSON = configure(JsonMapper.builder().build())
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper CANONICAL_JSON = configure(JsonMapper.builder().build())
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private PlanCodec() {
    }

    /**
     * Quotes, besides what Jackson quotes, every string that begins like a number: the reader takes YAML 1.1's
     * number forms ({@code 0x10}, {@code 1_000}, {@code +12}, {@code .5}, {@code .inf}) as numbers, so a field so
     * named came back as {@code 16} (a plan "edited after it was made") or failed to read (tester session 47 R42 T1
     * F3). Quoting more than needed only costs two characters.
     */
    static final class NumberLikeQuoted extends StringQuotingChecker.Default {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || beginsLikeANumber(value);
        }

        static boolean beginsLikeANumber(String value) {
            if (value.isEmpty()) {
                return false;
            }
            char first = value.charAt(0);
            return Character.isDigit(first) || first == '+' || first == '-' || first == '.';
        }
    }

    /** The YAML mapper. */
    public static ObjectMapper yaml() {
        return YAML;
    }

    /** The indented JSON mapper. */
    public static ObjectMapper json() {
        return JSON;
    }

    /** Compact JSON with sorted map keys, used to fingerprint values. */
    public static String canonicalJson(Object value) {
        try {
            return CANONICAL_JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        // a key given twice is refused, not read as its last copy: a plan file could otherwise show a reviewer one
        // value and apply another, past the plan id and the review digest (tester session 44 R39 F4)
        mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        SimpleModule module = new SimpleModule("slipway");
        module.addSerializer(IndexSchema.class, new SchemaSerializer());
        module.addDeserializer(IndexSchema.class, new DocumentDeserializer<>("schema", SchemaDocument::read));
        module.addSerializer(SchemaPatch.class, new PatchSerializer());
        module.addDeserializer(SchemaPatch.class, new DocumentDeserializer<>("patch", PatchDocument::read));
        module.addSerializer(PlanStep.class, new StepSerializer());
        module.addDeserializer(PlanStep.class, new StepDeserializer());
        return mapper.registerModule(new Jdk8Module()).registerModule(new JavaTimeModule()).registerModule(module)
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    private static final class SchemaSerializer extends JsonSerializer<IndexSchema> {
        @Override
        public void serialize(IndexSchema value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeObject(SchemaDocument.toTree(value));
        }
    }

    /** Reads an embedded schema or patch with the same reader (and messages) as a file of its own. */
    private static final class DocumentDeserializer<T> extends JsonDeserializer<T> {
        private final String what;
        private final java.util.function.BiFunction<YamlNode, YamlProblems, T> reader;

        DocumentDeserializer(String what, java.util.function.BiFunction<YamlNode, YamlProblems, T> reader) {
            this.what = what;
            this.reader = reader;
        }

        @Override
        public T deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode tree = parser.readValueAsTree();
            YamlProblems problems = new YamlProblems();
            T value = reader.apply(YamlNode.parse(tree.toString(), "embedded " + what), problems);
            problems.throwIfAny("Invalid " + what + " inside the file", "Re-create the file with 'slipway plan'.");
            return value;
        }
    }

    private static final class PatchSerializer extends JsonSerializer<SchemaPatch> {
        @Override
        public void serialize(SchemaPatch value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeObject(PatchDocument.toTree(value, StorageType.HASH));
        }
    }

    private static final class StepSerializer extends JsonSerializer<PlanStep> {
        @Override
        public void serialize(PlanStep step, JsonGenerator gen, SerializerProvider provider) throws IOException {
            Map<String, Object> tree = new LinkedHashMap<>();
            tree.put("name", step.name());
            tree.put("kind", step.kind().name());
            tree.put("description", step.description());
            tree.put("commands", step.commands().stream().map(RedisCommandText::format).toList());
            gen.writeObject(tree);
        }
    }

    private static final class StepDeserializer extends JsonDeserializer<PlanStep> {
        @Override
        public PlanStep deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode tree = parser.readValueAsTree();
            List<List<String>> commands = new ArrayList<>();
            for (JsonNode line : tree.path("commands")) {
                commands.add(RedisCommandText.parse(line.asText()));
            }
            StepKind kind;
            try {
                kind = StepKind.valueOf(tree.path("kind").asText());
            } catch (IllegalArgumentException e) {
                throw context.weirdStringException(tree.path("kind").asText(), StepKind.class, "unknown step kind");
            }
            return new PlanStep(tree.path("name").asText(), kind, tree.path("description").asText(), commands);
        }
    }
}
