package dev.slipway.cli;

import dev.slipway.api.Slipway;
import dev.slipway.api.version.IndexStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway status}: where each name Slipway manages stands (or one name with {@code --index}): the physical
 * index that serves it, its versions with their size, a migration in progress, the lock holder and strays.
 * Read-only; exits 0 whatever it finds.
 */
@Command(name = "status",
        header = "Show the versions, migration and lock of managed indexes (changes nothing).",
        description = "For each name Slipway manages, or only --index: the physical index that serves it, every "
                + "version with its state, documents and memory, the last or unfinished migration, who holds "
                + "the migration lock, and stray indexes named like versions (or left by a killed apply's schema "
                + "probe).",
        footerHeading = "%nExamples:%n",
        footer = {"  slipway status",
                "  slipway status --index products --format json"})
public final class StatusCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--index", paramLabel = "<name>", order = 1,
            description = "Only this name (an index or alias, managed or not). Default: every managed name.")
    private String index;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "text", order = 2,
            description = "Output: text, yaml or json (a list with one entry per name). Default: ${DEFAULT-VALUE}")
    private OutputFormat format;

    @Override
    public Integer call() {
        Slipway slipway = connection.slipway();
        // a misspelt name exits 2 (UNKNOWN_INDEX), as 'index info' and 'prune' do
        List<IndexStatus> statuses = slipway.status(Optional.ofNullable(index));
        PrintWriter out = spec.commandLine().getOut();
        if (format != OutputFormat.TEXT) {
            out.print(format.render(statuses));
        } else if (statuses.isEmpty()) {
            out.println("No index is managed by Slipway yet on " + slipway.redactedUrl() + " in key namespace "
                    + connection.namespace() + ". The first zero-downtime migration of an index puts it under "
                    + "management; 'slipway status --index <name>' shows any index. (Migrated under another "
                    + "--namespace? Pass it.)");
        } else {
            if (index != null && !statuses.get(0).name().equals(index)) {
                out.println("'" + index + "' is a version of '" + statuses.get(0).name() + "' (a physical index "
                        + "behind Slipway's alias); the status of '" + statuses.get(0).name() + "':");
            }
            new StatusPrinter(out).statuses(statuses);
        }
        out.flush();
        return 0;
    }
}
