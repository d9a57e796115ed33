/**
 * The index schema model: {@link dev.slipway.api.schema.IndexSchema} and its fields, read from live indexes,
 * from Slipway or RedisVL schema files, and rendered back to {@code FT.CREATE}; and
 * {@link dev.slipway.api.schema.SchemaPatch}, the small description of a change.
 */
package dev.slipway.api.schema;
