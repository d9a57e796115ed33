package dev.slipway.bench.quantize;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CpuMeterTest {

    @Test
    void runQueueWaitIsTheSecondFieldOfSchedstat() {
        assertThat(CpuMeter.parseRunQueueWait("123456789 98765 42\n")).isEqualTo(98765);
    }

    @Test
    void malformedSchedstatIsUnknown() {
        assertThat(CpuMeter.parseRunQueueWait("")).isEqualTo(-1);
        assertThat(CpuMeter.parseRunQueueWait("123")).isEqualTo(-1);
        assertThat(CpuMeter.parseRunQueueWait("1 x 2")).isEqualTo(-1);
    }

    @Test
    void aProcessThatDoesNotExistIsUnknown() {
        assertThat(CpuMeter.runQueueWaitNanos(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void thisProcessHasAWaitWhereTheKernelKeepsSchedstats() {
        long wait = CpuMeter.runQueueWaitNanos(ProcessHandle.current().pid());
        if (Files.isReadable(Path.of("/proc/self/schedstat"))) {
            assertThat(wait).isNotNegative();
        } else {
            assertThat(wait).isEqualTo(-1);
        }
    }
}
