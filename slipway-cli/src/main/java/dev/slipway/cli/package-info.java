/**
 * The {@code slipway} command line: one picocli command class per verb ({@code index list}, {@code index info},
 * {@code plan}, {@code estimate}, {@code apply}, {@code validate}, {@code status}, {@code rollback},
 * {@code prune}), the shared {@link dev.slipway.cli.ConnectionOptions}, and the renderers of plans, reports,
 * statuses and progress. It holds no migration logic: every command parses its options,
 * calls {@link dev.slipway.api.Slipway} and turns the result into text, YAML or JSON and an exit code.
 */
package dev.slipway.cli;
