package org.police4j.testing;

import java.util.Arrays;
import java.util.function.Function;

/** The range of each unit's value over a set of points, and the unit whose range is widest. */
public final class UnitRanges {

    /** Per unit, the smallest value. */
    public final double[] lo;
    /** Per unit, the largest value. */
    public final double[] hi;

    private UnitRanges(int units) {
        lo = new double[units];
        hi = new double[units];
        Arrays.fill(lo, Double.POSITIVE_INFINITY);
        Arrays.fill(hi, Double.NEGATIVE_INFINITY);
    }

    /**
     * {@return the ranges of {@code units} values over the points}
     *
     * @param points the points
     * @param units how many values each point gives
     * @param values a point's values (at least {@code units} of them)
     */
    public static UnitRanges over(double[][] points, int units, Function<double[], double[]> values) {
        UnitRanges r = new UnitRanges(units);
        for (double[] p : points) {
            double[] v = values.apply(p);
            for (int u = 0; u < units; u++) {
                r.lo[u] = Math.min(r.lo[u], v[u]);
                r.hi[u] = Math.max(r.hi[u], v[u]);
            }
        }
        return r;
    }

    /** {@return the unit with the widest range (the first on ties)} */
    public int widest() {
        int widest = 0;
        for (int u = 1; u < lo.length; u++) {
            if (hi[u] - lo[u] > hi[widest] - lo[widest]) {
                widest = u;
            }
        }
        return widest;
    }
}
