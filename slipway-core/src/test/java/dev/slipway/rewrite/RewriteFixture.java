package dev.slipway.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.PlanRequest;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.api.plan.MigrationReport;
import dev.slipway.api.plan.StepReport;
import dev.slipway.api.ProgressListener;
import dev.slipway.api.schema.SchemaPatch;
import dev.slipway.internal.redis.RedisEndpoint;
import dev.slipway.internal.rewrite.BackupDirectory;
import dev.slipway.internal.rewrite.DocumentStore;
import dev.slipway.internal.rewrite.HeldLock;
import dev.slipway.internal.rewrite.JedisDocumentStore;
import dev.slipway.internal.rewrite.RewriteEngine;
import dev.slipway.internal.rewrite.RewriteSettings;
import dev.slipway.internal.rewrite.WorkerPool;
import dev.slipway.internal.rewrite.WriteWatch;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import dev.slipway.testing.RedisStackServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data sets and exact-byte inspection shared by the rewrite integration tests. Every document carries a field
 * the rewrite must not touch ({@code note}, with bytes that are not valid UTF-8), so a rewrite that disturbs
 * more than it should is caught.
 */
final class RewriteFixture {
    static final int DIMS = 8;
    /** A patch that converts the vector field {@code emb} to FLOAT16. */
    static final String EMB_TO_FLOAT16 = "  update_fields:\n    - name: emb\n      attrs: {datatype: float16}\n";
    static final ObjectMapper JSON = new ObjectMapper();

    private RewriteFixture() {
    }

    static Object call(Jedis jedis, String command, Object... args) {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            raw[i] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        return jedis.sendCommand(RedisStackServer.command(command), raw);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A deterministic vector per (seed, document). */
    static float[] vector(long seed, int doc) {
        Random random = new Random(seed * 1_000_003L + doc);
        float[] v = new float[DIMS];
        for (int d = 0; d < DIMS; d++) {
            v[d] = (float) random.nextGaussian();
        }
        return v;
    }

    static byte[] note(int doc) {
        return new byte[]{0, (byte) 0xff, (byte) 0xc3, (byte) doc, (byte) (doc >> 8), 0x28};
    }

    static String title(int doc) {
        return "title " + doc + " word" + (doc % 7);
    }

    // ---- HASH ----

    static void createHashIndex(Jedis jedis, String index, String prefix, VectorDataType type) {
        call(jedis, "FT.CREATE", index, "ON", "HASH", "PREFIX", "1", prefix, "SCHEMA", "title", "TEXT", "tag",
                "TAG", "emb", "VECTOR", "FLAT", "6", "TYPE", type.redisName(), "DIM", DIMS, "DISTANCE_METRIC",
                "COSINE");
    }

    /** Writes {@code count} hash documents {@code prefix0..}: title, tag, emb (in {@code type}) and note. */
    static void loadHash(Jedis jedis, String prefix, int count, VectorDataType type, long seed) {
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < count; i++) {
            Map<byte[], byte[]> fields = new LinkedHashMap<>();
            fields.put(bytes("title"), bytes(title(i)));
            fields.put(bytes("tag"), bytes("t" + (i % 3)));
            fields.put(bytes("emb"), VectorCodec.encode(vector(seed, i), type, null));
            fields.put(bytes("note"), note(i));
            pipeline.hset(bytes(prefix + i), fields);
            if (i % 1000 == 999) {
                pipeline.sync();
            }
        }
        pipeline.sync();
    }

    /** Every key matching the pattern, sorted. */
    static TreeSet<String> keys(Jedis jedis, String pattern) {
        TreeSet<String> keys = new TreeSet<>();
        byte[] cursor = ScanParams.SCAN_POINTER_START_BINARY;
        ScanParams params = new ScanParams().match(bytes(pattern)).count(1000);
        do {
            ScanResult<byte[]> page = jedis.scan(cursor, params);
            page.getResult().forEach(k -> keys.add(new String(k, StandardCharsets.UTF_8)));
            cursor = page.getCursorAsBytes();
        } while (!new String(cursor, StandardCharsets.UTF_8).equals("0"));
        return keys;
    }

    /** Every hash under the pattern: key to (field to hex of the exact bytes). */
    static TreeMap<String, TreeMap<String, String>> hashes(Jedis jedis, String pattern) {
        TreeMap<String, TreeMap<String, String>> all = new TreeMap<>();
        for (String key : keys(jedis, pattern)) {
            all.put(key, hash(jedis, key));
        }
        return all;
    }

