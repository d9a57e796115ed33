package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.RestoreOptions;
import dev.slipway.api.Slipway;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.SlipwayFiles;
import dev.slipway.api.StopSignal;
import dev.slipway.api.version.RestoreResult;
import dev.slipway.api.version.RollbackResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code slipway rollback}: undoes a migration. With {@code --index}, switches the name's alias back to the
 * previous version (or discards an unfinished zero-downtime migration); with {@code --backup-dir}, restores the
 * documents a rewrite changed and recreates the original index. Both change Redis, so both ask first.
 */
@Command(name = "rollback",
        header = "Undo a migration: switch back, or restore rewritten documents (changes Redis).",
        description = {"With --index: points the name's alias back at the version served before its latest "
                + "migration, in one atomic step (when that version is gone, pruned or dropped by a drop-recreate, "
                + "it names the older one to pass to --to and changes nothing); or, when a zero-downtime "
                + "migration of the name is unfinished, "
                + "drops the indexes it built (documents are kept) and leaves the name serving what it served. "
                + "Running it again changes nothing while the name serves what the rollback left, so an "
                + "interrupted rollback is re-run safely; to go further back, name the version with --to.",
                "",
                "With --backup-dir: drops the index the migration created (documents are kept), writes back the "
                + "original bytes that 'slipway apply --backup-dir' saved before rewriting documents, then "
                + "recreates the original index. Like the rewrite itself, this is not zero-downtime: queries to "
                + "the index fail from the drop until the original index is back. An interrupted restore continues "
                + "where it stopped when re-run; Ctrl-C or SIGTERM stops it after the record being restored (a "
                + "second one at once). First it reads every backed-up document: if the application "
                + "changed one after the migration, in a field the rewrite touched, it lists them and stops with "
                + "nothing changed (exit 2), unless --overwrite-changed is given. It also stops with nothing changed "
                + "(exit 2) when what it adds to the server's memory would pass 90%% of its maxmemory, unless "
                + "--ignore-maxmemory is given; on a server that evicts, it stops near the limit (exit 1) and "
                + "continues when re-run.",
                "",
                "Asks for confirmation on a terminal; without one, pass --yes."},
        footerHeading = "%nExamples:%n",
        footer = {"  slipway rollback --index products",
                "  slipway rollback --index products --to v1",
                "  slipway rollback --backup-dir backups/f16 --workers 4 --yes"})
