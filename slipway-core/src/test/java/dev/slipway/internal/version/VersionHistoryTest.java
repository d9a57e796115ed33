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

    private static VersionEntry entry(int version, String physical, State state) {
        return new VersionEntry(version, physical, state, "", AT, null);
    }
}
