package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.GlobPattern;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the throwaway index of {@link FilterScope#admittedBy} fits under the server's {@code maxmemory}, with the
 * memory in use, below the share of the limit every other memory check keeps to ({@link MemoryHeadroom}). Built over
 * a server near its limit, it made Redis evict the user's keys under allkeys-lru, or refuse the application's writes
 * under noeviction (tester session 42 R35 R1 through the vectors a JSON FILTER names; session 43 R36 F1 through its
 * document table alone, 13,648 of 200,000 keys evicted).
 * <p>
 * The estimate: every key under the prefixes of the index's storage type (counted by SCAN, which stops as soon as
 * the count no longer fits; at least the {@code documents} given), since the index reads every one of them (R36 F3:
 * the documents an index held undercounted the ones a wider FILTER admits); for each, its document and key tables
 * ({@value #PER_DOCUMENT} bytes besides the key's own, measured 125–129 on Search 2.10.5 for hashes and JSON alike,
 * plus {@value #PER_ATTRIBUTE} per other attribute it declares), with a margin of {@value #TABLE_MARGIN}; and its
 * vectors by the memory model with the allocator overhead every estimate uses, as many per document as the most a
 * sampled document holds at a multi-value JSON path (R36 F2: 10 per document were counted as 1).
 */
public final class AdmissionMemory {
    /** Bytes of the document and key tables per document, besides the key's own bytes. */
    static final long PER_DOCUMENT = 128;
    /** Bytes per document for each attribute other than a vector that the throwaway index declares. */
    static final long PER_ATTRIBUTE = 48;
    /** The margin over the tables' measured bytes. */
    static final double TABLE_MARGIN = 1.25;
    /** How many documents are read to count the vectors at a multi-value JSON path. */
    static final int SAMPLED = 20;
    private static final int SCAN_COUNT = 1_000;

    private AdmissionMemory() {
    }

    /**
     * Why the throwaway index {@code admission} would not fit, if so; empty without a limit (or when the server does
     * not tell it), or when it fits.
     *
     * @param documents at least this many documents (those the index validated or its source held)
     */
    public static Optional<String> noRoom(RedisSession session, IndexSchema admission, long documents) {
        Optional<ServerInfo.Memory> limited = new LiveIndexReader(session).memory().filter(m -> m.maxBytes() > 0);
        if (limited.isEmpty()) {
            return Optional.empty();
        }
        ServerInfo.Memory memory = limited.get();
        long room = Math.round(memory.maxBytes() * MemoryHeadroom.USABLE_SHARE) - memory.usedBytes();
        Sizing sizing = new Sizing(admission);
        boolean counted = sizing.countKeys(session, room);
        long keys = Math.max(documents, sizing.keys);
        long needs = sizing.bytes(keys);
        if (needs <= room) {
            return Optional.empty();
        }
        long enough = (long) Math.ceil((memory.usedBytes() + needs) / MemoryHeadroom.USABLE_SHARE);
        return Optional.of("the throwaway index that tells which documents the FILTER admits would need about "
                + StrategyChoice.mib(needs) + " (" + (counted ? "" : "at least ") + keys + " documents under its "
                + "prefixes" + (sizing.vectorsPerDocument.isEmpty() ? "" : ", and the vectors the FILTER reads indexed "
                + "again") + "), and with the "
                + StrategyChoice.mib(memory.usedBytes()) + " in use that passes "
                + Math.round(MemoryHeadroom.USABLE_SHARE * 100) + "% of maxmemory "
                + StrategyChoice.mib(memory.maxBytes()) + " (" + StrategyChoice.mib(room + memory.usedBytes())
                + "); it "
                + "would fit with maxmemory at " + (counted ? "" : "more than ") + StrategyChoice.mib(enough));
    }

    /** The keys under the prefixes and what each costs the throwaway index. */
    private static final class Sizing {
        private final IndexSchema admission;
        private final List<FieldSchema> vectors;
        /** Vector bytes per document for each vector field, as many as the sampled documents hold at most. */
        private final List<Long> vectorsPerDocument = new ArrayList<>();
        private final long otherAttributes;
        private long keys;
        private long keyBytes;

        Sizing(IndexSchema admission) {
            this.admission = admission;
            this.vectors = admission.fields().stream().filter(f -> f.type() == FieldType.VECTOR).toList();
            // the placeholder of a throwaway index that reads no field is held by no document
            this.otherAttributes = admission.fields().stream().filter(f -> f.type() != FieldType.VECTOR
                    && !f.name().equals(FilterScope.PLACEHOLDER)).count();
        }

        /**
         * Counts the keys under the prefixes (of the index's key type), and samples the first for the vectors they
         * hold; stops once their bytes pass {@code room}.
         *
         * @return whether every key was counted
         */
        boolean countKeys(RedisSession session, long room) {
            List<String> sampled = new ArrayList<>();
            String type = admission.storageType().keyType();
            List<String> patterns = GlobPattern.underPrefixes(admission.prefixes());
            for (int p = 0; p < patterns.size(); p++) {
                String cursor = "0";
                do {
                    List<Object> reply = RedisReplies.list(session.call("SCAN", cursor, "MATCH", patterns.get(p),
                            "COUNT", Integer.toString(SCAN_COUNT), "TYPE", type));
                    cursor = RedisReplies.text(reply.get(0));
                    for (Object key : RedisReplies.list(reply.get(1))) {
                        keys++;
                        keyBytes += ((byte[]) key).length;
                        if (sampled.size() < SAMPLED) {
                            sampled.add(RedisReplies.text(key));
                        }
                    }
                    if (vectorsPerDocument.isEmpty() && !vectors.isEmpty() && sampled.size() >= SAMPLED) {
                        sampleVectors(session, sampled);
                    }
                    if (bytes(keys) > room) { // it does not fit: the rest need not be counted
                        sampleVectors(session, sampled);
                        return cursor.equals("0") && p == patterns.size() - 1;
                    }
                } while (!cursor.equals("0"));
            }
            sampleVectors(session, sampled);
            return true;
        }

        /** The bytes of the throwaway index over {@code documents} documents. */
        long bytes(long documents) {
            double keyLength = keys == 0 ? 0 : (double) keyBytes / keys;
            double tables = documents * (PER_DOCUMENT + keyLength + otherAttributes * PER_ATTRIBUTE) * TABLE_MARGIN;
            long perDocument = vectorsPerDocument.isEmpty()
                    ? IndexMemoryModel.vectorBytes(admission, 1)
                    : vectorsPerDocument.stream().mapToLong(Long::longValue).sum();
            return Math.round(tables + documents * perDocument * StrategyChoice.MEMORY_OVERHEAD);
        }

        /**
         * For each vector field, its bytes per document times the most vectors a sampled document holds there; once.
         */
        private void sampleVectors(RedisSession session, List<String> sampled) {
            if (!vectorsPerDocument.isEmpty()) {
                return;
            }
            for (FieldSchema field : vectors) {
                long most = 1;
                if (admission.storageType() == StorageType.JSON && multiValue(field.path())) {
                    for (String key : sampled) {
                        most = Math.max(most, valuesAt(session, key, field.path()));
                    }
                }
                vectorsPerDocument.add(IndexMemoryModel.vectorBytes(IndexSchema.builder("one", admission
                        .storageType()).field(field).build(), 1) * most);
            }
        }
    }

    /** Whether a JSON path can match more than one value ({@code [*]}, {@code ..}, a filter, a slice, a union). */
    static boolean multiValue(String path) {
        return path.contains("[*]") || path.contains("..") || path.contains("[?") || path.contains(":")
                || path.contains(",") || path.contains(".*");
    }

    /** How many values {@code path} matches in the JSON document at {@code key}; 0 when none or not JSON. */
    private static long valuesAt(RedisSession session, String key, String path) {
        try {
            String json = session.callString("JSON.GET", key, path);
            JsonNode matches = json == null ? null : PlanCodec.json().readTree(json);
            return matches != null && matches.isArray() ? matches.size() : 0;
        } catch (RedisCommandException | JsonProcessingException e) {
            return 0; // gone since, or not a document: the other sampled ones decide
        }
    }
}