    static TreeMap<String, String> hash(Jedis jedis, String key) {
        TreeMap<String, String> fields = new TreeMap<>();
        jedis.hgetAll(bytes(key)).forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8),
                HexFormat.of().formatHex(v)));
        return fields;
    }

    static String hex(byte[] value) {
        return HexFormat.of().formatHex(value);
    }

    static byte[] unhex(String value) {
        return HexFormat.of().parseHex(value);
    }

    /**
     * What a hash document becomes: {@code renames} applied to field names, the vector (under its new name)
     * converted exactly as {@link VectorCodec#convert} does, everything else byte-identical.
     */
    static TreeMap<String, String> expectedHash(Map<String, String> original, Map<String, String> renames,
                                                String vectorField, VectorDataType from, VectorDataType to) {
        TreeMap<String, String> expected = new TreeMap<>();
        original.forEach((field, value) -> expected.put(renames.getOrDefault(field, field), value));
        if (to != null) {
            String name = renames.getOrDefault(vectorField, vectorField);
            expected.put(name, hex(VectorCodec.convert(unhex(expected.get(name)), from, to, null)));
        }
        return expected;
    }

    /** The expected data set after a rewrite: keys moved from one prefix to another, each document transformed. */
    static TreeMap<String, TreeMap<String, String>> expectedHashes(Map<String, TreeMap<String, String>> before,
                                                                   String fromPrefix, String toPrefix,
                                                                   Map<String, String> renames, String vectorField,
                                                                   VectorDataType from, VectorDataType to) {
        TreeMap<String, TreeMap<String, String>> expected = new TreeMap<>();
        before.forEach((key, doc) -> expected.put(toPrefix + key.substring(fromPrefix.length()),
                expectedHash(doc, renames, vectorField, from, to)));
        return expected;
    }

    // ---- JSON ----

    static void createJsonIndex(Jedis jedis, String index, String prefix) {
        call(jedis, "FT.CREATE", index, "ON", "JSON", "PREFIX", "1", prefix, "SCHEMA", "$.title", "AS", "title",
                "TEXT", "$.tag", "AS", "tag", "TAG", "$.emb", "AS", "emb", "VECTOR", "FLAT", "6", "TYPE", "FLOAT32",
                "DIM", DIMS, "DISTANCE_METRIC", "COSINE");
    }

    static void loadJson(Jedis jedis, String prefix, int count, long seed) {
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < count; i++) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("title", title(i));
            doc.put("tag", "t" + (i % 3));
            List<Double> emb = new ArrayList<>();
            for (float f : vector(seed, i)) {
                emb.add((double) f);
            }
            doc.put("emb", emb);
            doc.put("extra", Map.of("n", i, "s", "x\u00e9" + i, "nested", List.of(1, 2.5, "three")));
            try {
                pipeline.sendCommand(RedisStackServer.command("JSON.SET"), bytes(prefix + i), bytes("$"),
                        JSON.writeValueAsBytes(doc));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        pipeline.sync();
    }

    /** Every JSON document under the pattern, parsed (object member order is not part of the data). */
    static TreeMap<String, JsonNode> jsons(Jedis jedis, String pattern) {
        TreeMap<String, JsonNode> all = new TreeMap<>();
        for (String key : keys(jedis, pattern)) {
            Object reply = call(jedis, "JSON.GET", key, "$");
            try {
                all.put(key, JSON.readTree((byte[]) reply));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    // ---- index and plan helpers ----

    static SchemaPatch patch(Path dir, String changesYaml) {
        try {
            Path file = Files.createTempFile(dir, "patch", ".yaml");
            Files.writeString(file, "version: 1\nchanges:\n" + changesYaml);
            return SlipwayFiles.readPatch(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A hash index {@code docs} over {@code doc:} holding {@code count} documents with seeded {@code type} vectors,
     * fully indexed; returns the documents as they are.
     */
    static TreeMap<String, TreeMap<String, String>> hashDocs(Jedis jedis, Slipway slipway, VectorDataType type,
                                                             int count, long seed) {
        createHashIndex(jedis, "docs", "doc:", type);
        loadHash(jedis, "doc:", count, type, seed);
        waitIndexed(slipway, "docs");
        return hashes(jedis, "doc:*");
    }

    /**
     * A hash index {@code filtered} over {@code f:} with {@code FILTER @kind=="admitted"}, a TEXT {@code title} and
     * a {@code type} vector {@code emb} of {@code dims} (zero bytes), holding {@code count} documents of which every
     * tenth is admitted; fully indexed.
     */
    static void filteredHashDocs(Jedis jedis, Slipway slipway, String type, int dims, int count) {
        call(jedis, "FT.CREATE", "filtered", "ON", "HASH", "PREFIX", "1", "f:", "FILTER", "@kind==\"admitted\"",
                "SCHEMA", "title", "TEXT", "emb", "VECTOR", "FLAT", "6", "TYPE", type, "DIM", dims,
                "DISTANCE_METRIC", "L2");
        int bytesPerValue = type.equalsIgnoreCase("FLOAT16") || type.equalsIgnoreCase("BFLOAT16") ? 2 : 4;
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < count; i++) {
            pipeline.hset(bytes("f:" + i), Map.of(bytes("title"), bytes("f" + i), bytes("kind"),
                    bytes(i % 10 == 0 ? "admitted" : "other"), bytes("emb"), new byte[dims * bytesPerValue]));
        }
        pipeline.sync();
        waitIndexed(slipway, "filtered");
    }

    static MigrationPlan plan(Slipway slipway, String index, Path dir, String changesYaml) {
        return slipway.plan(PlanRequest.patch(index, patch(dir, changesYaml)));
    }

    /** The names of every index on the server, sorted. */
    static List<String> indexes(Jedis jedis) {
        return ((List<?>) call(jedis, "FT._LIST")).stream().map(RewriteFixture::text).sorted().toList();
    }

    static void waitIndexed(Slipway slipway, String index) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (slipway.describe(index).percentIndexed() < 1.0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("index " + index + " still indexing after a minute");
            }
            sleep(20);
        }
    }

    /** Every file of a directory, by name, as Base64 of its bytes: to compare a directory before and after. */
    static Map<String, String> fileContents(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            Map<String, String> contents = new TreeMap<>();
            for (Path file : files.toList()) {
                contents.put(file.getFileName().toString(),
                        java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
            }
            return contents;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Keys of the {@code k} nearest neighbours of {@code query} by a KNN query against the index. */
    static List<String> knn(Jedis jedis, String index, String field, byte[] query, int k) {
        List<?> reply = (List<?>) call(jedis, "FT.SEARCH", index, "*=>[KNN " + k + " @" + field + " $v AS dist]",
                "PARAMS", "2", "v", query, "SORTBY", "dist", "RETURN", "1", "dist", "LIMIT", "0", k, "DIALECT", "2");
        List<String> keys = new ArrayList<>();
        for (int i = 1; i < reply.size(); i += 2) {
            keys.add(new String((byte[]) reply.get(i), StandardCharsets.UTF_8));
        }
        return keys;
    }

    /** The vector datatype FT.INFO reports for a field of the index (upper case). */
    static String vectorType(Jedis jedis, String index, String attribute) {
        List<?> info = (List<?>) call(jedis, "FT.INFO", index);
        for (int i = 0; i < info.size() - 1; i += 2) {
            if ("attributes".equals(text(info.get(i)))) {
                for (Object attr : (List<?>) info.get(i + 1)) {
                    List<?> parts = (List<?>) attr;
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (int p = 0; p + 1 < parts.size(); p += 2) {
                        map.put(text(parts.get(p)), parts.get(p + 1));
                    }
                    if (attribute.equals(text(map.get("attribute")))) {
                        return text(map.get("data_type")).toUpperCase(Locale.ROOT);
                    }
                }
            }
        }
        throw new AssertionError("no attribute " + attribute + " in FT.INFO " + index);
    }

    /**
     * Runs only the plan's document rewrite (no index steps), watched as {@code apply} watches it, over one
     * connection, which {@code wrap} may wrap to act between a batch's read and its writes; returns what it threw,
     * null when it finished.
     */
    static RuntimeException rewriteWatched(String url, MigrationPlan plan, Path backup,
                                           RewriteSettings settings, UnaryOperator<DocumentStore> wrap) {
        try {
            rewriteWatchedSummary(url, plan, backup, settings, wrap);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** As {@link #rewriteWatched}, returning the rewrite's summary (and throwing what it throws). */
    static String rewriteWatchedSummary(String url, MigrationPlan plan, Path backup,
                                        RewriteSettings settings, UnaryOperator<DocumentStore> wrap) {
        RedisEndpoint endpoint = RedisEndpoint.parse(url);
        try (BackupDirectory directory = BackupDirectory.openForPlan(backup, plan);
             WorkerPool pool = new WorkerPool(() -> wrap.apply(JedisDocumentStore.open(endpoint)), 1, 0);
             WriteWatch watch = WriteWatch.start(endpoint, plan.rewrite().orElseThrow(), 1, "slipway:")) {
            return new RewriteEngine(plan, directory, pool, ProgressListener.NONE, settings, watch, HeldLock.NONE)
                    .run();
        }
    }

    static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    static StepReport step(MigrationReport report, String name) {
        return report.steps().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no step " + name + " in " + report.steps()));
    }

    private static final Pattern RECALL = Pattern.compile("recall@10 of (\\S+): ([0-9.]+) among (\\d+) sampled");

    /** The recall@10 the rewrite step reports, asserting it names the field and a plausible value. */
    static double reportedRecall(MigrationReport report, String field) {
        String detail = step(report, "rewrite-documents").detail();
        Matcher m = RECALL.matcher(detail);
        while (m.find()) {
            if (m.group(1).equals(field)) {
                assertThat(Integer.parseInt(m.group(3))).isGreaterThan(10);
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("rewrite detail shows no recall@10 of " + field + ": " + detail);
    }
}
