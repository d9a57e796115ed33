package dev.slipway.bench.quantize;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CpuMeterTest {

    @Test
    void schedstatHoldsTimeOnCpuRunQueueWaitAndTimeslices() {
        assertThat(CpuMeter.parseSchedstat("123456789 98765 42\n")).containsExactly(123456789, 98765, 42);
    }

    @Test
    void malformedSchedstatIsUnknown() {
        assertThat(CpuMeter.parseSchedstat("")).isNull();
        assertThat(CpuMeter.parseSchedstat("123 456")).isNull();
        assertThat(CpuMeter.parseSchedstat("1 x 2")).isNull();
    }

    @Test
    void aProcessThatDoesNotExistIsUnknown() {
        assertThat(CpuMeter.schedstat(Long.MAX_VALUE)).isNull();
    }

    @Test
    void thisProcessHasFiguresWhereTheKernelKeepsSchedstats() {
        long[] figures = CpuMeter.schedstat(ProcessHandle.current().pid());
        if (Files.isReadable(Path.of("/proc/self/schedstat"))) {
            assertThat(figures).hasSize(3);
            assertThat(figures[0]).as("this thread has run").isPositive();
            assertThat(figures[2]).as("and been scheduled").isPositive();
        } else {
            assertThat(figures).isNull();
        }
    }
}
