/**
 * Results of the version verbs: {@code status}, {@code rollback} and {@code prune} of names served through
 * Slipway's versioned indexes.
 */
package dev.slipway.api.version;
