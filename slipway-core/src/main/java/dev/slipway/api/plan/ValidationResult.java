package dev.slipway.api.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * The outcome of validating an index against a plan. Its JSON and YAML forms carry {@code passed} beside the checks,
 * so that a consumer of {@code validate --format json} or {@code --report-out} need not recompute the verdict (tester
 * session 43 R36: only the exit code said it).
 *
 * @param index  the name validated
 * @param checks every check, in the order made
 */
@JsonPropertyOrder({"index", "passed", "checks"})
public record ValidationResult(String index, List<ValidationCheck> checks) {
    /** Copies the checks. */
    public ValidationResult {
        checks = List.copyOf(checks);
    }

    /** Whether every check passed (true for an empty list). */
    @JsonProperty(value = "passed", access = JsonProperty.Access.READ_ONLY)
    public boolean passed() {
        return checks.stream().allMatch(ValidationCheck::passed);
    }

    /** One line per failed check: its name and detail; empty when all passed. */
    public List<String> failureDescriptions() {
        return checks.stream().filter(c -> !c.passed()).map(c -> c.name() + ": " + c.detail()).toList();
    }
}
