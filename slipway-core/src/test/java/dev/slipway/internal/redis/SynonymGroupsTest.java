package dev.slipway.internal.redis;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SynonymGroupsTest {
    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDumpListingEachTermWithItsGroupsIsTurnedIntoGroupsOfTerms() {
        List<Object> resp2 = List.of(b("vehicle"), List.of(b("g2")), b("car"), List.of(b("g1"), b("g2")),
                b("automobile"), List.of(b("g1")));
        Map<Object, Object> resp3 = new LinkedHashMap<>();
        resp3.put(b("car"), List.of(b("g1"), b("g2")));
        resp3.put(b("automobile"), List.of(b("g1")));
        resp3.put(b("vehicle"), List.of(b("g2")));

        assertThat(SynonymGroups.parse(resp2)).isEqualTo(Map.of("g1", List.of("automobile", "car"),
                "g2", List.of("car", "vehicle")));
        assertThat(SynonymGroups.parse(resp3)).isEqualTo(SynonymGroups.parse(resp2));
        assertThat(SynonymGroups.parse(List.of())).isEmpty();
    }

    @Test
    void theUpdatesNameEachGroupOnceAndSkipTheScanOnlyWhenTheIndexDoes() {
        Map<String, List<String>> groups = new java.util.TreeMap<>(Map.of("g1", List.of("automobile", "car"),
                "g2", List.of("vehicle")));

        assertThat(SynonymGroups.updateCommands("idx:v2", groups, false)).containsExactly(
                List.of("FT.SYNUPDATE", "idx:v2", "g1", "automobile", "car"),
                List.of("FT.SYNUPDATE", "idx:v2", "g2", "vehicle"));
        assertThat(SynonymGroups.updateCommands("idx", groups, true).get(1)).containsExactly("FT.SYNUPDATE", "idx",
                "g2", "SKIPINITIALSCAN", "vehicle");
    }

    @Test
    void missingTermsAreListedByGroup() {
        Map<String, List<String>> wanted = Map.of("g1", List.of("automobile", "car"), "g2", List.of("vehicle"));

        assertThat(SynonymGroups.missing(wanted, Map.of("g1", List.of("car")))).containsExactlyInAnyOrderEntriesOf(
                Map.of("g1", List.of("automobile"), "g2", List.of("vehicle")));
        assertThat(SynonymGroups.missing(wanted, wanted)).isEmpty();
        assertThat(SynonymGroups.describe(Map.of("g1", List.of("a", "b")))).isEqualTo("g1 [a, b]");
    }
}
