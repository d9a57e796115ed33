package dev.slipway.api.schema;

import dev.slipway.internal.schema.FieldAttribute;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One field of an index schema.
 *
 * @param name  the attribute name queries use ({@code @name}); never blank
 * @param path  where the value is read from: the hash field name, or a JSONPath for JSON documents; null only
 *              before the field is placed in an {@link IndexSchema}, which fills the default ({@code name} for
 *              hashes, {@code $.name} for JSON)
 * @param type  the field type
 * @param attrs the field's options under their canonical YAML names ({@code sortable}, {@code separator},
 *              {@code dims}, ...), with server defaults left out; never null, possibly empty. A vector field's
 *              {@code algorithm}, {@code datatype} and {@code distance_metric} are {@code flat}, {@code float32}
 *              and {@code cosine} when not given
 */
public record FieldSchema(String name, String path, FieldType type, Map<String, Object> attrs) {

    /**
     * Validates and normalises the attributes (canonical names and values, unknown names rejected).
     *
     * @throws IllegalArgumentException naming what is wrong (a blank name, an unknown attribute or one that does not
     *                                  apply to the type, a value out of range), before any Redis is involved
     */
    public FieldSchema {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a field needs a non-empty name");
        }
        Objects.requireNonNull(type, "type");
        attrs = Collections.unmodifiableMap(withVectorDefaults(type,
                FieldAttribute.normalize(type, null, attrs == null ? Map.of() : attrs)));
    }

    /**
     * A vector field's algorithm, datatype and distance metric, when not given: {@code flat}, {@code float32},
     * {@code cosine}, RedisVL's defaults, which a schema or patch file gets too (a field built in code had none, and
     * the server refused its FT.CREATE: tester session 45 R40 F8).
     */
    private static Map<String, Object> withVectorDefaults(FieldType type, Map<String, Object> canonical) {
        Map<String, Object> filled = new TreeMap<>(canonical);
        if (type != FieldType.VECTOR) {
            return filled;
        }
        filled.putIfAbsent("algorithm", "flat");
        filled.putIfAbsent("datatype", "float32");
        filled.putIfAbsent("distance_metric", "cosine");
        return filled;
    }

    /** Creates a field with no options. */
    public static FieldSchema of(String name, FieldType type) {
        return new FieldSchema(name, null, type, Map.of());
    }

    /** The value of one attribute by canonical name, or empty when it is absent (at its default). */
    public Optional<Object> attr(String canonicalName) {
        return Optional.ofNullable(attrs.get(canonicalName));
    }

    /** Whether a boolean attribute is set. */
    public boolean flag(String canonicalName) {
        return Boolean.TRUE.equals(attrs.get(canonicalName));
    }

    /** A copy with different attributes. */
    public FieldSchema withAttrs(Map<String, Object> newAttrs) {
        return new FieldSchema(name, path, type, newAttrs);
    }

    /** A copy with a different name (the path is kept). */
    public FieldSchema withName(String newName) {
        return new FieldSchema(newName, path, type, attrs);
    }

    /** A copy with a different path. */
    public FieldSchema withPath(String newPath) {
        return new FieldSchema(name, newPath, type, attrs);
    }

    /** The copy used inside an index of the given storage: default path filled in, storage defaults removed. */
    public FieldSchema normalizedFor(StorageType storage) {
        String resolvedPath = path != null && !path.isBlank() ? path
                : storage == StorageType.JSON ? "$." + name : name;
        return new FieldSchema(name, resolvedPath, type, FieldAttribute.normalize(type, storage, attrs));
    }
}
