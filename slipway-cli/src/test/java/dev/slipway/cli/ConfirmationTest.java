package dev.slipway.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ConfirmationTest {
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
}
