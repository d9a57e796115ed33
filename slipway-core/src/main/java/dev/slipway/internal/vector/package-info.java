/**
 * Conversion of Redis Search vector field values between datatypes.
 *
 * <p>Redis stores a HASH vector field as the raw little-endian bytes of its elements, so changing
 * a field's {@code TYPE} (for example quantizing {@code FLOAT32} embeddings to {@code FLOAT16},
 * {@code BFLOAT16}, {@code INT8} or {@code UINT8}) means rewriting every stored document. This
 * package holds the pure, Redis-free pieces of that rewrite:
 *
 * <ul>
 *   <li>{@link dev.slipway.internal.vector.VectorDataType}: the six datatypes, their sizes and
 *       which conversions lose information;
 *   <li>{@link dev.slipway.internal.vector.Float16} and
 *       {@link dev.slipway.internal.vector.BFloat16}: correctly rounded (ties-to-even) narrowing,
 *       because Java 17 has no half-precision support;
 *   <li>{@link dev.slipway.internal.vector.QuantizationScale}: one affine mapping per field,
 *       shared by all documents, so integer quantization keeps nearest-neighbour ranking;
 *   <li>{@link dev.slipway.internal.vector.VectorCodec}: byte-level conversion, decode and encode
 *       with an allocation-free hot path for converting millions of vectors;
 *   <li>{@link dev.slipway.internal.vector.RecallEstimator}: brute-force recall@k of the converted
 *       vectors against the originals, for the migration report.
 * </ul>
 *
 * <p>Everything here is stateless apart from the clamp tally of a {@code QuantizationScale}, and
 * is safe to use from several threads.
 */
package dev.slipway.internal.vector;
