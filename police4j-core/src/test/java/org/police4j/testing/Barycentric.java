package org.police4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

/**
 * The two faces of "affine on R" that tests check: no unit has vertices on both sides of its
 * kink, and at a convex combination of the vertices the output is the same convex combination
 * of the vertex outputs.
 */
public final class Barycentric {

    private Barycentric() {}

    /** n random Dirichlet(1, ..., 1) weight vectors over p vertices. */
    public static double[][] lambdas(int n, int p, Random rng) {
        double[][] w = new double[n][p];
        for (double[] row : w) {
            double sum = 0;
            for (int j = 0; j < p; j++) {
                row[j] = -Math.log(1 - rng.nextDouble());
                sum += row[j];
            }
            for (int j = 0; j < p; j++) {
                row[j] /= sum;
            }
        }
        return w;
    }

    /** {@code weights x rows}: the convex combinations of the rows. */
    public static double[][] combine(double[][] weights, double[][] rows) {
        double[][] out = new double[weights.length][rows[0].length];
        for (int i = 0; i < weights.length; i++) {
            for (int p = 0; p < rows.length; p++) {
                for (int j = 0; j < rows[p].length; j++) {
                    out[i][j] += weights[i][p] * rows[p][j];
                }
            }
        }
        return out;
    }

    /**
     * Asserts that the outputs at the interior points equal the interpolation of the vertex
     * outputs, to float32 tolerance relative to the outputs' scale.
     */
    public static void assertInterpolates(double[][] out, double[][] vertexOut, double[][] weights, Object what) {
        double scale = 1e-9;
        for (double[] row : vertexOut) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double[][] expected = combine(weights, vertexOut);
        for (int i = 0; i < out.length; i++) {
            for (int k = 0; k < out[i].length; k++) {
                assertThat(Math.abs(out[i][k] - expected[i][k]))
                        .as("interior point %d output %d vs barycentric interpolation in %s", i, k, what)
                        .isLessThanOrEqualTo(2e-5 * scale + 1e-6);
            }
        }
    }

    /** Asserts that no unit has vertices strictly on both sides of its kink (P x K pre-activations). */
    public static void assertNoStraddle(double[][] h, int layer, Object what) {
        for (int k = 0; k < h[0].length; k++) {
            boolean positive = false;
            boolean negative = false;
            for (double[] row : h) {
                positive |= row[k] > 0;
                negative |= row[k] < 0;
            }
            assertThat(positive && negative)
                    .as("layer %d unit %d straddles the kink in %s", layer, k, what)
                    .isFalse();
        }
    }
}
