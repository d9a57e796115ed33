package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import dev.slipway.api.plan.MigrationPlan;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Asks a person on the terminal before a command changes Redis; refuses when there is no terminal to ask on.
 *
 * @param question what is asked, without the {@code [y/N]}: {@code Roll back 'products' on redis://host:6379?}
 * @param refusal  what is not done when the answer is no: {@code Not rolling back 'products' on redis://host:6379}
 * @param yesHint  how to go ahead without a terminal: {@code Pass --yes to roll back without asking.}
 */
record Confirmation(String question, String refusal, String yesHint) {

    /** The confirmation of {@code slipway apply}. */
    static Confirmation ofPlan(MigrationPlan plan, String redactedUrl) {
        String index = plan.source().indexName();
        return new Confirmation("Apply this plan to " + index + " on " + redactedUrl + "?",
                "Not applying the plan to '" + index + "' on " + redactedUrl,
                "Review the plan and pass --yes to apply it without asking.");
    }

    /** Whether to go ahead: at once with {@code --yes}, else after asking (see {@link #ask}). */
    boolean granted(boolean yes, PrintWriter err) {
        return yes || ask(err);
    }

    /**
     * Asks the question on the terminal.
     *
     * @return true when the answer is y or yes; false (after saying that nothing changed) otherwise
     * @throws SlipwayException {@link ErrorCode#CONFIRMATION_REQUIRED} when there is no terminal
     */
    boolean ask(PrintWriter err) {
        Console console = System.console();
        if (console == null) {
            throw new SlipwayException(ErrorCode.CONFIRMATION_REQUIRED, refusal + ": there is no terminal to "
                    + "confirm on. Nothing was changed. " + yesHint);
        }
        String answer = console.readLine("%s [y/N] ", question);
        if (isYes(answer)) {
            return true;
        }
        err.println(refusal + ". Nothing was changed.");
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
