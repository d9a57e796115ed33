package dev.slipway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * One look for the help of every command: the same headings, options in declaration order, a fixed width (so
 * that help is the same on every terminal) and the exit codes at the end.
 */
final class UsageStyle {
    /** Characters per line of help. */
    static final int WIDTH = 100;

    private static final String[] EXIT_CODES = {
            "0:success",
            "1:the migration or validation failed, or Redis could not be reached",
            "2:bad usage or bad input (nothing was changed in Redis)",
            "130/143:stopped by Ctrl-C / SIGTERM; re-run the same command to resume"};

    private UsageStyle() {
    }

    /** Applies the style to a command and all its subcommands. */
    static void apply(CommandLine commandLine) {
        UsageMessageSpec usage = commandLine.getCommandSpec().usageMessage();
        usage.width(WIDTH)
                .autoWidth(false)
                .longOptionsMaxWidth(32)
                .sortOptions(false)
                .headerHeading("")
                .synopsisHeading("Usage: ")
                .descriptionHeading("%n")
                .parameterListHeading("%nParameters:%n")
                .optionListHeading("%nOptions:%n")
                .commandListHeading("%nCommands:%n")
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(CommandLine.Model.UsageMessageSpec.keyValuesMap(EXIT_CODES));
        commandLine.getSubcommands().values().forEach(UsageStyle::apply);
    }
}
