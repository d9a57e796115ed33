package dev.slipway.api.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.slipway.api.schema.IndexSchema;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The live index as the planner saw it, frozen into the plan so that {@code apply} can refuse a stale plan.
 *
 * @param indexName        the name the plan was made for (an alias when the index is served through one)
 * @param physicalIndex    the physical index behind the name (equal to {@code indexName} for plain indexes)
 * @param schema           the schema read from {@code FT.INFO}
 * @param numDocs          {@code num_docs}
 * @param indexingFailures {@code hash_indexing_failures}
 * @param keySample        up to 20 keys of indexed documents, spread over the index (not its oldest documents)
 * @param server           the server's versions
 * @param indexMemoryBytes memory the index structures use, from {@code FT.INFO}
 * @param indexingMillis   {@code total_indexing_time}, the time the server spent indexing (0 when unknown)
 * @param latestVersion    the highest version number Slipway has used for this name (0 when it never managed it)
 * @param sharedKeyIndexes other indexes (not versions of this name) whose key prefixes overlap this index's, so
 *                         that they index some of the same documents
 * @param temporary        whether the physical index was created {@code TEMPORARY}, so that dropping it deletes
 *                         its documents, or Slipway cannot tell (either blocks the plan); empty (and left out of
 *                         the plan file) for an ordinary index
 * @param optionsRecorded  whether Slipway created the physical index and its recorded schema filled in the options
 *                         {@code FT.INFO} does not report; left out of the plan file when false
 * @param phoneticProbed   TEXT attributes a probe query found with PHONETIC, whose matcher {@code FT.INFO} does not
 *                         report (the schema says {@code dm:en}); empty when none, or when the options were recorded
 * @param pathsHeld        for each JSON path the target schema reads that the source did not, how many of the
 *                         sampled documents ({@code keySample}) hold it; empty for HASH indexes and when none is new
 * @param vectorIndexBytes the part of {@code indexMemoryBytes} that is vector indexes; 0 when there are none, and
 *                         in plans made before it was recorded (left out of the plan file when 0)
 * @param wordsSampled     for each document field (hash field or JSON path) that a TEXT field of the target reads
 *                         and no TEXT field of the source did, the words a sampled document holds there on average,
 *                         for the memory estimate; empty when none is new
 * @param vectorsOfOtherSize for each document field a new vector field of the target reads, how many sampled
 *                         documents hold a value there that is not a vector of the field's size (another length, or
 *                         not an array); empty when no vector field is new
 * @param encodingsSampled for a HASH index whose vectors a rewrite widens, how many of the sampled documents the
 *                         server keeps in each encoding ({@code OBJECT ENCODING}: {@code listpack}, {@code hashtable}):
 *                         only a listpack turns into a hash table when a value outgrows it; empty when not sampled
 *                         (the estimate then takes every document for a listpack)
 * @param listpackFieldsSampled how many fields the sampled documents kept as a listpack hold on average (each costs
 *                         its own entry and strings once the hash turns into a hash table); 0 when not sampled
 * @param vectorTuningRead whether {@code FT.DEBUG VECSIM_INFO} gave the tuning {@code FT.INFO} does not report
 *                         (BLOCK_SIZE, EF_RUNTIME, EPSILON) of every vector field, so that the schema has it; left
 *                         out of the plan file when false
 * @param synonyms         the index's synonym groups ({@code FT.SYNDUMP}): each group id with its terms, sorted;
 *                         they belong to the index, so a new one starts without them and {@code apply} adds them;
 *                         empty (and left out of the plan file) when it has none, and in plans made before
 */
