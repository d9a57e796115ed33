package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.RewriteSpec;
import dev.slipway.api.plan.RewriteSpec.FieldMove;
import dev.slipway.api.plan.RewriteSpec.VectorConversion;
import dev.slipway.api.schema.StorageType;
import dev.slipway.internal.rewrite.DocumentRewriter.BatchChanges;
import dev.slipway.internal.rewrite.DocumentStore.Command;
import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which replies of a document's writes show it vanished after its read, and what is then taken back. */
class VanishedDocumentsTest {
    private static final int DIMS = 4;
    private static final byte[] F32 = VectorCodec.encode(new float[]{0.1f, -2.5f, 3.3333f, 1e-3f},
            VectorDataType.FLOAT32, null);
    private static final byte[] F16 = VectorCodec.convert(F32, VectorDataType.FLOAT32, VectorDataType.FLOAT16, null);

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A hash rewrite of {@code doc:1}: its planned commands and originals, and the take-back the replies call for. */
    private static Optional<Command> takeBack(RewriteSpec spec, byte[][] current, Object... replies) {
        DocumentRewriter rewriter = new DocumentRewriter(spec, Map.of());
        BatchChanges changes = rewriter.planHash(List.of(b("doc:1")), List.<byte[][]>of(current), List.of(false));
        assertThat(changes.writes().get(0)).hasSize(replies.length);
        return new VanishedDocuments(spec, rewriter).takeBack(changes.originals().get(0), changes.writes().get(0),
                List.of(replies));
    }

    private static RewriteSpec conversion(Optional<String> target) {
        return new RewriteSpec(StorageType.HASH, List.of("doc:"), target, List.of(),
                List.of(new VectorConversion("emb", "float32", "float16", DIMS)), 10, true);
    }

