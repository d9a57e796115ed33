package dev.slipway.api.plan;

/** How a migration replaces the live index. */
public enum MigrationMode {
    /** Drop the index (keeping documents) and create the new one; queries fail until it is rebuilt. */
    DROP_RECREATE,
    /** Build a new versioned index beside the live one and switch an alias atomically. */
    ZERO_DOWNTIME;

    /** The name used in plan files and on the command line ({@code drop-recreate}, {@code zero-downtime}). */
    public String cliName() {
        return name().toLowerCase().replace('_', '-');
    }
}
