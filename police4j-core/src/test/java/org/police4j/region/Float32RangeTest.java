package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.police4j.numeric.Float32;

/**
 * Every region factory refuses a value no float32 can hold (finite as a double, infinite once
 * rounded to the float32 the networks compute in), naming the argument, the entry and the value,
 * and accepts the largest float32 itself.
 */
class Float32RangeTest {

    /** The smallest double whose float32 rounding is infinite: {@code MAX_VALUE} plus half an ulp. */
    private static final double FIRST_INFINITE = 0x1.ffffffp127;

    @Test
    void theBoundaryIsWhereFloat32RoundsToInfinity() {
        assertThat(Float32.holds(Float.MAX_VALUE)).isTrue();
        assertThat(Float32.holds(-Float.MAX_VALUE)).isTrue();
        assertThat(Float32.holds(Math.nextDown(FIRST_INFINITE))).isTrue();
        assertThat((float) Math.nextDown(FIRST_INFINITE)).isEqualTo(Float.MAX_VALUE);
        assertThat(Float32.holds(FIRST_INFINITE)).isFalse();
        assertThat(Float32.holds(-FIRST_INFINITE)).isFalse();
        assertThat(Float32.holds(1e308)).isFalse();
        assertThat(Float32.holds(Double.NaN)).isFalse();
        assertThat(Float32.holds(Double.NEGATIVE_INFINITY)).isFalse();
        assertThat(Float32.holds(1e-300)).isTrue(); // rounds to zero, which a float32 holds
        assertThat(Float32.problem(0.5)).isNull();
        assertThat(Float32.problem(1e308)).startsWith("is too large for a float32");
        assertThat(Float32.problem(Double.NaN)).startsWith("is not finite");
    }

    private static void refused(ThrowingCallable f, String message) {
        assertThatThrownBy(f)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageContaining("float32");
    }

    @Test
    void vertexRegionsRefuseValuesNoFloat32Holds() {
        refused(() -> Regions.polygon(new double[][] {{0, 0}, {1e308, 0}, {0, 1}}),
                "points: row 1, column 0 is 1.0E308");
        refused(() -> VertexRegion.of("r", new double[][] {{0, 0}, {1, 0}, {0, -3.5e38}}),
                "vertices: row 2, column 1 is -3.5E38");
        refused(() -> Regions.box(new double[] {-1, -1}, new double[] {1, 1e308}), "hi: coordinate 1 is 1.0E308");
        refused(() -> Regions.box(-1e308, 1, 2), "lo: coordinate 0 is -1.0E308");
        refused(() -> Regions.l1Ball(new double[] {0, 1e308}, 1), "center: coordinate 1 is 1.0E308");
        refused(() -> Regions.circle(8, new double[] {0, 0}, 1e308), "radius: 1.0E308");
        refused(() -> Regions.simplex(new double[][] {{0, 0}, {1e308, 0}, {0, 1}}), "row 1, column 0 is 1.0E308");
        refused(() -> Regions.fromHalfspaces(new double[][] {{1, 0}, {0, 1}, {-1, -1}}, new double[] {1, 1, 1e308}),
                "b: entry 2 is 1.0E308");
        // centre and radius each in range, the vertices not: refused where they are made
        refused(() -> Regions.circle(8, new double[] {3e38, 0}, 3e38), "vertices: row 0, column 0 is 6.0E38");
    }

    @Test
    void supportRegionsRefuseValuesNoFloat32HoldsAndPointsBeyondIt() {
        refused(() -> Box.of(new double[] {0, 1e308}, new double[] {1, 1}), "box: centre coordinate 1 is 1.0E308");
        refused(() -> Box.of(new double[] {0, 0}, new double[] {1, 3.5e38}), "box: radius 1 is 3.5E38");
        refused(() -> Box.fromBounds(new double[] {-1e308, 0}, new double[] {1, 1}), "box: lo[0] is -1.0E308");
        refused(() -> Box.of(new double[] {0, 3e38}, new double[] {1, 3e38}), "box: coordinate 1 reaches");
        refused(() -> L1Ball.of(new double[] {0, 0}, 1e308), "l1 ball: radius is 1.0E308");
        refused(() -> L1Ball.of(new double[] {-3e38, 0}, 3e38), "l1 ball: coordinate 0 reaches");
        refused(() -> Zonotope.of(new double[] {0, 0}, new double[][] {{1, 1e308}, {0, 1}}),
                "zonotope: generator entry (0, 1) is 1.0E308");
        refused(() -> Zonotope.of(new double[] {0, 0}, new double[][] {{2e38, 2e38}, {0, 1}}),
                "zonotope: coordinate 0 reaches");
    }

    @Test
    void theLargestFloat32IsAccepted() {
        float max = Float.MAX_VALUE;
        VertexRegion r = VertexRegion.of("edge", new double[][] {{0, 0}, {max, 0}, {0, -max}});
        assertThat(r.vertices()[1][0]).isEqualTo(max);
        assertThat(Box.of(new double[] {0, 0}, new double[] {max, 1}).dimension()).isEqualTo(2);
        assertThat(Box.fromBounds(new double[] {-max, 0}, new double[] {max, 1}).dimension()).isEqualTo(2);
    }
}
