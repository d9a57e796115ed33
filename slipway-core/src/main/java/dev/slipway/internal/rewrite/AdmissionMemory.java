package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.plan.ServerInfo;
import dev.slipway.api.schema.FieldSchema;
import dev.slipway.api.schema.FieldType;
import dev.slipway.api.schema.IndexSchema;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.plan.IndexMemoryModel;
import dev.slipway.internal.plan.MemoryHeadroom;
import dev.slipway.internal.plan.StrategyChoice;
import dev.slipway.internal.redis.KeysUnder;
import dev.slipway.internal.redis.LiveIndexReader;
import dev.slipway.internal.redis.RedisCommandException;
import dev.slipway.internal.redis.RedisJsonMapper;
import dev.slipway.internal.redis.RedisReplies;
import dev.slipway.internal.redis.RedisSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the throwaway index of {@link FilterScope#admittedBy} (or of a rewrite, {@link FilterScope#open}) fits under
 * the server's {@code maxmemory}, with the memory in use, below the share of the limit every other memory check keeps
 * to ({@link MemoryHeadroom}). Built over a server near its limit, it made Redis evict the user's keys under
 * allkeys-lru, or refuse the application's writes under noeviction (tester session 42 R35 R1 through the vectors a
 * JSON FILTER names; session 43 R36 F1 through its document table alone, 13,648 of 200,000 keys evicted).
 * <p>
 * The estimate, per document: the document and key tables, {@value #PER_DOCUMENT} bytes plus the key's length twice
 * (Search keeps it twice: measured 128 + 2.05 × length on Search 2.10.5, R37 F2, for hashes and JSON alike), plus
 * {@value #PER_ATTRIBUTE} per other attribute it declares, with a margin of {@value #TABLE_MARGIN}; and its vectors by
 * the memory model with the allocator overhead every estimate uses, as many per document as the most a sampled
 * document holds at a multi-value JSON path (R36 F2), and at least what a live index reports for its vector indexes
 * (R37 F3: 1% of the documents holding 800 vectors, which the sample missed). Over how many documents: for
 * validation, every key under the prefixes of the index's storage type, counted by one SCAN (R36 F3: the documents an
 * index held undercounted what a wider FILTER admits; R37 F6: one SCAN per prefix took 80 s over 50 prefixes); for a
 * rewrite, whose source index has the same prefixes and FILTER, the documents it holds and fails on (R37 F4: keys the
 * FILTER leaves out cost nothing, and counting them refused a rewrite that fitted with room to spare).
 */
public final class AdmissionMemory {
    /** Bytes of the document and key tables per document, besides the key's own bytes (twice). */
    static final long PER_DOCUMENT = 128;
    /** Bytes per document for each attribute other than a vector that the throwaway index declares. */
    static final long PER_ATTRIBUTE = 48;
    /** The margin over the tables' measured bytes. */
    static final double TABLE_MARGIN = 1.25;
    /** How many documents are read to count the vectors at a multi-value JSON path, and to size the keys. */
    static final int SAMPLED = 20;

    /**
     * What is known of the documents the throwaway index will hold.
     *
     * @param documents   at least this many (those the index validated, or its source held)
     * @param exact       whether {@code documents} is their number (the source index has the same prefixes and
     *                    FILTER), so that the keys under the prefixes need not be counted
     * @param vectorBytes what a live index over them reports for its vector indexes (0 when none, or not known)
     */
    public record Known(long documents, boolean exact, long vectorBytes) {
    }

    private final RedisSession session;
    /** The server's memory as INFO memory gave it once; empty when it was refused. */
    private final Optional<ServerInfo.Memory> read;

    private AdmissionMemory(RedisSession session, Optional<ServerInfo.Memory> read) {
        this.session = session;
        this.read = read;
    }

    /** The server's memory and limit, read once (INFO memory), for the questions below. */
    public static AdmissionMemory of(RedisSession session) {
        return new AdmissionMemory(session, new LiveIndexReader(session).memory());
    }

    /**
     * Why the throwaway index {@code admission} would not fit, if so; empty without a limit, or when it fits. When the
     * server did not answer INFO memory, {@link #unknown} says so.
     */
    public Optional<String> noRoom(IndexSchema admission, Known known) {
        Optional<ServerInfo.Memory> limited = read.filter(m -> m.maxBytes() > 0);
        if (limited.isEmpty()) {
            return Optional.empty();
        }
        ServerInfo.Memory memory = limited.get();
        long room = Math.round(memory.maxBytes() * MemoryHeadroom.USABLE_SHARE) - memory.usedBytes();
        Sizing sizing = new Sizing(admission);
        sizing.countKeys(session, !known.exact());
        long keys = known.exact() ? known.documents() : Math.max(known.documents(), sizing.keys);
        long needs = sizing.bytes(keys, known.vectorBytes());
        if (needs <= room) {
            return Optional.empty();
        }
        long enough = (long) Math.ceil((memory.usedBytes() + needs) / MemoryHeadroom.USABLE_SHARE);
        return Optional.of("the throwaway index that tells which documents the FILTER admits would need about "
                + StrategyChoice.mib(needs) + " (" + keys + (known.exact() ? " documents its FILTER admits"
                : " documents under its prefixes") + (sizing.vectorsPerDocument.isEmpty() ? ""
                : ", and the vectors the FILTER reads indexed again") + "), and with the "
                + StrategyChoice.mib(memory.usedBytes()) + " in use that passes "
                + Math.round(MemoryHeadroom.USABLE_SHARE * 100) + "% of maxmemory "
                + StrategyChoice.mib(memory.maxBytes()) + " (" + StrategyChoice.mib(room + memory.usedBytes())
                + "); it would fit with maxmemory at " + StrategyChoice.mib(enough));
    }

    /**
     * Why whether the throwaway index fits cannot be told, if so: the server refuses INFO memory to this user, or has
     * no INFO (R37 F1: the check was skipped without a word, and a validate evicted 812 of 20,000 keys and passed).
     */
    public Optional<String> unknown() {
        return read.isPresent() ? Optional.empty()
                : Optional.of(session.unanswered("INFO memory") + ", so whether the throwaway index that tells "
                + "which documents the FILTER admits fits under maxmemory cannot be told");
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
         * Counts the keys under the prefixes (of the index's key type) in one pass ({@link KeysUnder}); with
         * {@code every} false, reads only until it has a sample. Samples the first keys for the vectors they hold.
         */
        void countKeys(RedisSession session, boolean every) {
            List<String> sampled = new ArrayList<>();
            KeysUnder.forEach(session, admission.prefixes(), admission.storageType().keyType(), key -> {
                keys++;
                keyBytes += key.length;
                if (sampled.size() < SAMPLED) {
                    sampled.add(RedisReplies.text(key));
                }
                return every || sampled.size() < SAMPLED;
            });
            sampleVectors(session, sampled);
        }

        /** The bytes of the throwaway index over {@code documents} documents, its vectors at least {@code live}. */
        long bytes(long documents, long live) {
            double keyLength = keys == 0 ? 0 : (double) keyBytes / keys; // of all keys, or of the sample
            double tables = documents * (PER_DOCUMENT + 2 * keyLength + otherAttributes * PER_ATTRIBUTE)
                    * TABLE_MARGIN;
            if (vectors.isEmpty()) {
                return Math.round(tables);
            }
            long perDocument = vectorsPerDocument.stream().mapToLong(Long::longValue).sum();
            return Math.round(tables + Math.max(documents * perDocument * StrategyChoice.MEMORY_OVERHEAD, live));
        }

        /** For each vector field, its bytes per document times the most vectors a sampled document holds there. */
        private void sampleVectors(RedisSession session, List<String> sampled) {
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
            JsonNode matches = json == null ? null : RedisJsonMapper.get().readTree(json);
            return matches != null && matches.isArray() ? matches.size() : 0;
        } catch (RedisCommandException | JsonProcessingException e) {
            return 0; // gone since, or not a document: the other sampled ones decide
        }
    }
}
