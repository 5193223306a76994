package org.police4j.testing;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * An independent judge of the POLICE guarantee for tests and the guarantee battery: decides, in
 * exact rational arithmetic, whether a folded network is affine on the convex hull of a region's
 * points. It shares no code with {@code org.police4j.certify}, so a bug there cannot hide here.
 *
 * <p>Every number involved is a finite binary fraction (float32 weights and biases, double
 * vertices, double centres and radii), so {@link BigDecimal} addition and multiplication are
 * exact; nothing is ever divided or rounded. The activation's negative slope is taken as the
 * float32 value {@code (double) (float) slope}, which is what the deployed DJL network computes
 * (DJL's leaky-ReLU takes a float). A hidden unit is fine when all points' pre-activations are
 * {@code >= 0} or all are {@code <= 0} (a value exactly 0 is on both sides); if every unit of
 * every layer is fine, each layer is affine on the hull by induction and so is the network.
 *
 * <p>Support regions ({@link Box}, {@link L1Ball}, {@link Zonotope}) are turned into their exact
 * corners ({@code m +/- r} in BigDecimal, not in double), so a corner rounded into the region
 * cannot make a straddling unit look one-sided.
 */
public final class ExactChecker {

    /** Regions needing more points than this are refused (the exact evaluation is per point). */
    public static final int MAX_POINTS = 1 << 14;

    private ExactChecker() {}

    /**
     * The first unit, in (layer, unit) order, whose points lie strictly on both sides of the kink.
     *
     * @param layer the hidden layer, 0-based
     * @param unit the unit within the layer
     * @param min the smallest exact pre-activation over the points (negative)
     * @param max the largest exact pre-activation over the points (positive)
     */
    public record Straddle(int layer, int unit, BigDecimal min, BigDecimal max) {
        @Override
        public String toString() {
            return "layer " + layer + " unit " + unit + " in [" + min.doubleValue() + ", " + max.doubleValue() + "]";
        }
    }

    /**
     * The verdict on one region.
     *
     * @param affine true iff no hidden unit straddles the kink over the points
     * @param points how many points were evaluated
     * @param units how many hidden units were checked
     * @param straddles how many hidden units straddle the kink
     * @param first the first straddling unit, null when affine
     */
    public record Result(boolean affine, int points, int units, int straddles, Straddle first) {
        @Override
        public String toString() {
            return affine
                    ? "affine (" + units + " units, " + points + " points)"
                    : "NOT affine: " + straddles + " of " + units + " units straddle, first " + first;
        }
    }

    /** The slope below the kink as the deployed float32 network applies it, exactly. */
    public static BigDecimal deployedSlope(Cpa activation) {
        return new BigDecimal((double) (float) activation.negativeSlope());
    }

    /** Checks {@code net} on every region separately, in order. */
    public static List<Result> checkAll(FoldedNetwork net, List<? extends Region> regions) {
        List<Result> out = new ArrayList<>(regions.size());
        for (Region r : regions) {
            out.add(check(net, r));
        }
        return out;
    }

    /** Checks {@code net} on the exact points of {@code region} (see {@link #exactPoints}). */
    public static Result check(FoldedNetwork net, Region region) {
        return check(net, exactPoints(region, MAX_POINTS));
    }

    /** Checks {@code net} on the convex hull of the given double points. */
    public static Result check(FoldedNetwork net, double[][] points) {
        return check(net, exact(points));
    }

    /**
     * Checks {@code net} on the convex hull of the given exact points.
     *
     * @param net the folded network
     * @param points P rows of D exact coordinates, P &gt;= 1
     * @return the verdict
     */
    public static Result check(FoldedNetwork net, BigDecimal[][] points) {
        if (points.length == 0) {
            throw new IllegalArgumentException("points: none; expected at least one");
        }
        int d = net.inputDimension();
        for (int p = 0; p < points.length; p++) {
            if (points[p].length != d) {
                throw new IllegalArgumentException(
                        "points: row " + p + " has " + points[p].length + " coordinates, expected " + d);
            }
        }
        Cpa activation = net.activation();
        BigDecimal slope = deployedSlope(activation);
        BigDecimal[][] z = points;
        int units = 0;
        int straddles = 0;
        Straddle first = null;
        for (int l = 0; l < net.hidden().size(); l++) {
            Dense layer = net.hidden().get(l);
            BigDecimal[][] w = exact(layer.weight());
            BigDecimal[] b = exact(layer.bias());
            BigDecimal[][] h = new BigDecimal[z.length][];
            for (int p = 0; p < z.length; p++) {
                h[p] = affine(w, b, z[p]);
            }
            for (int k = 0; k < b.length; k++) {
                units++;
                BigDecimal min = h[0][k];
                BigDecimal max = h[0][k];
                for (int p = 1; p < h.length; p++) {
                    min = min.min(h[p][k]);
                    max = max.max(h[p][k]);
                }
                if (activation.singleKinkAtZero() ? min.signum() < 0 && max.signum() > 0 : crossesAKink(activation, min, max)) {
                    straddles++;
                    if (first == null) {
                        first = new Straddle(l, k, min, max);
                    }
                }
            }
            for (BigDecimal[] row : h) {
                for (int k = 0; k < row.length; k++) {
                    if (!activation.singleKinkAtZero()) {
                        row[k] = severalKinks(activation, row[k]);
                    } else if (row[k].signum() < 0) {
                        row[k] = row[k].multiply(slope);
                    }
                }
            }
            z = h;
        }
        return new Result(straddles == 0, points.length, units, straddles, first);
    }

    /** Whether some kink lies strictly between min and max (else one closed piece holds them all). */
    private static boolean crossesAKink(Cpa activation, BigDecimal min, BigDecimal max) {
        for (int i = 0; i < activation.kinkCount(); i++) {
            BigDecimal t = new BigDecimal(activation.kink(i));
            if (min.compareTo(t) < 0 && max.compareTo(t) > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * A continuous piecewise-affine activation from its definition, exactly: start at
     * {@code (t_0, f(t_0))} and walk along the pieces to x (the slopes and kinks are the float32
     * values the network holds).
     */
    static BigDecimal severalKinks(Cpa activation, BigDecimal x) {
        int m = activation.kinkCount();
        BigDecimal t0 = new BigDecimal(activation.kink(0));
        BigDecimal value = new BigDecimal(activation.valueAtFirstKink());
        if (x.compareTo(t0) <= 0) {
            return value.add(new BigDecimal(activation.slope(0)).multiply(x.subtract(t0)));
        }
        BigDecimal at = t0;
        for (int j = 1; j <= m; j++) {
            BigDecimal end = j < m ? new BigDecimal(activation.kink(j)) : null;
            BigDecimal stop = end == null || x.compareTo(end) < 0 ? x : end;
            value = value.add(new BigDecimal(activation.slope(j)).multiply(stop.subtract(at)));
            if (stop == x) {
                return value;
            }
            at = end;
        }
        return value;
    }

    private static BigDecimal[] affine(BigDecimal[][] w, BigDecimal[] b, BigDecimal[] z) {
        BigDecimal[] out = new BigDecimal[b.length];
        for (int k = 0; k < out.length; k++) {
            BigDecimal s = b[k];
            BigDecimal[] row = w[k];
            for (int j = 0; j < z.length; j++) {
                if (row[j].signum() != 0 && z[j].signum() != 0) {
                    s = s.add(row[j].multiply(z[j]));
                }
            }
            out[k] = s;
        }
        return out;
    }

    /**
     * The exact points whose convex hull is {@code region}: a vertex region's vertices; a box's
     * corners {@code m_j +/- r_j}; an l1 ball's {@code m +/- rho e_j}; a zonotope's {@code m + G u},
     * u in {-1, 1}^g; all computed in BigDecimal.
     *
     * @param region the region
     * @param maxPoints refuse beyond this many points
     * @return P rows of D exact coordinates
     * @throws IllegalArgumentException if the region needs more than {@code maxPoints} points or
     *     is of a kind this checker does not know
     */
    public static BigDecimal[][] exactPoints(Region region, int maxPoints) {
        if (region instanceof VertexRegion v) {
            return exact(v.vertices());
        }
        int d = region.dimension();
        BigDecimal[] m = exact(region.center());
        if (region instanceof Box box) {
            BigDecimal[] r = exact(box.radii());
            if (d > 30 || (1L << d) > maxPoints) {
                throw new IllegalArgumentException("region: a box in " + d + "-D has 2^" + d + " corners, above " + maxPoints);
            }
            BigDecimal[][] out = new BigDecimal[1 << d][d];
            for (int code = 0; code < out.length; code++) {
                for (int j = 0; j < d; j++) {
                    out[code][j] = ((code >> j) & 1) == 1 ? m[j].add(r[j]) : m[j].subtract(r[j]);
                }
            }
            return out;
        }
        if (region instanceof L1Ball ball) {
            if (2L * d > maxPoints) {
                throw new IllegalArgumentException("region: an l1 ball in " + d + "-D has " + 2 * d + " corners, above " + maxPoints);
            }
            BigDecimal rho = new BigDecimal(finite(ball.radius()));
            BigDecimal[][] out = new BigDecimal[2 * d][];
            for (int j = 0; j < d; j++) {
                out[2 * j] = m.clone();
                out[2 * j][j] = m[j].add(rho);
                out[2 * j + 1] = m.clone();
                out[2 * j + 1][j] = m[j].subtract(rho);
            }
            return out;
        }
        if (region instanceof Zonotope z) {
            BigDecimal[][] g = exact(z.generators());
            int count = z.generatorCount();
            if (count > 30 || (1L << count) > maxPoints) {
                throw new IllegalArgumentException(
                        "region: a zonotope with " + count + " generators has 2^" + count + " points, above " + maxPoints);
            }
            BigDecimal[][] out = new BigDecimal[1 << count][];
            for (int code = 0; code < out.length; code++) {
                BigDecimal[] x = m.clone();
                for (int k = 0; k < count; k++) {
                    boolean plus = ((code >> k) & 1) == 1;
                    for (int j = 0; j < d; j++) {
                        x[j] = plus ? x[j].add(g[j][k]) : x[j].subtract(g[j][k]);
                    }
                }
                out[code] = x;
            }
            return out;
        }
        throw new IllegalArgumentException(
                "region: " + region.describe() + " is neither a vertex region nor a box, l1 ball or zonotope");
    }

    /** Exact copies of double rows. */
    public static BigDecimal[][] exact(double[][] rows) {
        BigDecimal[][] out = new BigDecimal[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = exact(rows[i]);
        }
        return out;
    }

    private static BigDecimal[] exact(double[] row) {
        BigDecimal[] out = new BigDecimal[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = new BigDecimal(finite(row[j]));
        }
        return out;
    }

    private static double finite(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("exact checker: a weight, bias or coordinate is " + v + ", not finite");
        }
        return v;
    }

    private static BigDecimal[][] exact(float[][] rows) {
        BigDecimal[][] out = new BigDecimal[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = exact(rows[i]);
        }
        return out;
    }

    private static BigDecimal[] exact(float[] row) {
        BigDecimal[] out = new BigDecimal[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = new BigDecimal(finite(row[j]));
        }
        return out;
    }
}
