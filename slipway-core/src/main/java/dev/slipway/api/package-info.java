/**
 * Slipway's public API: the {@link dev.slipway.api.Slipway} facade, its configuration, and the exceptions
 * it throws. Value types live in {@link dev.slipway.api.schema} (index schemas and patches) and
 * {@link dev.slipway.api.plan} (plans, reports, validation results). Everything outside {@code dev.slipway.api}
 * is internal and may change without notice.
 */
package dev.slipway.api;
