package dev.slipway.internal.rewrite;

import dev.slipway.api.plan.MigrationPlan;
import dev.slipway.internal.rewrite.BackupRecord.DocumentOriginal;
import dev.slipway.internal.rewrite.BackupRecord.FieldOriginal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SupersededOriginalsTest {
    private static final MigrationPlan PLAN = RewritePlans.quantize("float16");

    private static BackupRecord record(long batch, String... keys) {
        List<DocumentOriginal> documents = new ArrayList<>();
        for (String key : keys) {
            documents.add(new DocumentOriginal(bytes(key), List.of(new FieldOriginal("emb",
                    bytes(key + "@" + batch)))));
        }
        return new BackupRecord(batch, "c" + batch, documents);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void commit(BackupDirectory backup, BackupRecord record) {
        long length = backup.append(record);
        backup.writeHeader(backup.header().backedUp("c" + record.batch(), record.documents().size(), length));
    }

    @Test
    void withoutALaterPassNothingIsSuperseded(@TempDir Path dir) {
        try (BackupDirectory backup = BackupDirectory.openForPlan(dir, PLAN)) {
            commit(backup, record(0, "doc:1", "doc:2"));
            commit(backup, record(1, "doc:3"));

            SupersededOriginals superseded = SupersededOriginals.find(backup);

            assertThat(superseded.count()).isZero();
            assertThat(superseded.superseded(0, bytes("doc:1"))).isFalse();
            assertThat(backup.header().firstPassBatches()).isNull();
        }
    }

    @Test
    void aDocumentALaterPassBackedUpAgainIsJudgedByItsLastRecord(@TempDir Path dir) {
        try (BackupDirectory backup = BackupDirectory.openForPlan(dir, PLAN)) {
            commit(backup, record(0, "doc:1", "doc:2"));
            commit(backup, record(1, "doc:3", "doc:4"));
            backup.writeHeader(backup.header().restartPass());
            commit(backup, record(2, "doc:2", "doc:5")); // doc:5 is new: first backed up by the second pass
            backup.writeHeader(backup.header().restartPass()); // a third pass keeps the first pass's end
            commit(backup, record(3, "doc:2", "doc:4"));

            SupersededOriginals superseded = SupersededOriginals.find(backup);

            assertThat(backup.header().firstPassBatches()).isEqualTo(2L);
            assertThat(superseded.count()).as("doc:2 twice, doc:4 once").isEqualTo(3);
            assertThat(superseded.superseded(0, bytes("doc:2"))).isTrue();
            assertThat(superseded.superseded(2, bytes("doc:2"))).isTrue();
            assertThat(superseded.superseded(3, bytes("doc:2"))).isFalse();
            assertThat(superseded.superseded(1, bytes("doc:4"))).isTrue();
            assertThat(superseded.superseded(3, bytes("doc:4"))).isFalse();
            assertThat(superseded.superseded(0, bytes("doc:1"))).isFalse();
            assertThat(superseded.superseded(2, bytes("doc:5"))).isFalse();
            assertThat(superseded.superseded(1, bytes("doc:3"))).isFalse();
        }
        try (BackupDirectory reopened = BackupDirectory.openForPlan(dir, PLAN)) {
            assertThat(reopened.header().firstPassBatches()).as("kept in the header file").isEqualTo(2L);
            assertThat(SupersededOriginals.find(reopened).count()).isEqualTo(3);
        }
    }

    @Test
    void theTableKeepsTheLastRecordOfEveryDigestAsItGrows() {
        SupersededOriginals.LastRecords table = new SupersededOriginals.LastRecords();
        Map<Long, Long> expected = new HashMap<>();
        Random random = new Random(5);
        for (int i = 0; i < 50_000; i++) {
            // few distinct digests with shared low bits, so that probing and growth are exercised
            long digest = (random.nextInt(20_000) * 0x1_0000_0000L) ^ (random.nextBoolean() ? 0 : 7);
            long record = random.nextInt(1_000);
            table.put(digest, record);
            expected.merge(digest, record, Math::max);
        }
        assertThat(table.size()).isEqualTo(expected.size());
        expected.forEach((digest, record) -> assertThat(table.get(digest)).isEqualTo(record));
        assertThat(table.get(123_456_789L)).isEqualTo(-1);
        assertThat(table.get(0)).as("zero is a digest like any other").isEqualTo(expected.getOrDefault(0L, -1L));
    }
}
