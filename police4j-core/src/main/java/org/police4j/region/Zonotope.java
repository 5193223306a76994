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
 * The zonotope {@code {m + G u : |u|_inf <= 1}} with D x g generator matrix G: boxes, rotated
 * boxes, parallelepipeds and segments sums, all with a closed-form range
 * {@code a.m -/+ sum_g |a.G_g|}.
 */
public final class Zonotope implements SupportRegion {

    /** The kind in a {@link RegionRecord}. */
    static final String KIND = "zonotope";

    private static final String DEFAULT_NAME = "zonotope";

    private final String name;
    private final double[] center;
    private final double[][] generators;

    private Zonotope(String name, double[] center, double[][] generators) {
        this.name = name;
        this.center = SupportRegion.checkedCenter(center, "zonotope");
        if (generators == null || generators.length != center.length) {
            throw new IllegalArgumentException(
                    "zonotope: generators must have " + center.length + " rows (one per coordinate), got "
                            + (generators == null ? "none" : generators.length));
        }
        int g = generators[0].length;
        this.generators = new double[generators.length][];
        for (int j = 0; j < generators.length; j++) {
            if (generators[j].length != g) {
                throw new IllegalArgumentException(
                        "zonotope: generator row " + j + " has " + generators[j].length + " entries, expected " + g);
            }
            for (int k = 0; k < g; k++) {
                Float32.require("zonotope: generator entry (" + j + ", " + k + ")", generators[j][k]);
            }
            this.generators[j] = generators[j].clone();
        }
        double[] reach = new double[center.length];
        for (int j = 0; j < center.length; j++) {
            for (double x : this.generators[j]) {
                reach[j] += Math.abs(x);
            }
        }
        SupportRegion.checkReach("zonotope", center, reach);
    }

    /**
     * The zonotope {@code {m + G t : t in [-1, 1]^g}}.
     *
     * @param center m
     * @param generators D x g matrix G
     * @return the zonotope
     */
    public static Zonotope of(double[] center, double[][] generators) {
        return new Zonotope(DEFAULT_NAME, center, generators);
    }

    /** {@code sum_k |g_jk|} per coordinate, rounded up. */
    @Override
    public double[] halfExtents() {
        double[] e = new double[generators.length];
        for (int j = 0; j < e.length; j++) {
            double sum = 0;
            for (double g : generators[j]) {
                sum += Math.abs(g);
            }
            e[j] = Rounding.up(sum);
        }
        return e;
    }

    /** {@return the D x g generator matrix (a copy)} */
    public double[][] generators() {
        double[][] g = new double[generators.length][];
        for (int j = 0; j < g.length; j++) {
            g[j] = generators[j].clone();
        }
        return g;
    }

    /** {@return g, the number of generators} */
    public int generatorCount() {
        return generators[0].length;
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
        double s = 0;
        for (int k = 0; k < generatorCount(); k++) {
            double dot = 0;
            for (int j = 0; j < a.length; j++) {
                dot += a[j] * generators[j][k];
            }
            s += Math.abs(dot);
        }
        return s;
    }

