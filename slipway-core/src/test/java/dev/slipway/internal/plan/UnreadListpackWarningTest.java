package dev.slipway.internal.plan;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.plan.SourceSnapshot;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.vector.VectorMemory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server whose hash-max-listpack-value could not be read is taken for the default 64; a widened vector that stays
 * within 64 bytes is then charged no conversion, which a lower setting would cause (tester session 32 R13 L2).
 */
class UnreadListpackWarningTest {
    private static final IndexSchema SCHEMA = IndexSchema.builder("docs", StorageType.HASH).prefixes(List.of("d:"))
            .field(new FieldSchema("emb", null, FieldType.VECTOR, Map.of("algorithm", "flat", "datatype", "float16",
                    "dims", 8, "distance_metric", "l2"))).build();

    private static SourceSnapshot source(int listpackValue, Map<String, Long> encodings) {
        ServerInfo server = new ServerInfo("7.4.1", 21005, 20809, Optional.of(new ServerInfo.Memory(1 << 20, 0,
                "noeviction", listpackValue)));
        return new SourceSnapshot("docs", "docs", SCHEMA, 100_000, 0, List.of("d:1"), server, 1000, 5, 0, List.of())
                .withEncodingsSampled(encodings, 0);
    }

    private static RewriteSpec widen(int dims, String from, String to) {
        return new RewriteSpec(StorageType.HASH, List.of("d:"), Optional.empty(), List.of(),
                List.of(new RewriteSpec.VectorConversion("emb", from, to, dims)), 100_000, false);
    }

    @Test
    void anUnreadSettingIsWarnedOfWithWhatALowerOneWouldCost() {
        // 16 bytes to 32: 21 counted in the listpack, 280 if it became a hash table; 259 more per document
        long more = 100_000L * (16 - 40 - VectorMemory.HASH_TABLE_CONVERSION + 21) * -1;
        assertThat(more).isEqualTo(25_900_000L);
        assertThat(DocumentWarnings.unreadListpackWarning(source(0, Map.of("listpack", 20L)), widen(8, "float16",
                "float32"))).get().asString().contains("hash-max-listpack-value could not be read",
                "(20 of the 20 sampled)", "up to " + StrategyChoice.mib(more) + " more than estimated");
        assertThat(DocumentWarnings.unreadListpackWarning(source(0, Map.of()), widen(8, "float16", "float32")))
                .as("encodings not sampled either").isPresent();
    }

    /** Why the setting was not read: CONFIG refused, CONFIG renamed away, or INFO memory not answered (R43 T3 F7). */
    @Test
    void theWarningSaysWhyTheSettingWasNotRead() {
        SourceSnapshot refused = source(0, Map.of("listpack", 20L));
        SourceSnapshot renamed = refused.withServer(refused.server().withUnknownCommands(List.of("CONFIG")));
        SourceSnapshot noInfo = refused.withServer(new ServerInfo("unknown", 21005, 20809)
                .withUnknownCommands(List.of("INFO")));
        RewriteSpec widen = widen(8, "float16", "float32");

        assertThat(DocumentWarnings.unreadListpackWarning(refused, widen)).get().asString()
                .contains("could not be read (the server refuses CONFIG GET to this user)");
        assertThat(DocumentWarnings.unreadListpackWarning(renamed, widen)).get().asString()
                .contains("could not be read (the server has no CONFIG command (renamed or disabled))");
        assertThat(DocumentWarnings.unreadListpackWarning(noInfo, widen)).get().asString()
                .contains("could not be read (it is read with the memory figures, and the server has no INFO command "
                        + "(renamed or disabled))");
    }

    /** OBJECT refused: every document is taken for a listpack, and the plan says how much that adds (R14 M3). */
    @Test
    void unreadEncodingsAreWarnedOfWithWhatTheConversionAdds() {
        // 24 dims: 48 bytes in a listpack become a 96-byte string (104) and a hash table (256): 312, against 48 more
        // in a hash table already (56 to 104)
        long assumed = 100_000L * (312 - 48);
        assertThat(DocumentWarnings.unreadEncodingWarning(source(64, Map.of()), widen(24, "float16", "float32")))
                .get().asString().contains("(the server refuses OBJECT ENCODING to this user)",
                        StrategyChoice.mib(assumed) + " of the estimate", "--ignore-maxmemory");
        assertThat(DocumentWarnings.unreadEncodingWarning(source(64, Map.of("listpack", 20L)), widen(24, "float16",
                "float32"))).as("read").isEmpty();
        assertThat(DocumentWarnings.unreadEncodingWarning(source(64, Map.of()), widen(24, "float32", "float16")))
                .as("narrowing").isEmpty();
    }

    @Test
    void aReadSettingNoListpackOrAVectorBeyondTheDefaultNeedNoWarning() {
        assertThat(DocumentWarnings.unreadListpackWarning(source(16, Map.of("listpack", 20L)), widen(8, "float16",
                "float32"))).as("read").isEmpty();
        assertThat(DocumentWarnings.unreadListpackWarning(source(0, Map.of("hashtable", 20L)), widen(8, "float16",
                "float32"))).as("only hash tables sampled").isEmpty();
        assertThat(DocumentWarnings.unreadListpackWarning(source(0, Map.of("listpack", 20L)), widen(64, "float16",
                "float32"))).as("256 bytes leave a listpack of the default already, and are counted").isEmpty();
        assertThat(DocumentWarnings.unreadListpackWarning(source(0, Map.of("listpack", 20L)), widen(8, "float32",
                "float16"))).as("narrowing").isEmpty();
    }
}
