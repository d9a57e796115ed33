package dev.slipway.api.schema;

import java.util.Locale;

/** How the documents of an index are stored: Redis hashes or RedisJSON documents. */
public enum StorageType {
    /** Documents are hashes; field paths are hash field names. */
    HASH,
    /** Documents are JSON; field paths are JSONPath expressions such as {@code $.title}. */
    JSON;

    /**
     * Parses a storage type case-insensitively ({@code hash}, {@code JSON}).
     *
     * @throws IllegalArgumentException naming the accepted values when the text is neither
     */
    public static StorageType parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown storage type '" + text + "'; expected hash or json");
        }
    }

    /** The name Redis gives this kind of key ({@code TYPE}, {@code SCAN ... TYPE}): {@code hash} or {@code ReJSON-RL}. */
    public String keyType() {
        return this == HASH ? "hash" : "ReJSON-RL";
    }

    /** The lower-case name used in YAML files. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