    /** {@code sum_g |(G^T A^T)_gk|}, with {@code G^T} (g x D) made once. */
    @Override
    public UnaryOperator<NDArray> halfWidths(NDManager manager, DataType dataType) {
        int d = generators.length;
        double[][] gt = new double[generatorCount()][d];
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < gt.length; k++) {
                gt[k][j] = generators[j][k];
            }
        }
        NDArray g = manager.create(gt).toType(dataType, false);
        return at -> g.matMul(at).abs().sum(new int[] {0});
    }

    /**
     * {@code sum_g (|fl(a G_g)| + sum_j (gamma_D |a_j| + aRadius_j + MIN_NORMAL) |G_jg|)}, rounded
     * up: the dot product's own rounding and the interval's width, per generator.
     */
    @Override
    public double halfWidthBound(double[] a, double[] aRadius) {
        SupportRegion.checkRow(a, aRadius, generators.length);
        int d = generators.length;
        int gc = generatorCount();
        double gm = Rounding.gamma(d);
        double[] dot = new double[gc];
        double[] bound = new double[gc];
        for (int j = 0; j < d; j++) {
            double aj = a[j];
            double mj = gm * Math.abs(aj) + aRadius[j] + Double.MIN_NORMAL;
            double[] gj = generators[j];
            for (int t = 0; t < gc; t++) {
                dot[t] += aj * gj[t];
                bound[t] += mj * Math.abs(gj[t]);
            }
        }
        double s = 0;
        for (int t = 0; t < gc; t++) {
            s += Math.abs(dot[t]) + bound[t];
        }
        return Rounding.up(s, d + gc + 6);
    }

    /** {@return {@code m + G t} for a sign vector t} */
    @Override
    public double[] extremePoint(Random random) {
        double[] x = center.clone();
        for (int t = 0; t < generatorCount(); t++) {
            double s = random.nextBoolean() ? 1 : -1;
            for (int j = 0; j < x.length; j++) {
                x[j] += s * generators[j][t];
            }
        }
        return x;
    }

    /** Membership through the vertex form (an LP), so only in low generator counts. */
    @Override
    public boolean contains(double[] x, double tolerance) {
        return toVertexRegion(1 << 16).contains(x, tolerance);
    }

    /** Uniform u in the cube, mapped: reaches every point of the zonotope. */
    @Override
    public double[][] sample(int n, Random rng) {
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] x = center.clone();
            for (int k = 0; k < generatorCount(); k++) {
                double u = 2 * rng.nextDouble() - 1;
                for (int j = 0; j < x.length; j++) {
                    x[j] += generators[j][k] * u;
                }
            }
            out[i] = x;
        }
        return out;
    }

    /**
     * The 2^g points {@code m + G u} when every coordinate is exactly a double, else null: moving
     * the corners of a thin zonotope outward coordinate by coordinate need not keep its hull
     * around it, so inexact corners go to the support certificate instead.
     */
    @Override
    public VertexRegion enclosingPoints(int maxPoints) {
        int g = generatorCount();
        if (g > 30 || (1L << g) > maxPoints) {
            return null;
        }
        VertexRegion points = toVertexRegion(maxPoints);
        double[][] v = points.vertices();
        for (int code = 0; code < v.length; code++) {
            for (int j = 0; j < center.length; j++) {
                java.math.BigDecimal exact = new java.math.BigDecimal(center[j]);
                for (int k = 0; k < g; k++) {
                    java.math.BigDecimal gk = new java.math.BigDecimal(generators[j][k]);
                    exact = ((code >> k) & 1) == 1 ? exact.add(gk) : exact.subtract(gk);
                }
                if (exact.compareTo(new java.math.BigDecimal(v[code][j])) != 0) {
                    return null;
                }
            }
        }
        return points;
    }

    /** The 2^g points {@code m + G u}, u in {-1, 1}^g, whose hull is the zonotope (rounded to nearest). */
    @Override
    public VertexRegion toVertexRegion(int maxPoints) {
        int g = generatorCount();
        if (g > 30 || (1L << g) > maxPoints) {
            throw new IllegalArgumentException("zonotope: 2^" + g + " points exceed the limit of " + maxPoints);
        }
        double[][] v = new double[1 << g][];
        for (int code = 0; code < v.length; code++) {
            double[] x = center.clone();
            for (int k = 0; k < g; k++) {
                double u = ((code >> k) & 1) == 1 ? 1 : -1;
                for (int j = 0; j < x.length; j++) {
                    x[j] += generators[j][k] * u;
                }
            }
            v[code] = x;
        }
        return VertexRegion.of(name, v);
    }

    @Override
    public String describe() {
        return name + ": zonotope with " + generatorCount() + " generators in " + center.length + "-D";
    }

    /** The zonotope with the centre mapped and generator row j divided by {@code std_j}, named "zonotope". */
    @Override
    public Zonotope standardized(double[] mean, double[] std) {
        CoordinateScaling s = CoordinateScaling.of(mean, std, center.length);
        return of(s.point(center), s.directions(generators));
    }

    /** The hull of m and {@code m + G_k} for each generator. */
    @Override
    public AffineHull affineHull() {
        int g = generatorCount();
        double[][] points = new double[g + 1][];
        points[0] = center.clone();
        for (int k = 0; k < g; k++) {
            double[] p = center.clone();
            for (int j = 0; j < p.length; j++) {
                p[j] += generators[j][k];
            }
            points[k + 1] = p;
        }
        return AffineHull.of(points);
    }

    /** The kind "zonotope", the centre and the D x g generators. */
    @Override
    public RegionRecord record() {
        return RegionRecord.of(KIND, name).put("center", center).put("generators", generators);
    }

    /** The zonotope {@link #record()} wrote; named "zonotope" when the format kept no name. */
    static Zonotope fromRecord(RegionRecord r) {
        return new Zonotope(r.name() == null ? DEFAULT_NAME : r.name(), r.vector("center"), r.matrix("generators"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Zonotope z && Arrays.equals(center, z.center) && Arrays.deepEquals(generators, z.generators);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(center) * 31 + Arrays.deepHashCode(generators);
    }

    @Override
    public String toString() {
        return describe();
    }
}
