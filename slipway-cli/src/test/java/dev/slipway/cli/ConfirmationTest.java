package dev.slipway.cli;

import dev.slipway.api.ErrorCode;
import dev.slipway.api.SlipwayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ConfirmationTest {
    private final Confirmation confirmation = new Confirmation("Roll back products on redis://h:1?",
            "Not rolling back 'products' on redis://h:1", "Pass --yes to roll back without asking.");
    private final StringWriter err = new StringWriter();

    @ParameterizedTest
    @ValueSource(strings = {"y", "Y", "yes", "YES", " yes "})
    void yesAnswersConfirm(String answer) {
        assertThat(Confirmation.isYes(answer)).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"n", "no", "yep", "ja", "y e s"})
    void anythingElseRefuses(String answer) {
        assertThat(Confirmation.isYes(answer)).isFalse();
    }

    @Test
    void withoutATerminalItRefusesAndSaysHowToGoAhead() {
        assumeTrue(System.console() == null, "the test JVM has a terminal");

        SlipwayException e = catchThrowableOfType(() -> confirmation.ask(new PrintWriter(err)),
                SlipwayException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.CONFIRMATION_REQUIRED);
        assertThat(e.getMessage()).isEqualTo("Not rolling back 'products' on redis://h:1: there is no terminal to "
                + "confirm on. Nothing was changed. Pass --yes to roll back without asking.");
    }

    @Test
    void yesGoesAheadWithoutAsking() {
        assertThat(confirmation.granted(true, new PrintWriter(err))).isTrue();
        assertThat(err.toString()).isEmpty();
    }
}
