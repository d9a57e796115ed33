package dev.slipway.internal.version;

import dev.slipway.internal.io.PlanCodec;
import dev.slipway.internal.version.VersionHistory.State;
import dev.slipway.internal.version.VersionHistory.VersionEntry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class VersionHistoryTest {
    private static final Instant AT = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void aMigrationsSwitchRecordsWhatItReplacedAndARollbackKeepsIt() {
        VersionHistory history = new VersionHistory("p", List.of(entry(0, "p", State.ACTIVE),
                entry(1, "p:v1", State.BUILDING)));

        VersionHistory switched = history.switchTo("p:v1", "p");
        VersionHistory back = switched.activate("p");

        assertThat(switched.versions()).extracting(VersionEntry::physicalIndex, VersionEntry::state,
                VersionEntry::replaced).containsExactly(tuple("p", State.RETAINED, ""),
                tuple("p:v1", State.ACTIVE, "p"));
        assertThat(back.versions()).extracting(VersionEntry::physicalIndex, VersionEntry::state,
                VersionEntry::replaced).containsExactly(tuple("p", State.ACTIVE, ""),
                tuple("p:v1", State.RETAINED, "p"));
    }

    @Test
    void aHistoryWrittenBeforeVersionsRecordedWhatTheyReplacedReadsAsReplacingNothing() throws Exception {
        String json = HistoryStore.toJson(new VersionHistory("p", List.of(entry(1, "p:v1", State.ACTIVE))))
                .replace(",\"replaced\":\"\"", "");
        assertThat(json).doesNotContain("replaced");

        VersionHistory read = PlanCodec.json().readValue(json, VersionHistory.class);

        assertThat(read.versions()).extracting(VersionEntry::replaced).containsExactly("");
        assertThat(HistoryStore.toJson(read)).contains("\"replaced\":\"\"");
    }

    @Test
    void aRewriteOutdatesOlderVersionsUntilItsBackupIsRestored() throws Exception {
        VersionHistory history = new VersionHistory("p", List.of(entry(1, "p:v1", State.RETAINED),
                entry(2, "p:v2", State.DROPPED), entry(3, "p:v3", State.ACTIVE)));
        VersionHistory.Rewrite first = new VersionHistory.Rewrite("plan-a", 2, "/b/a");
        VersionHistory.Rewrite second = new VersionHistory.Rewrite("plan-b", 3, "/b/b");

        VersionHistory twice = history.outdatedBy(first).outdatedBy(second);
        VersionHistory read = PlanCodec.json().readValue(HistoryStore.toJson(twice), VersionHistory.class);
        VersionHistory later = read.with(entry(4, "p:v4", State.RETAINED));
        VersionHistory restored = later.restored("p:v2", null, "p:v3", "p:v3", "plan-b", AT);

        assertThat(twice.versions()).extracting(VersionEntry::physicalIndex, VersionEntry::outdatedBy)
                .as("an outdated version keeps the earlier rewrite, which must be undone first")
                .containsExactly(tuple("p:v1", first), tuple("p:v2", second), tuple("p:v3", null));
        assertThat(read).isEqualTo(twice);
        assertThat(HistoryStore.toJson(history)).as("nothing written while none is outdated")
                .doesNotContain("outdatedBy");
        assertThat(restored.versions()).extracting(VersionEntry::physicalIndex, VersionEntry::state,
                VersionEntry::outdatedBy).containsExactly(tuple("p:v1", State.RETAINED, first),
                tuple("p:v2", State.ACTIVE, null), tuple("p:v3", State.DROPPED, null),
                tuple("p:v4", State.RETAINED, new VersionHistory.Rewrite("plan-b", 3, "", true)));
    }

    private static VersionEntry entry(int version, String physical, State state) {
        return new VersionEntry(version, physical, state, "", AT, null);
    }
}
