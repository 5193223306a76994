package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;

/**
 * Pins down a continuous piecewise-affine activation with several kinks by running the block:
 * on a grid (step 1/8 on [-64, 64], then doubling out to 2^20) the slope of each segment is
 * read, runs of equal slope are the pieces, each kink is computed from the two adjacent pieces'
 * lines (their intersection), and kinks, slopes and the value at the first kink are snapped to
 * the shortest decimal float32 that fits. The candidate is then <em>verified</em> on many more
 * points: the grid, every kink and points at relative distances 1e-6 to 10 on both sides of it,
 * tiny and huge magnitudes (to 1e20). ReLU6 and hard-tanh must match bit for bit (they are
 * clamps, exact in float32); any other function within a few float32 units of its magnitude
 * (its formula rounds differently from the user's). Anything else is no finding: a smooth
 * function has a slope change at every grid point, a function piecewise affine only near zero
 * fails the far points.
 */
final class KinkProbe {

    /** More slope changes than this on the grid is not an activation this probe pins down. */
    private static final int MAX_KINKS = 16;

    private KinkProbe() {}

    /** The probe grid: fine near zero, doubling far out. */
    static float[] grid() {
        List<Float> g = new ArrayList<>();
        for (float x = -(1 << 20); x < -64; x /= 2) {
            g.add(x);
        }
        for (int i = -512; i <= 512; i++) {
            g.add(i / 8f);
        }
        for (float x = 128; x <= (1 << 20); x *= 2) {
            g.add(x);
        }
        float[] v = new float[g.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = g.get(i);
        }
        return v;
    }

    /**
     * The activation {@code block} computes, when it is one with at least one kink that this
     * probe pins down and verifies.
     *
     * @param block a parameterless block that runs element-wise
     * @return the activation, or null
     */
    static Cpa find(Block block) {
        float[] x = grid();
        float[] y = run(block, x);
        if (y == null) {
            return null;
        }
        int n = x.length;
        double[] slope = new double[n - 1];
        for (int i = 0; i + 1 < n; i++) {
            if (!Float.isFinite(y[i]) || !Float.isFinite(y[i + 1])) {
                return null;
            }
            slope[i] = ((double) y[i + 1] - y[i]) / ((double) x[i + 1] - x[i]);
        }
        // runs of equal slope (up to the rounding of the outputs): the pieces
        List<int[]> runs = new ArrayList<>(); // {first segment, last segment}
        int start = 0;
        for (int i = 1; i <= n - 1; i++) {
            if (i == n - 1 || !same(slope[start], slope[i], x, y, start, i)) {
                runs.add(new int[] {start, i - 1});
                start = i;
            }
        }
        // a single segment between two runs whose lines cross inside it holds a kink, not a piece
        List<double[]> lines = new ArrayList<>(); // {slope, intercept, from x, to x}
        for (int r = 0; r < runs.size(); r++) {
            int[] run = runs.get(r);
            if (run[0] == run[1] && r > 0 && r + 1 < runs.size()) {
                double[] left = line(x, y, runs.get(r - 1));
                double[] right = line(x, y, runs.get(r + 1));
                double t = cross(left, right);
                if (t >= x[run[0]] && t <= x[run[1] + 1]) {
                    continue;
                }
            }
            lines.add(line(x, y, run));
        }
        int m = lines.size() - 1;
        if (m < 1 || m > MAX_KINKS) {
            return null;
        }
        double[] kinks = new double[m];
        double[] slopes = new double[m + 1];
        for (int j = 0; j <= m; j++) {
            slopes[j] = snap(lines.get(j)[0], 1e-6 * Math.max(1e-3, Math.abs(lines.get(j)[0])));
        }
        for (int i = 0; i < m; i++) {
            double t = cross(lines.get(i), lines.get(i + 1));
            if (!Double.isFinite(t)) {
                return null;
            }
            kinks[i] = snap(t, 1e-5 * Math.max(1, Math.abs(t)));
        }
        double v = lines.get(0)[0] * kinks[0] + lines.get(0)[1];
        double first = snap(v, 1e-5 * Math.max(1, Math.abs(v)));
        Cpa candidate;
        try {
            candidate = Cpa.piecewise(kinks, slopes, first);
        } catch (IllegalArgumentException e) {
            return null; // e.g. two pieces with the same slope after snapping: no kink between them
        }
        return verified(block, candidate) ? candidate : null;
    }

