package dev.slipway.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * What a benchmark produced.
 *
 * @param report   the JSON document printed on standard output
 * @param problems targets the run missed, one sentence each; empty when every target was met
 */
public record BenchOutcome(JsonNode report, List<String> problems) {
    /** Copies the list. */
    public BenchOutcome {
        problems = List.copyOf(problems);
    }
}
