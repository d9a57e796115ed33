package dev.slipway.api.schema;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The options a schema gains on construction because the server implies them (the server's side: SchemaRoundTripIT). */
class IndexSchemaTest {
    private static IndexSchema textFields(int indexed, int notIndexed) {
        IndexSchema.Builder builder = IndexSchema.builder("i", StorageType.HASH);
        for (int i = 0; i < indexed; i++) {
            builder.field(FieldSchema.of("t" + i, FieldType.TEXT));
        }
        for (int i = 0; i < notIndexed; i++) {
            builder.field(new FieldSchema("n" + i, null, FieldType.TEXT, Map.of("no_index", true)));
        }
        return builder.field(FieldSchema.of("g", FieldType.TAG)).build();
    }

    @Test
    void moreThanThirtyTwoIndexedTextFieldsImplyMaxTextFields() {
        assertThat(textFields(32, 0).options()).isEmpty();
        assertThat(textFields(32, 5).options()).isEmpty();
        assertThat(textFields(33, 0).options()).containsExactly(IndexOption.MAXTEXTFIELDS);
    }

    @Test
    void aRepeatedPrefixIsNamedOnceAndAnEmptyOneDropped() {
        IndexSchema schema = IndexSchema.builder("i", StorageType.HASH).prefixes(java.util.List.of("a:", "", "a:",
                "b:")).field(FieldSchema.of("t", FieldType.TEXT)).build();

        assertThat(schema.prefixes()).containsExactly("a:", "b:");
    }

    @Test
    void noOffsetsImpliesNoHl() {
        IndexSchema schema = IndexSchema.builder("i", StorageType.HASH).option(IndexOption.NOOFFSETS)
                .field(FieldSchema.of("t", FieldType.TEXT)).build();

        assertThat(schema.options()).containsExactlyInAnyOrder(IndexOption.NOOFFSETS, IndexOption.NOHL);
    }
}
