package dev.slipway.internal.redis;

import dev.slipway.api.plan.ServerInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class UnansweredTest {
    @Test
    void aCommandTheServerSaidItHasNotIsCalledRenamedOrDisabledAndAnyOtherRefusedToTheUser() {
        List<String> unknown = List.of("CONFIG", "INFO");

        assertThat(Unanswered.why("INFO memory", unknown))
                .isEqualTo("the server has no INFO command (renamed or disabled)");
        assertThat(Unanswered.why("config get", unknown))
                .isEqualTo("the server has no CONFIG command (renamed or disabled)");
        assertThat(Unanswered.why("MODULE LIST", unknown)).isEqualTo("the server refuses MODULE LIST to this user");
        assertThat(Unanswered.why("INFO stats", List.of())).isEqualTo("the server refuses INFO stats to this user");
    }

    @Test
    void onlyTheServersUnknownCommandErrorCountsAsNoSuchCommand() {
        assertThat(Unanswered.isUnknownCommand("ERR unknown command 'INFO', with args beginning with: 'memory' "))
                .isTrue();
        assertThat(Unanswered.isUnknownCommand("NOPERM User app has no permissions to run the 'info' command"))
                .isFalse();
        assertThat(Unanswered.isUnknownCommand("ERR unknown subcommand 'FOO'. Try CONFIG HELP.")).isFalse();
        assertThat(Unanswered.isUnknownCommand(null)).isFalse();
    }

    @Test
    void aPlansServerInfoSaysWhatItWasToldWhenThePlanWasMade() {
        ServerInfo told = new ServerInfo("7.4.1", 21005, 20803).withUnknownCommands(List.of("MODULE"));

        assertThat(told.unanswered("MODULE LIST")).isEqualTo("the server has no MODULE command (renamed or disabled)");
        assertThat(new ServerInfo("7.4.1", 21005, 20803).unanswered("MODULE LIST"))
                .isEqualTo("the server refuses MODULE LIST to this user");
        assertThat(told.withUnknownCommands(List.of()).unknownCommands()).isEmpty();
        assertThat(told.withCommandErrors(Map.of("INFO", "ERR command not supported by proxy"))
                .unanswered("INFO memory"))
                .isEqualTo("the server answered INFO memory with an error (ERR command not supported by proxy)");
    }

    /**
     * A third case: an error that is neither "unknown command" nor a refusal is quoted, not blamed on the user's
     * rights. The last error of the command decides.
     */
    @Test
    void anotherErrorIsQuotedAndARefusalIsStillCalledOne() {
        Map<String, String> errors = Map.of("INFO", "BUSY Redis is busy running a script (still so after 30 s of "
                + "retries)", "ROLE", "NOPERM User app has no permissions to run the 'role' command");

        assertThat(Unanswered.why("INFO memory", List.of(), errors)).isEqualTo("the server answered INFO memory "
                + "with an error (BUSY Redis is busy running a script (still so after 30 s of retries))");
        assertThat(Unanswered.why("ROLE", List.of(), errors)).isEqualTo("the server refuses ROLE to this user");
        assertThat(Unanswered.why("INFO memory", List.of("INFO"), errors))
                .isEqualTo("the server has no INFO command (renamed or disabled)");
        assertThat(Unanswered.isOtherError("MASTERDOWN Link with MASTER is down")).isTrue();
        assertThat(Unanswered.isOtherError("NOPERM User app has no permissions")).isFalse();
        assertThat(Unanswered.isOtherError("ERR unknown command 'INFO'")).isFalse();
    }
}
