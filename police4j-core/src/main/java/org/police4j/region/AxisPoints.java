package org.police4j.region;

import org.police4j.numeric.DoubleDouble;
import org.police4j.numeric.Rounding;

/**
 * The centre of a region and one point of the region along each coordinate it spans, {@code p_i =
 * c + d_i e_i} with {@code 0 < d_i <= r_i}, for a region inside the box {@code c + [-r, r]}: a
 * function affine on R is known on all of R from its values at these points, {@code |f(x)| <=
 * |f(c)| + sum_i k_i |f(p_i) - f(c)|} with {@code k_i >= r_i / d_i}. Why: the rounding guard's
 * double-double reference ({@code engine.VertexReference}) runs at points, and these few points
 * (D + 1) let it measure a region carried as an affine map (a box, an l1 ball) over all of R, as
 * it measures a vertex region at its vertices.
 *
 * <p>Each {@code c_i + d_i} is a double inside R: {@code c_i + r_i} rounded toward the centre when
 * a double cannot hold it, so {@code d_i} may be a little below {@code r_i}; {@code k_i} is then a
 * little above 1, rounded up.
 *
 * @param axes the coordinates the region spans (radius above 0), G of them
 * @param points {@code 1 + G} rows of D coordinates: the centre, then {@code p_i} for each of
 *     {@link #axes}
 * @param steps {@code d_i = p_i - c_i} rounded, for each of {@link #axes}
 * @param stepLows what the rounding left: {@code d_i = steps_i + stepLows_i} exactly
 * @param factors {@code k_i >= r_i / d_i}, for each of {@link #axes}
 */
public record AxisPoints(int[] axes, double[][] points, double[] steps, double[] stepLows, double[] factors) {

    /**
     * The points of a region inside the box {@code c + [-r, r]} whose points {@code c + r_i e_i}
     * lie in the region (a box, an l1 ball of radius r).
     *
     * @param center c
     * @param reach r, per coordinate
     * @return the points, or null when a coordinate's radius is too small for a double to step
     *     away from its centre
     */
    static AxisPoints of(double[] center, double[] reach) {
        int d = center.length;
        int g = 0;
        for (double r : reach) {
            g += r > 0 ? 1 : 0;
        }
        int[] axes = new int[g];
        double[][] points = new double[g + 1][];
        double[] steps = new double[g];
        double[] stepLows = new double[g];
        double[] factors = new double[g];
        points[0] = center.clone();
        for (int j = 0, i = 0; j < d; j++) {
            double r = reach[j];
            if (r == 0) {
                continue;
            }
            double c = center[j];
            double p = c + r;
            if (DoubleDouble.twoSumError(c, r, p) < 0) {
                p = Math.nextDown(p); // c + r was rounded up, out of R
            }
            double step = p - c;
            double stepLow = DoubleDouble.twoSumError(p, -c, step); // p - c = step + stepLow exactly
            double least = stepLow < 0 ? Math.nextDown(step) : step;
            if (!(least > 0)) {
                return null;
            }
            axes[i] = j;
            steps[i] = step;
            stepLows[i] = stepLow;
            factors[i] = Rounding.up(Math.nextUp(r / least));
            points[i + 1] = center.clone();
            points[i + 1][j] = p;
            i++;
        }
        return new AxisPoints(axes, points, steps, stepLows, factors);
    }

    /** {@return D, the region's dimension} */
    public int dimension() {
        return points[0].length;
    }

    /** {@return G, the number of points besides the centre} */
    public int spanned() {
        return axes.length;
    }
}
