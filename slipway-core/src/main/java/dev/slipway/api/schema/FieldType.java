package dev.slipway.api.schema;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The Redis Search field types. */
public enum FieldType {
    /** Full-text field. */
    TEXT,
    /** Exact-match tag field. */
    TAG,
    /** Numeric range field. */
    NUMERIC,
    /** Longitude/latitude point field. */
    GEO,
    /** Polygon and point shapes (WKT), flat or spherical coordinates. */
    GEOSHAPE,
    /** Vector similarity field (FLAT, HNSW or SVS-VAMANA). */
    VECTOR;

    /**
     * Parses a field type case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted values when the text is not a field type
     */
    public static FieldType parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown field type '" + text + "'; expected one of "
                    + Arrays.stream(values()).map(FieldType::yamlName).collect(Collectors.joining(", ")));
        }
    }

    /** The lower-case name used in YAML files. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
