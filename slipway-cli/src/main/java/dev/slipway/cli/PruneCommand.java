package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.version.IndexStatus;
import dev.slipway.api.version.PruneResult;
import dev.slipway.api.version.VersionStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway prune}: drops retained versions of a served name (the physical indexes only; documents are
 * kept) and reports the memory freed. After it, {@code rollback --index} has nothing older to switch back to.
 */
@Command(name = "prune",
        header = "Drop retained versions of an index to free memory (changes Redis).",
        description = {"Drops the retained previous versions of a name that zero-downtime migrations kept for "
                + "rollback, or only --version; the documents are kept. Prints each dropped version with its "
                + "memory and the total freed. Afterwards 'slipway rollback --index' cannot switch back to them.",
                "",
                "Asks for confirmation on a terminal; without one, pass --yes."},
        footerHeading = "%nExamples:%n",
        footer = {"  slipway prune --index products",
                "  slipway prune --index products --version 1 --yes"})
public final class PruneCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @Option(names = "--index", required = true, paramLabel = "<name>", order = 1,
            description = "The served name whose versions to drop.")
    private String index;

    @Option(names = "--version", paramLabel = "<n>", order = 2,
            description = "Only this version: its number (1), as status and rollback --to name it (v1), or its "
                    + "index (<name>:v1). Default: every retained version.")
    private String versionGiven;
    /** The version number {@link #versionGiven} names; null for every retained version. */
    private Integer version;

    @Option(names = "--yes", order = 3,
            description = "Drop without asking (required when no terminal can ask).")
    private boolean yes;

    @Override
    public Integer call() {
        version = versionGiven == null ? null : versionNumber(versionGiven);
        Slipway slipway = connection.slipway();
        PrintWriter out = spec.commandLine().getOut();
        List<IndexStatus> status;
        try {
            status = slipway.status(Optional.of(index));
        } catch (SlipwayException e) {
            if (e.code() != ErrorCode.UNKNOWN_INDEX) {
                throw e;
            }
            print(slipway.prune(index, Optional.ofNullable(version))); // refuses a misspelt name in its own words
            return 0;
        }
        if (!status.get(0).name().equals(index) || status.get(0).versions().stream().noneMatch(this::droppable)) {
            // no version to drop: a misspelt name, a version's own name or a version not retained is refused, a name
            // without retained versions has nothing to prune; nothing changes, so there is nothing to show or confirm
            print(slipway.prune(index, Optional.ofNullable(version)));
            return 0;
        }
        new StatusPrinter(out).statuses(status);
        out.println();
        // an application's own alias of a dropped version goes with it, and Redis cannot list aliases (tester
        // session 54 R48 T2 F4: a 'legacy' alias stopped resolving without a word)
        out.println("Any alias an application made of a version dropped here goes with it; point such aliases at '"
                + index + "' first (FT.ALIASUPDATE <alias> <index the name serves>).");
        out.println();
        out.flush();
        String url = slipway.redactedUrl();
        String what = version == null ? "every retained version of " + index : "version " + version + " of "
                + index;
        Confirmation confirmation = new Confirmation("Drop " + what + " on " + url + " (documents are kept)?",
                "Not pruning '" + index + "' on " + url, "Pass --yes to prune without asking.");
        if (!confirmation.granted(yes, spec.commandLine().getErr())) {
            return ErrorCode.CONFIRMATION_REQUIRED.exitCode();
        }
        print(slipway.prune(index, Optional.ofNullable(version)));
        return 0;
    }

    /**
     * The number of a version given as {@code 1}, {@code v1} or {@code <name>:v1}, the forms status and rollback use
     * (only the number was taken: "'v1' is not an int", tester R44 T2 F6).
     */
    private int versionNumber(String given) {
        String number = given.strip();
        if (number.startsWith(index + ":")) {
            number = number.substring(index.length() + 1);
        }
        if (number.startsWith("v") || number.startsWith("V")) {
            number = number.substring(1);
        }
        try {
            if (number.chars().allMatch(Character::isDigit)) {
                return Integer.parseInt(number);
            }
        } catch (NumberFormatException tooLarge) {
            // said below
        }
        throw new ParameterException(spec.commandLine(), "--version must be a version number (0 or more, as 1, v1 "
                + "or " + index + ":v1; see 'slipway status --index " + index + "'), got " + given + ".");
    }

    /** A version this prune would drop: retained (or left building by an unfinished migration), and the one asked. */
    private boolean droppable(VersionStatus v) {
        return (v.state().equals("RETAINED") || v.state().equals("BUILDING"))
                && (version == null || v.version() == version);
    }

    private void print(PruneResult result) {
        PrintWriter out = spec.commandLine().getOut();
        if (result.dropped().isEmpty() && !result.droppedAlready().isEmpty()) {
            VersionStatus v = result.droppedAlready().get(0);
            out.println("Nothing to prune: version " + v.version() + " of '" + result.name() + "' ("
                    + v.physicalIndex() + ") was dropped already; nothing was dropped.");
            out.flush();
            return;
        }
        if (result.dropped().isEmpty()) {
            out.println("Nothing to prune: '" + result.name() + "' has no retained versions.");
            out.flush();
            return;
        }
        out.println("Dropped from '" + result.name() + "' (documents kept):");
        int width = result.dropped().stream().mapToInt(v -> v.physicalIndex().length()).max().orElse(0);
        for (VersionStatus v : result.dropped()) {
            out.println(String.format("  version %-3d %-" + width + "s  %8s  %d docs", v.version(),
                    v.physicalIndex(), Units.bytes(v.memoryBytes()), v.numDocs()));
        }
        out.println("Freed about " + Units.bytes(result.freedBytes()) + " of index memory.");
        out.flush();
    }
}
