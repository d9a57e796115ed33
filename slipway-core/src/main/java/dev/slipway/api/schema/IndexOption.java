package dev.slipway.api.schema;

import java.util.Locale;

/** Index-wide flags of {@code FT.CREATE} that change how every document is indexed. */
public enum IndexOption {
    /** Lets the index hold more than 32 text fields. */
    MAXTEXTFIELDS(true),
    /** Stores no term offsets (also disables highlighting). */
    NOOFFSETS(true),
    /** Disables highlighting support. */
    NOHL(true),
    /** Stores no per-field bits for text terms. */
    NOFIELDS(true),
    /** Stores no term frequencies. */
    NOFREQS(true),
    /** Does not scan existing keys when the index is created. {@code FT.INFO} does not report it. */
    SKIPINITIALSCAN(false);

    private final boolean reportedByServer;

    IndexOption(boolean reportedByServer) {
        this.reportedByServer = reportedByServer;
    }

    /** Whether {@code FT.INFO} shows this option, so that a snapshot of a live index can know it. */
    public boolean reportedByServer() {
        return reportedByServer;
    }

    /**
     * Parses an option name case-insensitively.
     *
     * @throws IllegalArgumentException when the text names no option
     */
    public static IndexOption parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown index option '" + text
                    + "'; expected maxtextfields, nooffsets, nohl, nofields, nofreqs or skipinitialscan");
        }
    }
}
