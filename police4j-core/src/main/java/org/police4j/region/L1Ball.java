package org.police4j.region;

import org.police4j.numeric.Float32;

import org.police4j.numeric.Rounding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * The l1 ball (cross-polytope) {@code {x : |x - m|_1 <= rho}} given by centre and radius: 2D
 * vertices, but the engine needs none of them, since the range of {@code a.x} is
 * {@code a.m -/+ rho max_j |a_j|}.
 */
public final class L1Ball implements SupportRegion {

    /** The kind in a {@link RegionRecord}. */
    static final String KIND = "l1ball";

    private static final String DEFAULT_NAME = "l1 ball";

    private final String name;
    private final double[] center;
    private final double radius;

    private L1Ball(String name, double[] center, double radius) {
        this.name = name;
        this.center = SupportRegion.checkedCenter(center, "l1 ball");
        if (!(radius >= 0)) {
            throw new IllegalArgumentException("l1 ball: radius is " + radius + "; expected a finite value >= 0");
        }
        Float32.require("l1 ball: radius", radius);
        double[] reach = new double[center.length];
        java.util.Arrays.fill(reach, radius);
        SupportRegion.checkReach("l1 ball", center, reach);
        this.radius = radius;
    }

    /**
     * The l1 ball of radius {@code radius} around {@code center}.
     *
     * @param center m, finite coordinates
     * @param radius rho, finite and {@code >= 0}
     * @return the ball
     */
    public static L1Ball of(double[] center, double radius) {
        return new L1Ball(DEFAULT_NAME, center, radius);
    }

    /** The radius along every coordinate. */
    @Override
    public double[] halfExtents() {
        double[] e = new double[center.length];
        java.util.Arrays.fill(e, radius);
        return e;
    }

    /** {@return the radius rho} */
    public double radius() {
        return radius;
    }

    /** {@return c and c + rho e_j along each coordinate, vertices of the ball (rounded into R)} */
    @Override
    public AxisPoints axisPoints() {
        return AxisPoints.of(center, reach());
    }

    private double[] reach() {
        double[] r = new double[center.length];
        java.util.Arrays.fill(r, radius);
        return r;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int dimension() {
        return center.length;
    }

    @Override
    public double[] center() {
        return center.clone();
    }

    @Override
    public double halfWidth(double[] a) {
        SupportRegion.checkPoint(a, center.length);
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return radius * m;
    }

    /**
     * {@code rho max_j |A^T_jk|}. The radius is an array of {@code manager}, not a {@code Number}:
     * DJL frees a number's 0-d array before autograd's backward reads it (see
     * {@link org.police4j.engine.Scalar}).
     */
    @Override
    public UnaryOperator<NDArray> halfWidths(NDManager manager, DataType dataType) {
        NDArray rho = manager.create(radius).toType(dataType, false);
        return at -> at.abs().max(new int[] {0}).mul(rho);
    }

    /** {@code rho max_j (|a_j| + aRadius_j)}, rounded up (a NaN propagates). */
    @Override
    public double halfWidthBound(double[] a, double[] aRadius) {
        SupportRegion.checkRow(a, aRadius, center.length);
        double mx = 0;
        for (int j = 0; j < a.length; j++) {
            double v = Math.abs(a[j]) + aRadius[j];
            if (!(v <= mx)) {
                mx = v;
            }
        }
        return Rounding.up(radius * mx, 3);
    }

    /** {@return a vertex, {@code m -/+ rho e_j}} */
    @Override
    public double[] extremePoint(Random random) {
        double[] x = center.clone();
        int j = random.nextInt(x.length);
        x[j] += random.nextBoolean() ? radius : -radius;
        return x;
    }

    @Override
    public boolean contains(double[] x, double tolerance) {
        SupportRegion.checkPoint(x, center.length);
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            s += Math.abs(x[j] - center[j]);
        }
        return s <= radius + tolerance;
    }

    /** Random convex combinations of the 2D vertices (Dirichlet weights), like a vertex region. */
    @Override
    public double[][] sample(int n, Random rng) {
        int d = center.length;
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] x = center.clone();
            double[] w = new double[2 * d];
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                w[k] = -Math.log(1 - rng.nextDouble());
                sum += w[k];
            }
            for (int j = 0; j < d; j++) {
                x[j] += radius * (w[2 * j] - w[2 * j + 1]) / sum;
            }
            out[i] = x;
        }
        return out;
    }

    @Override
    public VertexRegion toVertexRegion(int maxPoints) {
        int d = center.length;
        if (2L * d > maxPoints) {
            throw new IllegalArgumentException("l1 ball: " + (2 * d) + " vertices exceed the limit of " + maxPoints);
        }
        double[][] v = new double[2 * d][];
        for (int j = 0; j < d; j++) {
            v[2 * j] = center.clone();
            v[2 * j][j] += radius;
            v[2 * j + 1] = center.clone();
            v[2 * j + 1][j] -= radius;
        }
        return VertexRegion.of(name, v);
    }

    /**
     * The 2D points {@code m +/- r e_j}, each moved coordinate rounded away from the centre: a
     * cross-polytope with every semi-axis at least r, so it contains the ball.
     */
    @Override
    public VertexRegion enclosingPoints(int maxPoints) {
        int d = center.length;
        if (2L * d > maxPoints) {
            return null;
        }
        double[][] v = new double[2 * d][];
        for (int j = 0; j < d; j++) {
            v[2 * j] = center.clone();
            v[2 * j][j] = SupportRegion.outward(center[j], radius, 1);
            v[2 * j + 1] = center.clone();
            v[2 * j + 1][j] = SupportRegion.outward(center[j], radius, -1);
        }
        return VertexRegion.of(name, v);
    }

    @Override
    public String describe() {
        return name + ": l1 ball of radius " + radius + " in " + center.length + "-D";
    }

    /**
     * The vertex region of the 2D vertices {@code m + rho e_j, m - rho e_j} (in that order, j
     * ascending), each mapped, the name kept: per-coordinate scaling turns the ball into a
     * cross-polytope whose semi-axes differ, which is no longer an l1 ball.
     */
    @Override
    public VertexRegion standardized(double[] mean, double[] std) {
        CoordinateScaling s = CoordinateScaling.of(mean, std, center.length);
        double[][] v = new double[2 * center.length][];
        for (int j = 0; j < center.length; j++) {
            for (int sgn = 0; sgn < 2; sgn++) {
                double[] p = center.clone();
                p[j] += sgn == 0 ? radius : -radius;
                v[2 * j + sgn] = p;
            }
        }
        return VertexRegion.of(name, s.points(v));
    }

    /** The hull of m and {@code m + rho e_j}: a point when the radius is 0. */
    @Override
    public AffineHull affineHull() {
        double[][] points = new double[center.length + 1][];
        points[0] = center.clone();
        for (int j = 0; j < center.length; j++) {
            points[j + 1] = center.clone();
            points[j + 1][j] += radius;
        }
        return AffineHull.of(points);
    }

    /** The kind "l1ball", the centre and the radius. */
    @Override
    public RegionRecord record() {
        return RegionRecord.of(KIND, name).put("center", center).put("radius", radius);
    }

    /** The ball {@link #record()} wrote; named "l1 ball" when the format kept no name. */
    static L1Ball fromRecord(RegionRecord r) {
        return new L1Ball(r.name() == null ? DEFAULT_NAME : r.name(), r.vector("center"), r.number("radius"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof L1Ball b && radius == b.radius && Arrays.equals(center, b.center);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(center) * 31 + Double.hashCode(radius);
    }

    @Override
    public String toString() {
        return describe();
    }
}
