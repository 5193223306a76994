package org.police4j.testing;

import java.util.Random;
import org.police4j.region.VertexRegion;

/** Inputs of multiples of 1/64 and small regions around the first of them, for the conv tests. */
public final class InputRegions {

    private InputRegions() {}

    /**
     * {@return n rows of d values, multiples of 1/64 in [0, 1): exact and short for the certificate}
     *
     * @param n rows
     * @param d values per row
     * @param seed the generator's seed
     */
    public static float[] grid64(int n, int d, long seed) {
        Random rng = new Random(seed);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(64) / 64f;
        }
        return x;
    }

    /**
     * The l1 ball of radius 1/4 around row 0 of {@code x} in the given coordinates: row 0 with
     * each coordinate moved by +1/4 and -1/4, 2 vertices per coordinate.
     *
     * @param x rows of d values (row 0 is the centre)
     * @param d values per row
     * @param name the region's name
     * @param coordinates the coordinates moved
     * @return the region
     */
    public static VertexRegion cross(float[] x, int d, String name, int... coordinates) {
        double[][] v = new double[2 * coordinates.length][d];
        for (int i = 0; i < coordinates.length; i++) {
            for (int s = 0; s < 2; s++) {
                for (int p = 0; p < d; p++) {
                    v[2 * i + s][p] = x[p];
                }
                v[2 * i + s][coordinates[i]] += s == 0 ? 0.25 : -0.25;
            }
        }
        return VertexRegion.of(name, v);
    }

    /**
     * {@return row 0 of x as a one-vertex region (no shift is ever active on it at margin 0)}
     *
     * @param x rows of d values
     * @param d values per row
     */
    public static VertexRegion point(float[] x, int d) {
        double[] v = new double[d];
        for (int p = 0; p < d; p++) {
            v[p] = x[p];
        }
        return VertexRegion.of("point", new double[][] {v});
    }
}