public final class RollbackCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1", order = 1)
    private Target target;

    @Option(names = "--to", paramLabel = "<version>", order = 2,
            description = "With --index: the retained version to serve (2, v2, or its index name, as 'slipway "
                    + "status' lists them), to go further back than the latest migration or forth again.")
    private String toVersion;

    @Option(names = "--workers", paramLabel = "<n>", defaultValue = "1", order = 3,
            description = "With --backup-dir: connections that write restored documents in parallel (1 to 64). "
                    + "Default: ${DEFAULT-VALUE}")
    private int workers;

    @Option(names = "--rate-limit", paramLabel = "<docs/s>", defaultValue = "0", order = 4,
            description = "With --backup-dir: at most this many documents restored per second, over any second (a "
                    + "record, one batch of the rewrite, larger than a whole fraction of the rate is restored in "
                    + "equal parts); 0 for no limit. Default: ${DEFAULT-VALUE}")
    private int rateLimit;

    @Option(names = "--retries", paramLabel = "<n>", defaultValue = "5", order = 5,
            description = "With --backup-dir: retries, with backoff from 100 ms doubling to 10 s, of a record after a "
                    + "transient Redis error: connection lost, timeout, or a LOADING or BUSY reply (restoring a "
                    + "record again changes nothing); 0 to 30. The migration lock's lease grows to outlast them (39 s "
                    + "for 8, 99 s for 12). The write watch's own connections are not retried: one lost (a server "
                    + "restart, CLIENT KILL) lets the rollback finish, then fail, since it cannot vouch for writes "
                    + "made meanwhile (the re-run exits 0). "
                    + "Default: ${DEFAULT-VALUE}")
    private int retries;

    @Option(names = "--overwrite-changed", order = 6,
            description = "With --backup-dir: also restore documents changed after the migration in a field the "
                    + "rewrite touched; those changes are lost.")
    private boolean overwriteChanged;

    @Option(names = "--ignore-maxmemory", order = 7,
            description = "With --backup-dir: start even though the server's used memory plus what the rollback "
                    + "adds (the original values and index, less the index it drops) would pass 90%% of its "
                    + "maxmemory; on a server that evicts, the rollback still stops near the limit.")
    private boolean ignoreMaxmemory;

    @Option(names = "--yes", order = 8,
            description = "Roll back without asking (required when no terminal can ask).")
    private boolean yes;

    /** What to roll back: exactly one of a served name or a backup directory. */
    static final class Target {
        @Option(names = "--index", paramLabel = "<name>", required = true, order = 1,
                description = "The served name (alias) to switch back to its previous version.")
        private String index;

        @Option(names = "--backup-dir", paramLabel = "<dir>", required = true, order = 2,
                description = "The --backup-dir of the 'slipway apply' whose document rewrite to undo.")
        private Path backupDir;
    }

    @Override
    public Integer call() {
        if (target.index != null) {
            for (String option : List.of("--workers", "--rate-limit", "--retries", "--overwrite-changed",
                    "--ignore-maxmemory")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new ParameterException(spec.commandLine(), option + " applies only with --backup-dir "
                            + "(restoring documents); switching an alias back writes no documents.");
                }
            }
            return switchBack(target.index);
        }
        if (toVersion != null) {
            throw new ParameterException(spec.commandLine(), "--to applies only with --index (switching versions); "
                    + "a backup restores the documents and index the migration started from.");
        }
        // RestoreOptions owns the bounds (those of apply's) and reports a bad value as bad usage
        return restore(target.backupDir, new RestoreOptions(workers, retries, rateLimit, overwriteChanged,
                ignoreMaxmemory));
    }

    private int switchBack(String index) {
        Slipway slipway = connection.slipway();
        PrintWriter out = spec.commandLine().getOut();
        // what is refused anyway is refused before the status and the question
        if (toVersion == null) {
            slipway.checkRollback(index);
        } else {
            slipway.checkRollback(index, toVersion);
        }
        out.println("Before the rollback:"); // the status printed next is what the question is about
        new StatusPrinter(out).statuses(slipway.status(Optional.of(index)));
        out.println();
        out.flush();
        String url = slipway.redactedUrl();
        Confirmation confirmation = new Confirmation("Roll back " + index + " on " + url + "?",
                "Not rolling back '" + index + "' on " + url, "Pass --yes to roll back without asking.");
        if (!confirmation.granted(yes, spec.commandLine().getErr())) {
            return ErrorCode.CONFIRMATION_REQUIRED.exitCode();
        }
        RollbackResult result = toVersion == null ? slipway.rollback(index) : slipway.rollback(index, toVersion);
        if (result.action() == RollbackResult.Action.ALREADY_DONE) {
            out.println(alreadyDone(result));
        } else if (result.action() == RollbackResult.Action.SWITCHED_BACK) {
            // with --to the switch may go forth as well as back
            out.println((toVersion == null ? "Rolled back '" : "Switched '") + result.name() + "': it now serves "
                    + result.to() + " (was " + result.from() + ").");
            out.println(result.from() + " is kept as a retained version; 'slipway prune --index " + result.name()
                    + "' drops it.");
        } else {
            out.println("Discarded the unfinished migration of '" + result.name() + "'; it still serves "
                    + result.to() + ".");
            out.println("Dropped (documents kept): " + (result.discarded().isEmpty() ? "nothing, no index had "
                    + "been built yet" : String.join(", ", result.discarded())) + ".");
        }
        out.flush();
        return 0;
    }

    private String alreadyDone(RollbackResult result) {
        String when = result.earlier().map(at -> " at " + at).orElse("");
        if (toVersion != null) {
            return "'" + result.name() + "' already serves " + result.to() + "; nothing was changed.";
        }
        String further = " To go further back, name the version: 'slipway rollback --index " + result.name()
                + " --to <version>' ('slipway status --index " + result.name() + "' lists them).";
        if (result.from().equals(result.to())) {
            return "The unfinished migration of '" + result.name() + "' was already discarded" + when + "; it "
                    + "serves " + result.to() + ". Nothing was changed." + further;
        }
        return "'" + result.name() + "' was already rolled back" + when + ": it serves " + result.to() + " (was "
                + result.from() + "). Nothing was changed." + further;
    }

    private int restore(Path backupDir, RestoreOptions options) {
        if (!Files.isDirectory(backupDir)) {
            throw new SlipwayException(ErrorCode.BAD_USAGE, "Backup directory " + backupDir + (Files.exists(backupDir)
                    ? " is a file, not a directory" : " does not exist") + "; nothing was changed. Pass the "
                    + "--backup-dir that 'slipway apply' used.");
        }
        StopSignal stop = new StopSignal();
        Slipway slipway = connection.slipway(CliProgress.create(spec.commandLine().getErr()), stop);
        String url = slipway.redactedUrl();
        // asked once every check has passed, before the first change: a refusal comes first (tester session 35 R20
        // N3: the notice came before a refusal); not when the backup was already rolled back (nothing is restored)
        Confirmation confirmation = new Confirmation("Restore the documents saved in " + backupDir + " and "
                + "recreate the original index on " + url + "?", "Not restoring the documents saved in "
                + backupDir + " on " + url, "Pass --yes to restore them without asking.");
        if (!yes && System.console() == null && !SlipwayFiles.isRolledBack(backupDir)) {
            confirmation.ask(spec.commandLine().getErr()); // refuses at once: no terminal to ask on, no --yes
        }
        Runnable ask = () -> SignalStop.outsideTheRun(() -> {
            PrintWriter notice = spec.commandLine().getOut();
            notice.println("The restore drops the index the migration created (documents are kept) and recreates the "
                    + "original once every document is back: queries to the index fail until then.");
            notice.flush();
            if (!confirmation.granted(yes, spec.commandLine().getErr())) {
                throw new Declined();
            }
        });
        RestoreResult result;
        try {
            result = SignalStop.stoppable(stop, () -> slipway.rollbackFromBackup(backupDir, options, ask));
        } catch (Declined declined) {
            return ErrorCode.CONFIRMATION_REQUIRED.exitCode();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (result.alreadyRolledBack()) {
            out.println("The backup in " + result.backupDir() + " was already rolled back; nothing was changed. "
                    + "Index '" + result.indexRecreated() + "' has its original schema (plan " + result.planId()
                    + ", " + result.documentsRestored() + " documents restored earlier).");
            printMissing(out, result); // the run that finished it may have failed on them (tester session 34 R17)
            out.flush();
            return 0;
        }
        out.println("Restored the original bytes of " + result.documentsRestored() + " documents of '"
                + result.index() + "' from " + result.backupDir() + " (plan " + result.planId() + ").");
        printMissing(out, result);
        out.println("Index '" + result.indexRecreated() + "' has its original schema again and has indexed the "
                + "restored documents.");
        out.flush();
        return 0;
    }

    /** The backed-up documents the rollback found deleted (or evicted), when there are any. */
    private static void printMissing(PrintWriter out, RestoreResult result) {
        if (result.documentsMissing() > 0) {
            out.println((result.documentsMissing() == 1 ? "1 backed-up document was deleted since the migration and "
                    + "was" : result.documentsMissing() + " backed-up documents were deleted since the migration and "
                    + "were") + " left deleted (their originals stay in the backup). " + (result.evictedSinceMigration()
                    > 0 ? "The server evicted " + result.evictedSinceMigration() + (result.evictedSinceMigration() == 1
                    ? " key" : " keys") + " since the migration began "
                    + "(INFO stats evicted_keys, every database), so they were likely evicted: lost to the "
                    + "application, and the backup is where their originals are." : "A server that evicts keys "
                    + "(maxmemory with a policy other than noeviction) may have evicted them instead: then they are "
                    + "lost to the application, and the backup is where their originals are."));
        }
    }

    /** The answer was no: the rollback ends with nothing changed. */
    private static final class Declined extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Declined() {
            super("declined", null, false, false);
        }
    }
}
