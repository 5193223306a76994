package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each support region answers the engine's and the certificate's questions itself: the half-widths
 * of an affine map's units in engine arrays, a sound double bound for an interval row, and extreme
 * points. All three are held to {@link SupportRegion#halfWidth}, the definition, and to the exact
 * support computed in BigDecimal.
 */
class SupportFunctionsTest {

    private static List<SupportRegion> regions(Random random) {
        double[] m = {0.5, -1.25, 3, 1e-3};
        double[] r = {0.25, 2, 0, 1e-7};
        double[][] g = new double[4][3];
        for (double[] row : g) {
            for (int t = 0; t < row.length; t++) {
                row[t] = random.nextGaussian();
            }
        }
        return List.of(Box.of(m, r), L1Ball.of(m, 0.75), Zonotope.of(m, g));
    }

    @Test
    void engineHalfWidthsAreTheDoubleOnesForEveryColumn() {
        Random random = new Random(20261201);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (SupportRegion region : regions(random)) {
                int d = region.dimension();
                int k = 5;
                double[][] at = new double[d][k];
                for (double[] row : at) {
                    for (int q = 0; q < k; q++) {
                        row[q] = random.nextGaussian();
                    }
                }
                double[] h = region.halfWidths(manager, DataType.FLOAT64).apply(manager.create(at)).toDoubleArray();
                assertThat(h).hasSize(k);
                for (int q = 0; q < k; q++) {
                    double[] a = new double[d];
                    for (int j = 0; j < d; j++) {
                        a[j] = at[j][q];
                    }
                    assertThat(h[q]).as(region.describe() + ", unit " + q).isCloseTo(region.halfWidth(a), within(1e-12));
                }
                NDArray f32 = region.halfWidths(manager, DataType.FLOAT32).apply(manager.create(at).toType(DataType.FLOAT32, false));
                assertThat(f32.getDataType()).isEqualTo(DataType.FLOAT32);
            }
        }
    }

    @Test
    void theBoundIsAtLeastTheExactSupportOfEveryFunctionalInTheRow() {
        Random random = new Random(7);
        int checked = 0;
        for (SupportRegion region : regions(random)) {
            int d = region.dimension();
            for (int trial = 0; trial < 50; trial++) {
                double[] a = new double[d];
                double[] radius = new double[d];
                for (int j = 0; j < d; j++) {
                    a[j] = random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3);
                    radius[j] = trial % 2 == 0 ? 0 : Math.abs(a[j]) * 1e-6 * random.nextDouble();
                }
                double bound = region.halfWidthBound(a, radius);
                // tight: within a relative 1e-9 of the definition when the row is a point
                if (trial % 2 == 0) {
                    assertThat(bound).isCloseTo(region.halfWidth(a), within(1e-9 * Math.abs(region.halfWidth(a)) + 1e-300));
                }
                for (int sample = 0; sample < 20; sample++) {
                    double[] b = new double[d];
                    for (int j = 0; j < d; j++) {
                        b[j] = a[j] + (2 * random.nextDouble() - 1) * radius[j];
                    }
                    BigDecimal exact = exactSupport(region, b);
                    assertThat(new BigDecimal(bound).compareTo(exact))
                            .as(region.describe() + ": bound " + bound + " vs exact support " + exact).isGreaterThanOrEqualTo(0);
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(3 * 50 * 20);
    }

    /** {@code max_{x in R} b.(x - m)} in exact arithmetic. */
    private static BigDecimal exactSupport(SupportRegion region, double[] b) {
        BigDecimal s = BigDecimal.ZERO;
        if (region instanceof Box box) {
            for (int j = 0; j < b.length; j++) {
                s = s.add(new BigDecimal(b[j]).abs().multiply(new BigDecimal(box.radii()[j])));
            }
        } else if (region instanceof L1Ball ball) {
            for (double v : b) {
                s = s.max(new BigDecimal(v).abs());
            }
            s = s.multiply(new BigDecimal(ball.radius()));
        } else {
            double[][] g = ((Zonotope) region).generators();
            for (int t = 0; t < g[0].length; t++) {
                BigDecimal dot = BigDecimal.ZERO;
                for (int j = 0; j < b.length; j++) {
                    dot = dot.add(new BigDecimal(b[j]).multiply(new BigDecimal(g[j][t])));
                }
                s = s.add(dot.abs());
            }
        }
        return s;
    }

    @Test
    void extremePointsLieInTheRegion() {
        Random random = new Random(11);
        for (SupportRegion region : regions(random)) {
            for (int point = 0; point < 20; point++) {
                double[] x = region.extremePoint(random);
                assertThat(region.contains(x, 1e-9)).as(region.describe() + " contains " + java.util.Arrays.toString(x)).isTrue();
            }
        }
    }

    @Test
    void aBoxCornerIsACorner() {
        Box box = Box.of(new double[] {1, 2}, new double[] {0.5, 0.25});
        double[] x = box.extremePoint(new Random(3));
        assertThat(Math.abs(x[0] - 1)).isEqualTo(0.5);
        assertThat(Math.abs(x[1] - 2)).isEqualTo(0.25);
    }

    @Test
    void aRowOfAnotherDimensionIsRefused() {
        for (SupportRegion region : regions(new Random(1))) {
            assertThatThrownBy(() -> region.halfWidthBound(new double[3], new double[4]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected 4");
        }
    }
}
