package dev.slipway.internal.rewrite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.io.KeyText;
import dev.slipway.internal.redis.RedisJsonMapper;
import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.BackupRecord.FieldOriginal;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.vector.QuantizationScale;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.Set;

/**
 * Decides, per document, what a rewrite changes, from the document's current values: which fields to back up and
 * which commands to send. A document already in its new form produces nothing, which makes every rewrite
 * idempotent (a resumed batch, or a key SCAN returns twice, is never converted twice). Never overwrites data the
 * rewrite did not put there: such documents are reported as conflicts and left unchanged.
 */
final class DocumentRewriter {
    private static final ObjectMapper JSON = RedisJsonMapper.get();

    private final RewriteSpec spec;
    private final KeyMove keyMove;
    private final RestoreCommands restoring;
    /** See {@link #noDocumentsUnderTheNewPrefixBefore}. */
    private boolean targetEmptyBefore;
    /** See {@link #inALaterPass}. */
    private volatile boolean laterPass;
    /** See {@link #withOwnMovedValues}. */
    private volatile OwnMovedValues ownMovedValues = OwnMovedValues.NONE;
    private final Map<String, QuantizationScale> scales;
    /** The fields (or paths) a batch reads, in reply order. */
    private final List<String> fields;
    /** The spec's conversions, in order, with their datatypes resolved once instead of once per document. */
    private final List<Conversion> conversions;
    private int samplesPerBatch = 64;

    /**
     * A vector conversion, resolved: the datatypes, the byte length before and after, the field holding the vector
     * before the rewrite and its position in {@link #fields}.
     */
    private record Conversion(VectorConversion spec, VectorDataType from, VectorDataType to, int fromLength,
                              int toLength, String source, byte[] sourceBytes, int sourceIndex,
                              QuantizationScale scale, QuantizationScale sampleScale, LongAdder overflowed) {

        /** 0: needs conversion; 1: already converted; -1: neither length (left alone). */
        int state(byte[] value) {
            return value.length == fromLength ? 0 : value.length == toLength ? 1 : -1;
        }

        /** The converted bytes of a vector of the source length. */
        byte[] apply(byte[] value) {
            byte[] converted = new byte[toLength];
            convertInto(value, converted);
            return converted;
        }

        /** Converts into {@code target}, counting finite elements that became infinity in a half-width type. */
        void convertInto(byte[] value, byte[] target) {
            int lost = VectorCodec.convert(value, 0, from, target, 0, to, spec.dims(), scale);
            if (lost > 0 && to.isFloatingPoint()) {
                overflowed.add(lost);
            }
        }

        /**
         * Like {@link #apply}, for a vector converted only to be looked at (the recall sample, a rollback's check):
         * its clamped elements are not added to the tally of the vectors written.
         */
        byte[] applyAside(byte[] value) {
            return VectorCodec.convert(value, from, to, spec.dims(), sampleScale);
        }
    }

    /**
     * What one batch needs.
     *
     * @param malformed        vectors of neither the source nor the target length, left unchanged
     * @param alreadyConverted keys whose vector already had the target length, left as it is: converted by an earlier
     *                         run of this migration, or written so by the application (or a source vector of the
     *                         wrong length that happens to match it, which bytes alone cannot tell apart)
     */
    record BatchChanges(List<DocumentOriginal> originals, List<List<Command>> writes, List<String> conflicts,
                        int malformed, List<RecallPair> samples, List<String> alreadyConverted,
                        List<byte[]> movedIntoTaken, List<String> malformedExamples) {
    }

    /** One original vector of a converted field and its conversion, decoded, for the recall estimate. */
    record RecallPair(String field, float[] original, float[] converted) {
    }

