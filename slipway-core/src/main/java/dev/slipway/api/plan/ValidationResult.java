package dev.slipway.api.plan;

import java.util.List;

/**
 * The outcome of validating an index against a plan.
 *
 * @param index  the name validated
 * @param checks every check, in the order made
 */
public record ValidationResult(String index, List<ValidationCheck> checks) {
    /** Copies the checks. */
    public ValidationResult {
        checks = List.copyOf(checks);
    }

    /** Whether every check passed (true for an empty list). */
    public boolean passed() {
        return checks.stream().allMatch(ValidationCheck::passed);
    }

    /** One line per failed check: its name and detail; empty when all passed. */
    public List<String> failureDescriptions() {
        return checks.stream().filter(c -> !c.passed()).map(c -> c.name() + ": " + c.detail()).toList();
    }
}