    /** Whether the block computes the candidate on the grid and around every kink. */
    private static boolean verified(Block block, Cpa cpa) {
        List<Float> points = new ArrayList<>();
        for (float g : grid()) {
            points.add(g);
        }
        float[] far = {0f, 1e-30f, 1e-7f, 1e-3f, 0.3f, 3e3f, 1e5f, 1e7f, 1e10f, 1e20f};
        for (float f : far) {
            points.add(f);
            points.add(-f);
        }
        double[] distances = {1e-6, 1e-4, 1e-2, 0.1, 0.37, 1, 10};
        for (int i = 0; i < cpa.kinkCount(); i++) {
            double t = cpa.kink(i);
            points.add((float) t);
            points.add(Math.nextUp((float) t));
            points.add(Math.nextDown((float) t));
            for (double d : distances) {
                double step = d * Math.max(1, Math.abs(t));
                points.add((float) (t - step));
                points.add((float) (t + step));
            }
        }
        float[] x = new float[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i);
        }
        float[] y = run(block, x);
        if (y == null) {
            return false;
        }
        boolean exact = cpa.kind() != Cpa.Kind.PIECEWISE;
        double reach = 0; // |f(x)| <= reach * (|x| + 1) bounds the rounding the tolerance allows
        for (int i = 0; i < cpa.kinkCount(); i++) {
            reach = Math.max(reach, Math.abs(cpa.kink(i)));
        }
        for (int i = 0; i < x.length; i++) {
            double expected = cpa.apply((double) x[i]);
            if (exact) {
                if ((float) expected != y[i]) {
                    return false;
                }
            } else {
                double scale = cpa.lipschitz() * (Math.abs(x[i]) + reach) + Math.abs(cpa.apply(0.0));
                if (!(Math.abs(expected - y[i]) <= 0x1p-20 * scale)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether segment i continues the run starting at segment s (same slope, up to rounding). */
    private static boolean same(double runSlope, double slope, float[] x, float[] y, int s, int i) {
        double size = Math.max(Math.abs(y[i]), Math.abs(y[i + 1])) + Math.abs(y[s]) + 1e-30;
        double width = (double) x[i + 1] - x[i];
        return Math.abs(slope - runSlope) <= 4 * 0x1p-24 * size / width + 1e-12 * Math.abs(runSlope);
    }

    /** The line through a run's first and last grid points: {slope, intercept}. */
    private static double[] line(float[] x, float[] y, int[] run) {
        double x0 = x[run[0]];
        double x1 = x[run[1] + 1];
        double a = ((double) y[run[1] + 1] - y[run[0]]) / (x1 - x0);
        return new double[] {a, y[run[0]] - a * x0};
    }

    private static double cross(double[] left, double[] right) {
        return (right[1] - left[1]) / (left[0] - right[0]);
    }

    /** The float32 value with the fewest significant decimal digits within {@code tolerance} of v. */
    private static double snap(double v, double tolerance) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        for (int digits = 1; digits <= 9; digits++) {
            double c = (float) new BigDecimal(v).round(new MathContext(digits)).doubleValue();
            if (Math.abs(c - v) <= tolerance) {
                return c;
            }
        }
        return (float) v;
    }

    /** The block on a (1, n) float32 row, or null when it does not give one back. */
    private static float[] run(Block block, float[] x) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = ActivationProbe.run(block, manager, manager.create(x, new Shape(1, x.length)));
            if (y == null || !y.getShape().equals(new Shape(1, x.length)) || y.getDataType() != DataType.FLOAT32) {
                return null;
            }
            return y.toFloatArray();
        }
    }
}
