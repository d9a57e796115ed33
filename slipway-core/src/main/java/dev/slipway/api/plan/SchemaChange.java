package dev.slipway.api.plan;

/**
 * One classified difference between the source and the target schema.
 *
 * @param kind      what changes
 * @param subject   the field name, or {@code index} for index-level changes
 * @param from      the old value as shown to a reviewer ({@code ""} when there was none)
 * @param to        the new value as shown to a reviewer ({@code ""} when there is none)
 * @param supported whether Slipway can carry it out
 * @param reason    why it is blocked and what to do instead; a short note when supported
 */
public record SchemaChange(ChangeKind kind, String subject, String from, String to, boolean supported,
                           String reason) {
}
