package dev.slipway.bench.vector;

import dev.slipway.internal.vector.VectorCodec;
import dev.slipway.internal.vector.VectorDataType;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of rewriting stored 768-dimensional FLOAT32 vectors as FLOAT16 or BFLOAT16, the
 * inner loop of a quantizing migration. One operation is one vector, so the score reads as
 * vectors per second; a migration of a million vectors takes a million divided by it seconds
 * of conversion work.
 *
 * <p>The batch is converted through one reusable output buffer, as a migration worker would;
 * {@link #float32ToFloat16Allocating()} instead copies each vector out, as a Redis reply would
 * deliver it, and converts it into a new array, to show what the reusable buffer saves.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VectorConversionBenchmark {

    /** Vectors converted per benchmark invocation. */
    static final int BATCH = 1000;
    /** Dimensions of each vector, a common embedding size. */
    static final int DIM = 768;

    private byte[] float32Batch;
    private byte[] halfWidthBuffer;

    /** Builds a batch of Gaussian vectors, stored as little-endian FLOAT32 bytes. */
    @Setup
    public void createBatch() {
        SplittableRandom random = new SplittableRandom(1L);
        float[] values = new float[BATCH * DIM];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.05);
        }
        float32Batch = VectorCodec.encode(values, VectorDataType.FLOAT32, null);
        halfWidthBuffer = new byte[BATCH * DIM * 2];
    }

    /**
     * Converts the batch to FLOAT16 into the reusable buffer.
     *
     * @return the buffer, so the work cannot be eliminated
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] float32ToFloat16() {
        return convertBatch(VectorDataType.FLOAT16);
    }

    /**
     * Converts the batch to BFLOAT16 into the reusable buffer.
     *
     * @return the buffer, so the work cannot be eliminated
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public byte[] float32ToBFloat16() {
        return convertBatch(VectorDataType.BFLOAT16);
    }

    /**
     * Converts the batch to FLOAT16 with a new array per vector.
     *
     * @return the sum of one byte of each result, so the work cannot be eliminated
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int float32ToFloat16Allocating() {
        int sink = 0;
        byte[] vector = new byte[DIM * 4];
        for (int v = 0; v < BATCH; v++) {
            System.arraycopy(float32Batch, v * DIM * 4, vector, 0, vector.length);
            sink += VectorCodec.convert(vector, VectorDataType.FLOAT32, VectorDataType.FLOAT16,
                    DIM, null)[v % DIM];
        }
        return sink;
    }

    private byte[] convertBatch(VectorDataType target) {
        for (int v = 0; v < BATCH; v++) {
            VectorCodec.convert(float32Batch, v * DIM * 4, VectorDataType.FLOAT32,
                    halfWidthBuffer, v * DIM * 2, target, DIM, null);
        }
        return halfWidthBuffer;
    }
}
