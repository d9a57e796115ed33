package dev.slipway.internal.vector;

import static dev.slipway.internal.vector.VectorDataType.BFLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT16;
import static dev.slipway.internal.vector.VectorDataType.FLOAT32;
import static dev.slipway.internal.vector.VectorDataType.FLOAT64;
import static dev.slipway.internal.vector.VectorDataType.INT8;
import static dev.slipway.internal.vector.VectorDataType.UINT8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VectorDataTypeTest {

    @Test
    void sizesAndKinds() {
        assertThat(FLOAT64.bytesPerElement()).isEqualTo(8);
        assertThat(FLOAT32.bytesPerElement()).isEqualTo(4);
        assertThat(FLOAT16.bytesPerElement()).isEqualTo(2);
        assertThat(BFLOAT16.bytesPerElement()).isEqualTo(2);
        assertThat(INT8.bytesPerElement()).isEqualTo(1);
        assertThat(UINT8.bytesPerElement()).isEqualTo(1);
        assertThat(EnumSet.allOf(VectorDataType.class)).filteredOn(VectorDataType::isFloatingPoint)
                .containsExactlyInAnyOrder(FLOAT64, FLOAT32, FLOAT16, BFLOAT16);
    }

    @Test
    void redisNamesParseBackIgnoringCase() {
        for (VectorDataType type : VectorDataType.values()) {
            assertThat(VectorDataType.parse(type.redisName())).isEqualTo(type);
            assertThat(VectorDataType.parse(type.redisName().toLowerCase())).isEqualTo(type);
        }
        assertThat(FLOAT32.redisName()).isEqualTo("FLOAT32");
        assertThat(VectorDataType.parse(" BFloat16 ")).isEqualTo(BFLOAT16);
    }

    @Test
    void unknownNamesAreRejectedWithTheValidOnes() {
        assertThatThrownBy(() -> VectorDataType.parse("float8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'float8'")
                .hasMessageContaining("FLOAT64, FLOAT32, FLOAT16, BFLOAT16, INT8, UINT8");
        assertThatThrownBy(() -> VectorDataType.parse(null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lossinessFollowsWhatEachFormatCanHold() {
        assertLossyExactlyTo(FLOAT64, FLOAT32, FLOAT16, BFLOAT16, INT8, UINT8);
        assertLossyExactlyTo(FLOAT32, FLOAT16, BFLOAT16, INT8, UINT8);
        // FLOAT16 has more significand bits than BFLOAT16, BFLOAT16 more range than FLOAT16.
        assertLossyExactlyTo(FLOAT16, BFLOAT16, INT8, UINT8);
        assertLossyExactlyTo(BFLOAT16, FLOAT16, INT8, UINT8);
        assertLossyExactlyTo(INT8, UINT8);
        assertLossyExactlyTo(UINT8, INT8);
    }

    private static void assertLossyExactlyTo(VectorDataType source, VectorDataType... lossy) {
        Set<VectorDataType> expected = Set.of(lossy);
        for (VectorDataType target : VectorDataType.values()) {
            assertThat(source.isLossyTo(target)).as("%s -> %s", source, target)
                    .isEqualTo(expected.contains(target));
        }
    }
}
