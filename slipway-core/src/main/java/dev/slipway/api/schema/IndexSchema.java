package dev.slipway.api.schema;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The complete definition of a Redis Search index: everything {@code FT.CREATE} takes.
 *
 * <p>Instances are normalised on construction (default paths filled in, server defaults removed, the empty
 * prefix treated as "no prefix" and a repeated one named once, the options the server implies added: NOHL with
 * NOOFFSETS, MAXTEXTFIELDS with more than {@value #MOST_TEXT_FIELDS} indexed TEXT fields), so two schemas describing
 * the same index are {@code equals}.
 *
 * @param name          index name
 * @param storageType   hash or JSON
 * @param prefixes      key prefixes; empty means every key
 * @param filter        optional filter expression
 * @param language      default language; {@code english} when not set
 * @param languageField optional document field holding the language
 * @param score         default document score; {@code 1.0} when not set
 * @param scoreField    optional document field holding the score
 * @param payloadField  optional document field holding the payload
 * @param stopwords     empty for the server's default list; a list (possibly empty, meaning none) otherwise,
 *                      lower-cased, without repeats and sorted, as the server reports it
 * @param options       index-wide flags
 * @param fields        the fields in schema order; never empty
 */
public record IndexSchema(String name, StorageType storageType, List<String> prefixes, Optional<String> filter,
                          String language, Optional<String> languageField, double score,
                          Optional<String> scoreField, Optional<String> payloadField,
                          Optional<List<String>> stopwords, Set<IndexOption> options, List<FieldSchema> fields) {

    /** The default language of Redis Search. */
    public static final String DEFAULT_LANGUAGE = "english";

    /**
     * The most indexed TEXT fields an index holds without {@link IndexOption#MAXTEXTFIELDS}. With more, the server
     * turns the option on by itself and reports it (checked on Search 2.10.5: 33 TEXT fields report MAXTEXTFIELDS,
     * 32, or 32 and one TEXT NOINDEX, do not), so the schema does too: a target that added a 33rd TEXT field
     * failed validation as "changed by someone" (tester session 40 R29 F6).
     */
    public static final int MOST_TEXT_FIELDS = 32;

    /**
     * Normalises and validates the definition.
     *
     * @throws IllegalArgumentException naming what is wrong (a blank name, no fields, a field declared twice, a
     *                                  score outside 0..1): the model's own check, before any Redis is involved;
     *                                  files read through {@link dev.slipway.api.SlipwayFiles} report the same as
     *                                  {@link dev.slipway.api.ErrorCode#MALFORMED_INPUT} with the line
     */
    public IndexSchema {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an index needs a non-empty name");
        }
        Objects.requireNonNull(storageType, "storageType");
        // a prefix named twice covers nothing more, and made a pointless new version (tester session 41 R32 N2)
        prefixes = prefixes == null ? List.of() : prefixes.stream().filter(p -> !p.isEmpty()).distinct().toList();
        filter = blankToEmpty(filter);
        language = language == null || language.isBlank() ? DEFAULT_LANGUAGE
                : language.toLowerCase(java.util.Locale.ROOT);
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("index '" + name + "' has score " + score
                    + "; the server accepts a default score between 0 and 1");
        }
        languageField = blankToEmpty(languageField);
        scoreField = blankToEmpty(scoreField);
        payloadField = blankToEmpty(payloadField);
        stopwords = stopwords == null ? Optional.empty() : stopwords.map(IndexSchema::normalizeStopwords);
        EnumSet<IndexOption> opts = EnumSet.noneOf(IndexOption.class);
        if (options != null) {
            opts.addAll(options);
        }
        if (opts.contains(IndexOption.NOOFFSETS)) {
            opts.add(IndexOption.NOHL); // the server implies NOHL and reports both
        }
        if (fields == null || fields.isEmpty()) {
            throw new IllegalArgumentException("index '" + name + "' needs at least one field");
        }
        StorageType storage = storageType;
        fields = fields.stream().map(f -> f.normalizedFor(storage)).toList();
        if (fields.stream().filter(f -> f.type() == FieldType.TEXT && !f.flag("no_index")).count()
                > MOST_TEXT_FIELDS) {
            opts.add(IndexOption.MAXTEXTFIELDS); // the server turns it on by itself and reports it
        }
        options = java.util.Collections.unmodifiableSet(opts);
        Set<String> seen = new HashSet<>();
        for (FieldSchema field : fields) {
            if (!seen.add(field.name())) {
                throw new IllegalArgumentException("index '" + name + "' declares field '" + field.name() + "' twice");
            }
        }
    }

    /** The server keeps stop words lower-case and once each, and reports them sorted. */
    private static List<String> normalizeStopwords(List<String> words) {
        return words.stream().map(w -> w.toLowerCase(java.util.Locale.ROOT)).distinct().sorted().toList();
    }

    private static Optional<String> blankToEmpty(Optional<String> value) {
        return value == null ? Optional.empty() : value.filter(v -> !v.isBlank());
    }

    /** Starts a builder for an index with the given name and storage. */
    public static Builder builder(String name, StorageType storageType) {
        return new Builder(name, storageType);
    }

    /** A builder initialised with this schema's values. */
    public Builder toBuilder() {
        Builder b = new Builder(name, storageType);
        b.prefixes = new ArrayList<>(prefixes);
        b.filter = filter.orElse(null);
        b.language = language;
        b.languageField = languageField.orElse(null);
        b.score = score;
        b.scoreField = scoreField.orElse(null);
        b.payloadField = payloadField.orElse(null);
        b.stopwords = stopwords.orElse(null);
        b.options = options.isEmpty() ? EnumSet.noneOf(IndexOption.class) : EnumSet.copyOf(options);
        b.fields = new ArrayList<>(fields);
        return b;
    }

    /** The field with the given attribute name, if any. */
    public Optional<FieldSchema> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /** A copy with another name. */
    public IndexSchema withName(String newName) {
        return toBuilder().name(newName).build();
    }

    /** Mutable builder for {@link IndexSchema}. */
    public static final class Builder {
        private String name;
        private StorageType storageType;
        private List<String> prefixes = new ArrayList<>();
        private String filter;
        private String language;
        private String languageField;
        private double score = 1.0;
        private String scoreField;
        private String payloadField;
        private List<String> stopwords;
        private Set<IndexOption> options = EnumSet.noneOf(IndexOption.class);
        private List<FieldSchema> fields = new ArrayList<>();

        private Builder(String name, StorageType storageType) {
            this.name = name;
            this.storageType = storageType;
        }

        /** Sets the index name. */
        public Builder name(String value) { this.name = value; return this; }

        /** Sets the storage type. */
        public Builder storageType(StorageType value) { this.storageType = value; return this; }

        /** Replaces the prefixes. */
        public Builder prefixes(List<String> value) { this.prefixes = new ArrayList<>(value); return this; }

        /** Sets the filter expression; null clears it. */
        public Builder filter(String value) { this.filter = value; return this; }

        /** Sets the default language; null means english. */
        public Builder language(String value) { this.language = value; return this; }

        /** Sets the language field; null clears it. */
        public Builder languageField(String value) { this.languageField = value; return this; }

        /** Sets the default score. */
        public Builder score(double value) { this.score = value; return this; }

        /** Sets the score field; null clears it. */
        public Builder scoreField(String value) { this.scoreField = value; return this; }

        /** Sets the payload field; null clears it. */
        public Builder payloadField(String value) { this.payloadField = value; return this; }

        /** Sets a custom stop-word list (empty for none); null restores the server default. */
        public Builder stopwords(List<String> value) { this.stopwords = value; return this; }

        /** Replaces the index options. */
        public Builder options(Set<IndexOption> value) {
            this.options = value.isEmpty() ? EnumSet.noneOf(IndexOption.class) : EnumSet.copyOf(value);
            return this;
        }

        /** Adds one index option. */
        public Builder option(IndexOption value) { this.options.add(value); return this; }

        /** Replaces the fields. */
        public Builder fields(List<FieldSchema> value) { this.fields = new ArrayList<>(value); return this; }

        /** Appends a field. */
        public Builder field(FieldSchema value) { this.fields.add(value); return this; }

        /** Builds the normalised schema. */
        public IndexSchema build() {
            return new IndexSchema(name, storageType, prefixes, Optional.ofNullable(filter), language,
                    Optional.ofNullable(languageField), score, Optional.ofNullable(scoreField),
                    Optional.ofNullable(payloadField), Optional.ofNullable(stopwords), options, fields);
        }
    }
}
