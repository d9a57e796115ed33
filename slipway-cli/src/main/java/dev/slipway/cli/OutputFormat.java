package dev.slipway.cli;

import dev.slipway.api.SlipwayFiles;

/** What a command prints on stdout: human text, or the result as YAML or JSON for scripts. */
public enum OutputFormat {
    /** Human-readable text. */
    TEXT,
    /** The result as YAML, in the same form as the files Slipway writes. */
    YAML,
    /** The result as indented JSON. */
    JSON;

    /** The file format of {@link #YAML} and {@link #JSON}; TEXT has none and renders as YAML. */
    SlipwayFiles.Format fileFormat() {
        return this == JSON ? SlipwayFiles.Format.JSON : SlipwayFiles.Format.YAML;
    }

    /** Renders a value in this format (YAML for TEXT), ending with a newline. */
    String render(Object value) {
        String text = SlipwayFiles.render(value, fileFormat());
        return text.endsWith("\n") ? text : text + System.lineSeparator();
    }
}