public record SourceSnapshot(String indexName, String physicalIndex, IndexSchema schema, long numDocs,
                             long indexingFailures, List<String> keySample, ServerInfo server,
                             long indexMemoryBytes, long indexingMillis, int latestVersion,
                             List<String> sharedKeyIndexes,
                             @JsonInclude(JsonInclude.Include.NON_ABSENT) // empty: absent, as before
                             Optional<TemporaryIndex> temporary,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                             @JsonSetter(nulls = Nulls.AS_EMPTY) boolean optionsRecorded,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> phoneticProbed,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> pathsHeld,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                             @JsonSetter(nulls = Nulls.AS_EMPTY) long vectorIndexBytes,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Double> wordsSampled,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> vectorsOfOtherSize,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Long> encodingsSampled,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                             @JsonSetter(nulls = Nulls.AS_EMPTY) double listpackFieldsSampled,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT)
                             @JsonSetter(nulls = Nulls.AS_EMPTY) boolean vectorTuningRead,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> synonyms) {
    /** Copies the lists and the map (sorted, so that a plan's digest does not depend on the order). */
    public SourceSnapshot {
        pathsHeld = pathsHeld == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(pathsHeld));
        TreeMap<String, List<String>> groups = new TreeMap<>();
        (synonyms == null ? Map.<String, List<String>>of() : synonyms).forEach((group, terms) -> groups.put(group,
                terms.stream().sorted().distinct().toList()));
        synonyms = Collections.unmodifiableMap(groups);
        wordsSampled = wordsSampled == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(wordsSampled));
        vectorsOfOtherSize = vectorsOfOtherSize == null ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(vectorsOfOtherSize));
        encodingsSampled = encodingsSampled == null ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(encodingsSampled));
        keySample = keySample == null ? List.of() : List.copyOf(keySample);
        sharedKeyIndexes = sharedKeyIndexes == null ? List.of() : List.copyOf(sharedKeyIndexes);
        phoneticProbed = phoneticProbed == null ? List.of() : List.copyOf(phoneticProbed);
        temporary = temporary == null ? Optional.empty() : temporary;
    }

    /** A snapshot of an index that is not temporary, whose hidden options are not known. */
    public SourceSnapshot(String indexName, String physicalIndex, IndexSchema schema, long numDocs,
                          long indexingFailures, List<String> keySample, ServerInfo server, long indexMemoryBytes,
                          long indexingMillis, int latestVersion, List<String> sharedKeyIndexes) {
        this(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server, indexMemoryBytes,
                indexingMillis, latestVersion, sharedKeyIndexes, Optional.empty(), false, List.of(), Map.of(), 0, Map.of(),
                Map.of(), Map.of(), 0, false, Map.of());
    }

    /** A copy with other indexes sharing its keys (those of a new prefix, say). */
    public SourceSnapshot withSharedKeyIndexes(List<String> indexes) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, indexes, temporary, optionsRecorded, phoneticProbed,
                pathsHeld, vectorIndexBytes, wordsSampled, vectorsOfOtherSize, encodingsSampled, listpackFieldsSampled,
                vectorTuningRead, synonyms);
    }

    /** A copy with what is known of the server replaced (the commands it turned out not to have, say). */
    public SourceSnapshot withServer(ServerInfo serverInfo) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, serverInfo,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, pathsHeld, vectorIndexBytes, wordsSampled, vectorsOfOtherSize, encodingsSampled,
                listpackFieldsSampled, vectorTuningRead, synonyms);
    }

    /** A copy with what the sampled documents hold of the target's new JSON paths. */
    public SourceSnapshot withPathsHeld(Map<String, Long> held) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, held, vectorIndexBytes, wordsSampled, vectorsOfOtherSize,
                encodingsSampled, listpackFieldsSampled, vectorTuningRead, synonyms);
    }

    /** A copy with the vector indexes' share of the index memory. */
    public SourceSnapshot withVectorIndexBytes(long bytes) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, pathsHeld, bytes, wordsSampled, vectorsOfOtherSize,
                encodingsSampled, listpackFieldsSampled, vectorTuningRead, synonyms);
    }

    /** A copy with the words sampled documents hold in the target's new TEXT fields. */
    public SourceSnapshot withWordsSampled(Map<String, Double> words) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, pathsHeld, vectorIndexBytes, words, vectorsOfOtherSize,
                encodingsSampled, listpackFieldsSampled, vectorTuningRead, synonyms);
    }

    /** A copy with how many sampled documents hold a value of another size for the target's new vector fields. */
    public SourceSnapshot withVectorsOfOtherSize(Map<String, Long> counts) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, pathsHeld, vectorIndexBytes, wordsSampled, counts,
                encodingsSampled, listpackFieldsSampled, vectorTuningRead, synonyms);
    }

    /** A copy with the encodings of the sampled HASH documents and the fields their listpacks hold on average. */
    public SourceSnapshot withEncodingsSampled(Map<String, Long> encodings, double listpackFields) {
        return new SourceSnapshot(indexName, physicalIndex, schema, numDocs, indexingFailures, keySample, server,
                indexMemoryBytes, indexingMillis, latestVersion, sharedKeyIndexes, temporary, optionsRecorded,
                phoneticProbed, pathsHeld, vectorIndexBytes, wordsSampled, vectorsOfOtherSize, encodings,
                listpackFields, vectorTuningRead, synonyms);
    }

    /**
     * The share of the documents to take for listpacks, from the sample: one more than the sampled listpacks over
     * one more than the sampled documents, so that a sample of 20 hash tables still allows for a few listpacks
     * among the documents it missed; 1 when not sampled (the estimate errs high, as it did before).
     */
    public double listpackShare() {
        long all = encodingsSampled.values().stream().mapToLong(Long::longValue).sum();
        return all == 0 ? 1 : (listpacksSampled() + 1.0) / (all + 1.0);
    }

    /** How many sampled documents are kept as a listpack ({@code ziplist} before Redis 7). */
    public long listpacksSampled() {
        return encodingsSampled.entrySet().stream().filter(e -> e.getKey().equals("listpack")
                || e.getKey().equals("ziplist")).mapToLong(Map.Entry::getValue).sum();
    }

    /** Whether applications reach the index through an alias (the name differs from the physical index). */
    public boolean aliased() {
        return !indexName.equals(physicalIndex);
    }
}
