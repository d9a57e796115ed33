package dev.slipway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code slipway index}: groups the read-only commands that look at live indexes. */
@Command(name = "index",
        header = "Look at the search indexes on a Redis server (read-only).",
        description = "Run 'slipway index <command> --help' for the options of a command.",
        subcommands = {IndexListCommand.class, IndexInfoCommand.class})
public final class IndexCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    /** Without a subcommand: shows the usage on stderr and exits 2. */
    @Override
    public Integer call() {
        return ErrorReporter.missingSubcommand(spec);
    }
}
