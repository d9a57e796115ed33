package dev.slipway.internal.redis;

import dev.slipway.api.plan.ServerInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

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
        ServerInfo told = new ServerInfo("7.4.1", 21005, 20803, Optional.empty(), List.of("MODULE"));

        assertThat(told.unanswered("MODULE LIST")).isEqualTo("the server has no MODULE command (renamed or disabled)");
        assertThat(new ServerInfo("7.4.1", 21005, 20803).unanswered("MODULE LIST"))
                .isEqualTo("the server refuses MODULE LIST to this user");
        assertThat(told.withUnknownCommands(List.of()).unknownCommands()).isEmpty();
    }
}
