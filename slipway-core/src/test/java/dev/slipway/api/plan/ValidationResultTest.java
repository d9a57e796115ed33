package dev.slipway.api.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.SlipwayFiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The verdict travels with the checks in the JSON and YAML forms (tester session 43 R36: only the exit code said). */
class ValidationResultTest {
    private static final ValidationCheck PASSED = new ValidationCheck("schema", true, "the plan's", "equal", "");
    private static final ValidationCheck NOT_CHECKED = new ValidationCheck("document-count", false, "every document",
            "not checked", "no room");

    @Test
    void theJsonFormSaysWhetherEveryCheckPassed() throws Exception {
        JsonNode failed = new ObjectMapper().readTree(SlipwayFiles.render(new ValidationResult("items",
                List.of(PASSED, NOT_CHECKED)), SlipwayFiles.Format.JSON));
        JsonNode passed = new ObjectMapper().readTree(SlipwayFiles.render(new ValidationResult("items",
                List.of(PASSED)), SlipwayFiles.Format.JSON));

        assertThat(failed.path("passed").isBoolean()).isTrue();
        assertThat(failed.path("passed").asBoolean()).isFalse();
        assertThat(passed.path("passed").asBoolean()).isTrue();
        assertThat(failed.fieldNames()).toIterable().containsExactly("index", "passed", "checks");
        assertThat(failed.path("checks")).hasSize(2);
    }

    @Test
    void theYamlFormToo() {
        assertThat(SlipwayFiles.render(new ValidationResult("items", List.of(NOT_CHECKED)), SlipwayFiles.Format.YAML))
                .startsWith("index: items\npassed: false\nchecks:\n");
    }
}