    private static RewriteSpec move() {
        return new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.empty(),
                List.of(new FieldMove("title", "name")), List.of(), 10, false);
    }

    @Test
    void aConversionThatUpdatedItsFieldTakesNothingBack() {
        assertThat(takeBack(conversion(Optional.empty()), new byte[][]{F32}, 0L)).isEmpty();
    }

    @Test
    void aConversionThatCreatedItsFieldTakesItBackIfItStillHoldsTheConvertedBytes() {
        Command command = takeBack(conversion(Optional.empty()), new byte[][]{F32}, 1L).orElseThrow();

        assertThat(command.name()).isEqualTo("EVAL");
        assertThat(text(command.args().get(0))).isEqualTo(VanishedDocuments.TAKE_BACK);
        assertThat(command.args().subList(1, 4)).containsExactly(b("1"), b("doc:1"), b("emb"));
        assertThat(command.args().get(4)).isEqualTo(F16);
        assertThat(command.key()).as("routed by the document's key").isEqualTo(b("doc:1"));
    }

    @Test
    void aMovedDocumentIsTakenBackUnderItsNewName() {
        Command command = takeBack(conversion(Optional.of("new:")), new byte[][]{F32}, 1L, 1L).orElseThrow();

        assertThat(command.key()).isEqualTo(b("new:1"));
    }

    @Test
    void aMoveNormallyCreatesItsNewFieldAndTakesNothingBack() {
        assertThat(takeBack(move(), new byte[][]{b("hello"), null}, 1L, 1L)).isEmpty();
    }

    @Test
    void aMoveWhoseOldFieldWasGoneTakesTheNewFieldBack() {
        Command command = takeBack(move(), new byte[][]{b("hello"), null}, 1L, 0L).orElseThrow();

        assertThat(command.args().subList(1, 5)).containsExactly(b("1"), b("doc:1"), b("name"), b("hello"));
    }

    @Test
    void aMoveIntoAFieldThatAlreadyHeldTheValueTakesNothingBack() {
        // the new field existed (equal, e.g. moved by the application): the HSET only updated it
        assertThat(takeBack(move(), new byte[][]{b("hello"), b("hello")}, 0L, 0L)).isEmpty();
    }

    @Test
    void jsonDocumentsAreNeverTakenBackAndTheirMissingKeyIsRecognised() {
        RewriteSpec json = new RewriteSpec(StorageType.JSON, List.of("doc:"), Optional.empty(),
                List.of(new FieldMove("$.title", "$.name")), List.of(), 10, false);
        DocumentRewriter rewriter = new DocumentRewriter(json, Map.of());
        BatchChanges changes = rewriter.planJson(List.of(b("doc:1")),
                List.of("{\"$.title\":[\"hello\"],\"$.name\":[]}"), List.of(false));

        assertThat(new VanishedDocuments(json, rewriter).takeBack(changes.originals().get(0),
                changes.writes().get(0), List.of(1L, 0L))).isEmpty();
        Command set = changes.writes().get(0).get(0);
        assertThat(VanishedDocuments.jsonDocumentGone(set,
                new JedisDataException("ERR new objects must be created at the root"))).isTrue();
        assertThat(VanishedDocuments.jsonDocumentGone(set, new JedisDataException("ERR wrong type"))).isFalse();
    }

    /** A rollback's restore of {@code doc:1}, and the take-back the replies call for. */
    private static Optional<Command> takeBackRestore(RewriteSpec spec, byte[][] current, Object... replies) {
        DocumentRewriter rewriter = new DocumentRewriter(spec, Map.of());
        BatchChanges changes = rewriter.planHash(List.of(b("doc:1")), List.<byte[][]>of(current), List.of(false));
        List<Command> restore = rewriter.restoring().restoreFields(changes.originals().get(0));
        assertThat(restore).hasSize(replies.length);
        return new VanishedDocuments(spec, rewriter).takeBackRestore(changes.originals().get(0), restore,
                List.of(replies));
    }

    @Test
    void aRestoreThatCreatedTheConvertedFieldTakesBackTheOriginal() {
        assertThat(takeBackRestore(conversion(Optional.empty()), new byte[][]{F32}, 0L)).isEmpty();
        Command command = takeBackRestore(conversion(Optional.empty()), new byte[][]{F32}, 1L).orElseThrow();

        assertThat(command.args().subList(1, 4)).containsExactly(b("1"), b("doc:1"), b("emb"));
        assertThat(command.args().get(4)).isEqualTo(F32);
    }

    @Test
    void aRestoreMovesTheFieldBackAndTakesItBackOnlyWhenTheMovedFieldWasGone() {
        // restoreFields: HSET title <original>, HDEL name
        assertThat(takeBackRestore(move(), new byte[][]{b("hello"), null}, 1L, 1L)).isEmpty();
        assertThat(takeBackRestore(move(), new byte[][]{b("hello"), null}, 0L, 0L)).as("a resumed restore")
                .isEmpty();
        Command command = takeBackRestore(move(), new byte[][]{b("hello"), null}, 1L, 0L).orElseThrow();

        assertThat(command.args().subList(1, 5)).containsExactly(b("1"), b("doc:1"), b("title"), b("hello"));
    }

    /**
     * In a later pass a document holding the moved value under both names is recorded with the new name cut short:
     * its restore leaves that field as the earlier records restored it, and only asks whether it exists, which
     * stands in for the HDEL's reply. A restore that created the old field while the new one was gone met a document
     * that vanished meanwhile (taken back); one that created it beside the new one met a document that held both
     * names before the migration (kept).
     */
    @Test
    void aLaterPassRecordsTheNewNameCutShortAndItsRestoreOnlyLooksAtIt() {
        DocumentRewriter rewriter = new DocumentRewriter(move(), Map.of()).inALaterPass(true);
        BatchChanges changes = rewriter.planHash(List.of(b("doc:1")), List.<byte[][]>of(new byte[][]{b("hello"),
                b("hello")}), List.of(false));
        BackupRecord.DocumentOriginal original = changes.originals().get(0);
        List<Command> restore = rewriter.restoring().restoreFields(original);
        VanishedDocuments vanishing = new VanishedDocuments(move(), rewriter);

        assertThat(original.fields()).extracting(BackupRecord.FieldOriginal::cutShort).containsExactly(false, true);
        assertThat(restore).extracting(Command::name).containsExactly("HSET", "HEXISTS");
        assertThat(vanishing.takeBackRestore(original, restore, List.of(0L, 0L))).as("restored by the first record")
                .isEmpty();
        assertThat(vanishing.takeBackRestore(original, restore, List.of(1L, 1L))).as("held both names before")
                .isEmpty();
        assertThat(vanishing.takeBackRestore(original, restore, List.of(1L, 0L)).orElseThrow().args().subList(1, 5))
                .as("vanished meanwhile").containsExactly(b("1"), b("doc:1"), b("title"), b("hello"));
        assertThat(new DocumentRewriter(move(), Map.of()).planHash(List.of(b("doc:1")), List.<byte[][]>of(
                new byte[][]{b("hello"), b("hello")}), List.of(false)).originals().get(0).fields())
                .as("in the first pass the document is taken as it is").extracting(BackupRecord.FieldOriginal::cutShort)
                .containsExactly(false, false);
    }

    /** The checks a resumed run sends for the documents of a record its killed predecessor backed up. */
    private static List<List<Command>> leftBehind(RewriteSpec spec, long fieldsAtRead, byte[][] current) {
        DocumentRewriter rewriter = new DocumentRewriter(spec, Map.of());
        BatchChanges changes = rewriter.planHash(List.of(b("doc:1")), List.<byte[][]>of(current), List.of(false),
                null, new long[]{fieldsAtRead});
        assertThat(changes.originals()).singleElement().extracting(BackupRecord.DocumentOriginal::fieldsAtRead)
                .isEqualTo(fieldsAtRead);
        return new VanishedDocuments(spec, rewriter).partialsLeftBehind(new BackupRecord(1, "0",
                changes.originals()));
    }

    @Test
    void aResumedRunChecksWhatTheKilledRunWroteAgainstTheFieldCountAtItsRead() {
        List<List<Command>> checks = leftBehind(conversion(Optional.empty()), 3, new byte[][]{F32});

        assertThat(checks).singleElement().satisfies(commands -> {
            Command check = commands.get(0);
            assertThat(check.name()).isEqualTo("EVAL");
            assertThat(text(check.args().get(0))).isEqualTo(VanishedDocuments.TAKE_BACK_PARTIAL);
            assertThat(check.args().subList(1, 4)).extracting(VanishedDocumentsTest::text)
                    .containsExactly("1", "doc:1", "3");
            assertThat(text(check.args().get(4))).isEqualTo("emb");
            assertThat(check.args().get(5)).as("the converted vector, as the killed run wrote it").isEqualTo(F16);
            assertThat(check.args()).hasSize(6);
        });
    }

    /**
     * A resumed rollback checks the record a killed one was restoring: under the document's old name only (where the
     * restore writes, after moving the key back), for exactly the original fields and values, a field the restore
     * deletes (the move's new name, absent before the migration) left out.
     */
    @Test
    void aResumedRollbackChecksTheOriginalsUnderTheOldName() {
        RewriteSpec spec = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.of("item:"),
                List.of(new FieldMove("title", "name")), List.of(new VectorConversion("emb", "float32", "float16",
                DIMS)), 10, true);
        BackupRecord record = new BackupRecord(1, "0", List.of(new BackupRecord.DocumentOriginal(b("doc:1"),
                List.of(new BackupRecord.FieldOriginal("title", b("a title")), new BackupRecord.FieldOriginal("name",
                        null), new BackupRecord.FieldOriginal("emb", F32)), 5)));

        List<List<Command>> checks = new VanishedDocuments(spec, new DocumentRewriter(spec, Map.of()))
                .restoredPartialsLeftBehind(record);

        assertThat(checks).singleElement().satisfies(commands -> {
            Command check = commands.get(0);
            assertThat(text(check.args().get(0))).isEqualTo(VanishedDocuments.TAKE_BACK_PARTIAL);
            assertThat(check.args().subList(1, 6)).extracting(VanishedDocumentsTest::text)
                    .containsExactly("1", "doc:1", "5", "title", "a title");
            assertThat(text(check.args().get(6))).isEqualTo("emb");
            assertThat(check.args().get(7)).as("the original vector, as the restore writes it").isEqualTo(F32);
            assertThat(check.args()).hasSize(8);
        });
    }

    @Test
    void aMovedKeyIsCheckedUnderBothNamesAndAMovedFieldByItsNewName() {
        RewriteSpec spec = new RewriteSpec(StorageType.HASH, List.of("doc:"), Optional.of("item:"),
                List.of(new FieldMove("title", "name")), List.of(), 10, false);

        List<List<Command>> checks = leftBehind(spec, 4, new byte[][]{b("a title"), null});

        assertThat(checks).extracting(commands -> text(commands.get(0).key())).containsExactly("doc:1", "item:1");
        assertThat(checks.get(0).get(0).args().subList(3, 6)).extracting(VanishedDocumentsTest::text)
                .containsExactly("4", "name", "a title");
    }

    @Test
    void documentsThatCannotBeToldFromRewrittenOnesAreNotChecked() {
        assertThat(leftBehind(conversion(Optional.empty()), 1, new byte[][]{F32}))
                .as("a hash holding only the converted field").isEmpty();
        assertThat(leftBehind(conversion(Optional.empty()), -1, new byte[][]{F32})).as("no count kept").isEmpty();
        RewriteSpec json = new RewriteSpec(StorageType.JSON, List.of("doc:"), Optional.empty(), List.of(),
                List.of(new VectorConversion("$.emb", "float32", "float16", DIMS)), 10, true);
        DocumentRewriter rewriter = new DocumentRewriter(json, Map.of());
        assertThat(new VanishedDocuments(json, rewriter).partialsLeftBehind(new BackupRecord(1, "0", List.of(
                new BackupRecord.DocumentOriginal(b("doc:1"), List.of(new BackupRecord.FieldOriginal("$.emb",
                        b("[1,2,3,4]"))), 5))))).as("JSON").isEmpty();
    }
}
