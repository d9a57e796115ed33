package dev.slipway.internal.plan;

import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class UnheldPathWarningTest {
    private static final IndexSchema TARGET = IndexSchema.builder("docs", StorageType.JSON).prefixes(List.of("doc:"))
            .field(new FieldSchema("tag", "$.extra.tagg", FieldType.TAG, Map.of())).build();

    private static SourceSnapshot sampled(long holders) {
        List<String> keys = IntStream.range(0, 20).mapToObj(i -> "doc:" + i).toList();
        return new SourceSnapshot("docs", "docs", TARGET, 100, 0, keys, new ServerInfo("7.4.1", 21005, 20809), 1000,
                5, 0, List.of()).withPathsHeld(Map.of("$.extra.tagg", holders));
    }

    @Test
    void aPathHeldByNoneOrAFewOfTheSampleIsWarnedOf() {
        assertThat(DocumentWarnings.unheldPathWarnings(sampled(0), TARGET, Optional.empty())).singleElement()
                .asString().startsWith("Field 'tag' will read '$.extra.tagg', which none of the 20 sampled documents "
                        + "holds: it will match nothing in the others.");
        assertThat(DocumentWarnings.unheldPathWarnings(sampled(3), TARGET, Optional.empty())).singleElement()
                .asString().contains("which only 3 of the 20 sampled documents hold");
        assertThat(DocumentWarnings.unheldPathWarnings(sampled(10), TARGET, Optional.empty()))
                .as("half the sample is still most of it without").hasSize(1);
    }

    @Test
    void aPathMostOfTheSampleHoldsIsNot() {
        assertThat(DocumentWarnings.unheldPathWarnings(sampled(11), TARGET, Optional.empty())).isEmpty();
        assertThat(DocumentWarnings.unheldPathWarnings(sampled(20), TARGET, Optional.empty())).isEmpty();
    }
}
