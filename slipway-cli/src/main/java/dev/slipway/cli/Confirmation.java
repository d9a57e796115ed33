package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/** Asks a person on the terminal before a command changes Redis; refuses when there is no terminal to ask on. */
final class Confirmation {
    private Confirmation() {
    }

    /**
     * Asks whether to apply the plan.
     *
     * @return true when the answer is y or yes; false (after saying that nothing changed) otherwise
     * @throws SlipwayException {@link ErrorCode#CONFIRMATION_REQUIRED} when there is no terminal
     */
    static boolean confirm(MigrationPlan plan, String redactedUrl, PrintWriter err) {
        Console console = System.console();
        String index = plan.source().indexName();
        if (console == null) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, "Not applying the plan to '" + index
                    + "' on " + redactedUrl + ": there is no terminal to confirm on. Nothing was changed. "
                    + "Review the plan and pass --yes to apply it without asking.");
        }
        String answer = console.readLine("Apply this plan to %s on %s? [y/N] ", index, redactedUrl);
        if (isYes(answer)) {
            return true;
        }
        err.println("Not applied. Nothing was changed.");
        err.flush();
        return false;
    }

    /** Whether a typed answer means yes ({@code y} or {@code yes}, any case); null (end of input) is no. */
    static boolean isYes(String answer) {
        if (answer == null) {
            return false;
        }
        String text = answer.trim().toLowerCase(Locale.ROOT);
        return text.equals("y") || text.equals("yes");
    }
}