    DocumentRewriter(RewriteSpec spec, Map<String, QuantizationScale> scales) {
        this.spec = spec;
        this.keyMove = KeyMove.of(spec);
        this.restoring = new RestoreCommands(spec.storage(), keyMove);
        this.scales = scales;
        this.fields = fieldsToRead(spec);
        List<Conversion> resolved = new ArrayList<>();
        for (VectorConversion conversion : spec.conversions()) {
            VectorDataType from = VectorDataType.parse(conversion.from());
            VectorDataType to = VectorDataType.parse(conversion.to());
            String source = sourceField(conversion);
            QuantizationScale scale = scales.get(conversion.path());
            resolved.add(new Conversion(conversion, from, to, from.bytesPerElement() * conversion.dims(),
                    to.bytesPerElement() * conversion.dims(), source, bytes(source), fields.indexOf(source), scale,
                    scale == null ? null : QuantizationScale.of(scale.target(), scale.scale(), scale.zeroPoint()),
                    new LongAdder()));
        }
        this.conversions = List.copyOf(resolved);
    }

    /**
     * Per converted field, the finite values that became infinity in the vectors this rewriter converted (beyond a
     * FLOAT16 or BFLOAT16 range, ±65504 for FLOAT16); fields with none left out.
     */
    Map<String, Long> overflowed() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        conversions.stream().filter(c -> c.overflowed().sum() > 0)
                .forEach(c -> counts.put(c.spec().path(), c.overflowed().sum()));
        return counts;
    }

    /** The target datatype's name of a converted field, for messages. */
    String targetType(String path) {
        return conversions.stream().filter(c -> c.spec().path().equals(path)).findFirst()
                .map(c -> c.to().redisName()).orElse("the new datatype");
    }

    /**
     * How many original/converted vector pairs of each conversion each batch keeps for the recall estimate
     * (decoding them costs time; nothing is kept once the estimate has its sample).
     */
    void samplePerBatch(int pairs) {
        this.samplesPerBatch = pairs;
    }

    /** The hash fields (or JSON paths) a batch reads. */
    List<String> fieldsToRead() {
        return fields;
    }

    /**
     * The hash fields (or JSON paths) a rewrite of the spec reads from each document: both names of every moved
     * field, and each converted vector's source field.
     */
    static List<String> fieldsToRead(RewriteSpec spec) {
        Set<String> read = new LinkedHashSet<>();
        for (FieldMove move : spec.fieldMoves()) {
            read.add(move.from());
            read.add(move.to());
        }
        for (VectorConversion conversion : spec.conversions()) {
            read.add(sourceField(spec, conversion));
        }
        return List.copyOf(read);
    }

    /** The field holding a vector before the rewrite (its old name when the field also moves). */
    private String sourceField(VectorConversion conversion) {
        return sourceField(spec, conversion);
    }

    /** The field holding a conversion's vector before the rewrite (its old name when the field also moves). */
    static String sourceField(RewriteSpec spec, VectorConversion conversion) {
        return spec.fieldMoves().stream().filter(m -> m.to().equals(conversion.path())).map(FieldMove::from)
                .findFirst().orElse(conversion.path());
    }

    /** Plans a batch from what {@link BatchReader#read} read for it. */
    @SuppressWarnings("unchecked")
    BatchChanges plan(BatchReader.BatchInput input) {
        if (input.present().isEmpty()) {
            return new BatchChanges(List.of(), List.of(), List.of(), 0, List.of(), List.of(), List.of(), List.of());
        }
        return spec.storage() == StorageType.HASH
                ? planHash(input.present(), (List<byte[][]>) input.values(), input.targets(), input.expiries(),
                        input.lengths())
                : planJson(input.present(), (List<String>) input.values(), input.targets());
    }

    /**
     * Says that no document was under the new prefix of an extending key move ({@code doc:} to {@code doc:a:})
     * before the migration's first change: a document found there was moved there by this migration (by this run, or
     * by an earlier one that was killed), whose SCAN of the old prefix meets it again, so a vector of the new length
     * there is not counted as one the application wrote (tester session 48 R43 T2 F3: every such run reported about
     * half its documents so).
     */
    DocumentRewriter noDocumentsUnderTheNewPrefixBefore() {
        targetEmptyBefore = true;
        return this;
    }

    /**
     * Whether the pass under way is a later one (after a restart of the server, conflicts, writes seen): a document
     * that holds a moved field's value under both names is then taken for this migration's own move cut short, by a
     * server that restarted from a snapshot taken between the move's write and its delete, and its backup records the
     * new name as cut short ({@link BackupRecord.FieldOriginal#cutShort}): the rollback leaves that field as the
     * document's earlier records restored it. Recorded as present, the rollback restored that record last and wrote
     * the new name back beside the old one, exit 0 (tester session 51 R44 T1 H2: 71 to 100 JSON documents with a
     * member they never had); recorded as plainly absent, a document that held both names before the migration lost
     * the new one. In the first pass such a document is taken as it is: it held both before.
     */
    DocumentRewriter inALaterPass(boolean value) {
        laterPass = value;
        return this;
    }

    /**
     * The values this migration moved into the new names of documents that a pass found holding, besides, a newer
     * value under the old name ({@link OwnMovedValues}): such a document is not a conflict but this migration's own
     * move followed by an application write of the old form, and the newer value is moved as any other, its new name
     * recorded as cut short (the rollback deletes it, as the first record says it was absent).
     */
    DocumentRewriter withOwnMovedValues(OwnMovedValues values) {
        this.ownMovedValues = values;
        return this;
    }

    /**
     * In a later pass, adds to the fields a document's record holds those the application deleted, so that the
     * rollback, which ends the document on this record, deletes them too: an earlier record holds the value the
     * document no longer has. A server that restarted from a snapshot put a moved document back in the old form, the
     * application deleted its title, and the re-run's record, which held only the fields it touched, left the first
     * record's title to be written back: 40 of 40 titles the application had deleted came back, exit 0 (tester
     * session 52 R46 T1 F1). Deleted means: a moved field absent under both names (this migration's move writes the
     * new name before it deletes the old one, so it never leaves neither), or a hash vector it converts in place
     * absent. A field absent only under its old name is this migration's move, whose key move a restart cut short:
     * recorded absent, the rollback deleted the title the first record had restored (about 300 documents of 20,000
     * in the same repro, exit 0).
     */
    private void recordDeletedInALaterPass(byte[][] current, Set<String> touched) {
        if (!laterPass) {
            return;
        }
        for (FieldMove move : spec.fieldMoves()) {
            if (current[fields.indexOf(move.from())] == null && current[fields.indexOf(move.to())] == null) {
                touched.add(move.from());
                touched.add(move.to());
            }
        }
        if (spec.storage() == StorageType.HASH) { // a JSON rewrite does not write vectors (see planJson)
            for (Conversion conversion : conversions) {
                if (conversion.source().equals(conversion.spec().path()) && current[conversion.sourceIndex()] == null) {
                    touched.add(conversion.source());
                }
            }
        }
    }

    private boolean movedByThisMigration(byte[] key) {
        return targetEmptyBefore && keyMove.alreadyUnderTarget(key);
    }

    /** Plans a batch of hash documents from their current values ({@code values[i]} follows {@link #fieldsToRead}). */
    BatchChanges planHash(List<byte[]> keys, List<byte[][]> values, List<Boolean> targetKeyExists) {
        return planHash(keys, values, targetKeyExists, null);
    }

    /**
     * Plans a batch of hash documents from their current values and, when read (else null), their fields' own
     * expiries ({@code expiries[i]} follows {@link #fieldsToRead}, Unix milliseconds, 0 for none). A field written
     * with an expiry gets it back in the same transaction as the write ({@code HSET} clears it), a moved field gets
     * the expiry of the field it moved from, and the backup records each original's expiry.
     */
    BatchChanges planHash(List<byte[]> keys, List<byte[][]> values, List<Boolean> targetKeyExists,
                          List<long[]> expiries) {
        return planHash(keys, values, targetKeyExists, expiries, null);
    }

    /**
     * {@link #planHash(List, List, List, List)}, with each hash's field count at the read (null when not read), which
     * the backup keeps ({@link DocumentOriginal#fieldsAtRead}).
     */
    BatchChanges planHash(List<byte[]> keys, List<byte[][]> values, List<Boolean> targetKeyExists,
                          List<long[]> expiries, long[] lengths) {
        BatchBuilder batch = new BatchBuilder();
        for (int i = 0; i < keys.size(); i++) {
            batch.fieldsAtRead = lengths == null ? -1 : lengths[i];
            planHashDocument(keys.get(i), values.get(i), expiries == null ? null : expiries.get(i),
                    targetKeyExists.get(i), batch);
        }
        return batch.build();
    }

    private void planHashDocument(byte[] key, byte[][] current, long[] expiry, boolean targetExists,
                                  BatchBuilder batch) {
        List<Command> writes = new ArrayList<>(2);
        List<Command> deletes = new ArrayList<>(0);
        Set<String> touched = new LinkedHashSet<>();
        List<Integer> ownMoves = new ArrayList<>(0);
        boolean expiring = false;
        for (FieldMove move : spec.fieldMoves()) {
            byte[] from = current[fields.indexOf(move.from())];
            byte[] to = current[fields.indexOf(move.to())];
            if (from == null) {
                continue;
            }
            byte[] moved = convertIfVector(key, move.to(), from, batch);
            if (inTheWay(key, move, to, !Arrays.equals(to, from) && !Arrays.equals(to, moved), "field", ownMoves,
                    batch)) {
                return;
            }
            touched.add(move.from());
            touched.add(move.to());
            writes.add(command("HSET", key, bytes(move.to()), moved));
            expiring |= keepExpiry(writes, key, move.to(), expiry, fields.indexOf(move.from()));
            deletes.add(command("HDEL", key, bytes(move.from())));
        }
        for (Conversion conversion : conversions) {
            byte[] value = current[conversion.sourceIndex()];
            if (value == null || !conversion.source().equals(conversion.spec().path())) {
                continue; // absent, or converted as part of its move above
            }
            int state = conversion.state(value);
            if (state < 0) {
                batch.malformed(key);
            } else if (state == 1) {
                if (!movedByThisMigration(key)) {
                    batch.alreadyConverted.add(shown(key));
                }
            } else {
                touched.add(conversion.source());
                batch.sampleConverting(conversion, value);
                writes.add(new Command("HSET", List.of(key, conversion.sourceBytes()),
                        new ConvertedVector(conversion, value)));
                expiring |= keepExpiry(writes, key, conversion.source(), expiry, conversion.sourceIndex());
            }
        }
        if (expiring) {
            atomic(writes, key);
        }
        writes.addAll(deletes); // after every write: see WritesBeforeDeletes
        finishDocument(key, targetExists, current, expiry, touched, ownMoves, writes, batch);
    }

    /**
     * Whether a moved field's new name holds data in the way of the move ({@code other}: neither the value moved nor
     * its conversion), which is recorded as a conflict, unless it is a value this migration moved there
     * ({@link #withOwnMovedValues}). A new name holding the moved value in a later pass, or one of this migration's,
     * is added to {@code ownMoves} (recorded as cut short).
     */
    private boolean inTheWay(byte[] key, FieldMove move, byte[] to, boolean other, String what, List<Integer> ownMoves,
                             BatchBuilder batch) {
        if (to == null) {
            return false;
        }
        boolean ownValue = other && ownMovedValues.holds(key, move.to(), to);
        if (other && !ownValue) {
            batch.conflicts.add(shown(key) + ": " + what + " '" + move.to() + "' already exists with other data");
            batch.movedIntoTaken.add(key);
            return true;
        }
        if (laterPass || ownValue) {
            ownMoves.add(fields.indexOf(move.to()));
        }
        return false;
    }

    /**
     * Adds, after the write of {@code field}, the {@code HPEXPIREAT} that gives it the expiry the field at
     * {@code from} (in {@link #fieldsToRead}) had, if it had one; returns whether it did.
     */
    private static boolean keepExpiry(List<Command> writes, byte[] key, String field, long[] expiry, int from) {
        if (expiry == null || expiry[from] <= 0) {
            return false;
        }
        writes.add(expireAt(key, field, expiry[from]));
        return true;
    }

    static Command expireAt(byte[] key, String field, long at) {
        return command("HPEXPIREAT", key, bytes(Long.toString(at)), bytes("FIELDS"), bytes("1"), bytes(field));
    }

    /**
     * Puts a document's writes in one transaction, for writes that set an expiry: a crash between a field's
     * {@code HSET} and its {@code HPEXPIREAT} would leave the field without one, and a resumed run, finding the field
     * rewritten, would not know.
     */
    static void atomic(List<Command> writes, byte[] key) {
        writes.add(0, Command.multi(key));
        writes.add(Command.exec(key));
    }

    /**
     * A moved value, converted when {@code targetField} is a converted vector field and the value has the source
     * length. One of the target length or another is moved as it is and counted as the in-place conversion counts
     * it: uncounted, a rollback that restored every byte took it for a document the backup held no original of, and
     * exited 1 (tester session 55 R49 T2 F3).
     */
    private byte[] convertIfVector(byte[] key, String targetField, byte[] value, BatchBuilder batch) {
        Conversion conversion = conversionInto(targetField);
        if (conversion == null) {
            return value;
        }
        int state = conversion.state(value);
        if (state < 0) {
            batch.malformed(key);
            return value;
        }
        if (state == 1) {
            batch.alreadyConverted.add(shown(key));
            return value;
        }
        byte[] converted = conversion.apply(value);
        batch.sample(conversion, value, converted);
        return converted;
    }

    /** The conversion a field moved into {@code targetField} goes through, or null when it is not converted. */
    private Conversion conversionInto(String targetField) {
        for (Conversion conversion : conversions) {
            if (conversion.spec().path().equals(targetField)) {
                return conversion;
            }
        }
        return null;
    }

    /**
     * A vector converted only when its command is sent, by the sending thread into the connection's reused buffer
     * (see {@link DocumentStore.ComputedArgument}). The source has been checked to have the conversion's length.
     */
    private record ConvertedVector(Conversion conversion, byte[] source) implements DocumentStore.ComputedArgument {
        @Override
        public int length() {
            return conversion.toLength();
        }

        @Override
        public void writeInto(byte[] target) {
            conversion.convertInto(source, target);
        }
    }

    /** Plans a batch of JSON documents from their {@code JSON.GET key path...} replies. */
    BatchChanges planJson(List<byte[]> keys, List<String> replies, List<Boolean> targetKeyExists) {
        BatchBuilder batch = new BatchBuilder();
        for (int i = 0; i < keys.size(); i++) {
            planJsonDocument(keys.get(i), replies.get(i), targetKeyExists.get(i), batch);
        }
        return batch.build();
    }

    private void planJsonDocument(byte[] key, String reply, boolean targetExists, BatchBuilder batch) {
        if (reply == null) {
            return;
        }
        byte[][] current = jsonValues(fields, reply);
        List<Command> writes = new ArrayList<>();
        List<Command> deletes = new ArrayList<>();
        Set<String> touched = new LinkedHashSet<>();
        List<Integer> ownMoves = new ArrayList<>(0);
        for (FieldMove move : spec.fieldMoves()) {
            byte[] from = current[fields.indexOf(move.from())];
            byte[] to = current[fields.indexOf(move.to())];
            if (from == null) {
                continue;
            }
            if (inTheWay(key, move, to, !Arrays.equals(to, from), "path", ownMoves, batch)) {
                return;
            }
            touched.add(move.from());
            touched.add(move.to());
            writes.add(command("JSON.SET", key, bytes(move.to()), from));
            deletes.add(command("JSON.DEL", key, bytes(move.from())));
        }
        writes.addAll(deletes); // after every write: see WritesBeforeDeletes
        finishDocument(key, targetExists, current, null, touched, ownMoves, writes, batch);
    }

    /**
     * The part every storage shares: the key move goes last (so a document is complete before it changes name),
     * and a document whose new key is taken is left alone entirely.
     */
    private void finishDocument(byte[] key, boolean targetExists, byte[][] current, long[] expiry,
                                Set<String> touched, List<Integer> ownMoves, List<Command> writes, BatchBuilder batch) {
        boolean move = keyMove.needsMove(key);
        if (move && targetExists) {
            batch.conflicts.add(shown(key) + ": key '" + shown(keyMove.newKey(key)) + "' already exists");
            return;
        }
        if (move) {
            writes.add(command("RENAMENX", key, keyMove.newKey(key)));
        }
        if (!writes.isEmpty()) {
            recordDeletedInALaterPass(current, touched);
            batch.add(key, current, expiry, touched, ownMoves, writes);
        }
    }

    /** The first match of each path as JSON text bytes, null when the path matches nothing. */
    static byte[][] jsonValues(List<String> paths, String reply) {
        byte[][] values = new byte[paths.size()][];
        try {
            JsonNode root = JSON.readTree(reply);
            for (int i = 0; i < paths.size(); i++) {
                JsonNode matches = paths.size() == 1 ? root : root.path(paths.get(i));
                if (matches.isArray() && !matches.isEmpty()) {
                    values[i] = JSON.writeValueAsBytes(matches.get(0));
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("JSON.GET returned unparseable JSON: " + e.getMessage(), e);
        }
        return values;
    }

    /** The commands a rollback sends for a backed-up document of this rewrite. */
    RestoreCommands restoring() {
        return restoring;
    }

    /**
     * What the rewrite wrote into each field (or JSON path) it touched in a backed-up document, worked out from the
     * document's originals: a moved-away field is absent (null), a moved-to field holds the value moved there
     * (converted when the vector also changed type), a converted vector holds its conversion. JSON values are
     * compared in the form {@link #jsonValues} gives. Rollback uses it to tell a document the application changed
     * after the migration (a field holding neither its original nor this) from one it did not.
     */
    Map<String, byte[]> rewritten(DocumentOriginal original) {
        Map<String, byte[]> before = original.values();
        Map<String, byte[]> after = new LinkedHashMap<>(before);
        for (Conversion conversion : conversions) {
            byte[] value = before.get(conversion.source());
            if (value != null && conversion.source().equals(conversion.spec().path()) && conversion.state(value) == 0) {
                after.put(conversion.source(), conversion.applyAside(value));
            }
        }
        for (FieldMove move : spec.fieldMoves()) {
            byte[] value = before.get(move.from());
            if (value != null && after.containsKey(move.to())) {
                Conversion conversion = spec.storage() == StorageType.HASH ? conversionInto(move.to()) : null;
                after.put(move.from(), null);
                after.put(move.to(), conversion == null || conversion.state(value) != 0 ? value
                        : conversion.applyAside(value));
            }
        }
        return after;
    }

    static Command command(String name, byte[]... args) {
        return new Command(name, List.of(args));
    }

    /** Bytes as UTF-8 text (bytes that are not UTF-8 become U+FFFD); for messages use {@link #shown}. */
    static String text(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** A key as messages show it: printable UTF-8, every other byte escaped ({@link KeyText}). */
    static String shown(byte[] key) {
        return KeyText.shown(key);
    }

    /**
     * Whether a document is in the rewrite's new form, from its key and its current values ({@code current} follows
     * {@link #fieldsToRead}: hash values, or a JSON document's {@link #jsonValues}): no field left to move, no vector
     * left to convert, and no key left to move. A document the rewrite would change, or leave unchanged as a
     * conflict, is not; one without the rewritten fields, or with a vector of neither length, is (the rewrite would
     * leave it as it is). Pure: nothing is converted or counted.
     */
    boolean inNewForm(byte[] key, byte[][] current) {
        if (keyMove.needsMove(key)) {
            return false;
        }
        for (FieldMove move : spec.fieldMoves()) {
            if (current[fields.indexOf(move.from())] != null) {
                return false;
            }
        }
        if (spec.storage() == StorageType.HASH) { // a JSON document's vector is not rewritten (see planJson)
            for (Conversion conversion : conversions) {
                byte[] value = current[conversion.sourceIndex()];
                if (value != null && conversion.state(value) == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The key a document has after the rewrite, byte for byte. */
    byte[] newKey(byte[] key) {
        return keyMove.newKey(key);
    }

    /** The original key of a moved key, byte for byte. */
    byte[] originalKey(byte[] movedKey) {
        return keyMove.originalKey(movedKey);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code key} begins with {@code prefix}, byte for byte. */
    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Accumulates one batch; keeps a bounded sample of original/converted vectors for recall. */
    private final class BatchBuilder {
        private final List<DocumentOriginal> originals = new ArrayList<>();
        private final List<List<Command>> writes = new ArrayList<>();
        private final List<String> conflicts = new ArrayList<>();
        /** The keys of the conflicts of a field move (the new name holds other data), for {@link OwnMovedValues}. */
        private final List<byte[]> movedIntoTaken = new ArrayList<>();
        private final List<RecallPair> samples = new ArrayList<>();
        private final int[] sampled = new int[conversions.size()];
        private final List<String> alreadyConverted = new ArrayList<>();
        private int malformed;
        private final List<String> malformedExamples = new ArrayList<>();
        /** The field count of the document being planned, -1 when not read. */
        private long fieldsAtRead = -1;

        /** Adds a document's originals, {@code ownMoves} (indexes in {@link #fields}) as cut short, and writes. */
        void add(byte[] key, byte[][] current, long[] expiry, Set<String> touched, List<Integer> ownMoves,
                 List<Command> docWrites) {
            List<FieldOriginal> saved = new ArrayList<>();
            for (String field : touched) {
                int at = fields.indexOf(field);
                saved.add(ownMoves.contains(at) ? FieldOriginal.cutShort(field) : new FieldOriginal(field,
                        current[at], expiry == null || current[at] == null ? 0 : expiry[at]));
            }
            originals.add(new DocumentOriginal(key, saved, fieldsAtRead));
            writes.add(docWrites);
        }

        /** Counts a vector of neither length, left as it is; the first three are named in the summary (R47 T2 F7). */
        void malformed(byte[] key) {
            malformed++;
            if (malformedExamples.size() < 3) {
                malformedExamples.add(shown(key));
            }
        }

        void sample(Conversion conversion, byte[] original, byte[] converted) {
            if (wantsSample(conversion)) {
                sampled[conversions.indexOf(conversion)]++;
                samples.add(new RecallPair(conversion.spec().path(), VectorCodec.decode(original, conversion.from()),
                        VectorCodec.decode(converted, conversion.to(), conversion.scale())));
            }
        }

        /** Like {@link #sample}, for a vector whose conversion is left to the sending thread: converts it here. */
        void sampleConverting(Conversion conversion, byte[] original) {
            if (wantsSample(conversion)) {
                sample(conversion, original, conversion.applyAside(original));
            }
        }

        private boolean wantsSample(Conversion conversion) {
            return sampled[conversions.indexOf(conversion)] < samplesPerBatch;
        }

        BatchChanges build() {
            return new BatchChanges(originals, writes, conflicts, malformed, samples, alreadyConverted,
                    movedIntoTaken, malformedExamples);
        }
    }
}
