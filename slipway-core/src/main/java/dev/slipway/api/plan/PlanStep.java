package dev.slipway.api.plan;

import java.util.List;

/**
 * One named step of a migration.
 *
 * @param name        short stable name, used in checkpoints and reports ({@code drop-index}, {@code create-index})
 * @param kind        what the executor does
 * @param description one sentence for the reviewer
 * @param commands    the exact Redis commands the step sends, one argument list each; for waiting and checking
 *                    steps, the commands they poll or read
 */
public record PlanStep(String name, StepKind kind, String description, List<List<String>> commands) {
    /** Copies the command lists. */
    public PlanStep {
        commands = commands == null ? List.of() : commands.stream().map(List::copyOf).toList();
    }

    /** Each command as one line, quoted as {@code redis-cli} reads it; empty when the step sends none. */
    public List<String> commandLines() {
        return commands.stream().map(dev.slipway.internal.io.RedisCommandText::format).toList();
    }
}
