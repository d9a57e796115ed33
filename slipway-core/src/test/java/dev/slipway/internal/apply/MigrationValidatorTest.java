package dev.slipway.internal.apply;

import dev.slipway.api.plan.ValidationCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How validate's checks read when the migration is not in effect. */
class MigrationValidatorTest {
    private static final ValidationCheck UNDONE = new ValidationCheck("migration", false, "completed",
            "'slipway rollback --backup-dir' undid it at T", "plan anew");
    private static final ValidationCheck OLD_FORM = new ValidationCheck("old-form", false, "none", "500 of 500",
            "a client wrote them after their rewrite, so the application still writes the old form", List.of("h:1"));

    /**
     * Tester session 55 R49 T1 F6: after a rollback from the backup, the old-form check blamed the application and
     * sample-keys said to re-run apply.
     */
    @Test
    void aFailureOfAMigrationNotInEffectIsPutDownToIt() {
        ValidationCheck put = MigrationValidator.putDownTo(UNDONE, OLD_FORM);

        assertThat(put.passed()).isFalse();
        assertThat(put.actual()).isEqualTo("500 of 500");
        assertThat(put.detail()).isEqualTo("the migration is not in effect ('slipway rollback --backup-dir' undid it "
                + "at T; see the migration check), which is why");
        assertThat(put.documents()).containsExactly("h:1");
    }

    @Test
    void passesTheMigrationCheckTheSchemaCheckAndChecksNotMadeAreLeftAlone() {
        ValidationCheck applied = new ValidationCheck("migration", true, "completed", "COMPLETED", "");
        ValidationCheck schema = new ValidationCheck("schema", false, "target", "1 differences", "cause: diff");
        ValidationCheck notMade = ValidationCheck.notChecked("old-form", "none", "no room");
        ValidationCheck passed = new ValidationCheck("sample-keys", true, "20", "20", "");

        assertThat(MigrationValidator.putDownTo(applied, OLD_FORM)).isEqualTo(OLD_FORM);
        assertThat(MigrationValidator.putDownTo(UNDONE, UNDONE)).isEqualTo(UNDONE);
        assertThat(MigrationValidator.putDownTo(UNDONE, schema)).isEqualTo(schema);
        assertThat(MigrationValidator.putDownTo(UNDONE, notMade)).isEqualTo(notMade);
        assertThat(MigrationValidator.putDownTo(UNDONE, passed)).isEqualTo(passed);
    }
}
