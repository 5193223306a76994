package org.police4j.region;

import org.police4j.numeric.Float32;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.PivotSelectionRule;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;

/**
 * A convex polytope given by its vertices (V-representation): the region is the convex hull of
 * the vertices. This is the form POLICE needs, since its constraint is checked vertex by vertex.
 *
 * <p>The vertices need not be extreme points: an interior point listed as a "vertex" does not
 * change the hull, it only costs one more vote. <b>Exact duplicate rows are removed</b> (the first
 * occurrence is kept, order otherwise preserved), because POLICE's majority vote counts distinct
 * vertices and a repeated vertex would silently count twice. Rows are compared coordinate by
 * coordinate with {@code ==}, so {@code -0.0} and {@code 0.0} are the same; stored coordinates
 * are normalised so that {@code -0.0} becomes {@code 0.0}.
 *
 * <p>Instances are immutable; every accessor returns a copy.
 */
public final class VertexRegion implements Region {

    /** The kind in a {@link RegionRecord}. */
    static final String KIND = "vertices";

    private final String name;
    private final double[][] vertices;
    private final double[] center;

    private VertexRegion(String name, double[][] vertices) {
        this.name = name;
        this.vertices = vertices;
        this.center = mean(vertices);
    }

    /**
     * An unnamed vertex region; see {@link #of(String, double[][])}.
     *
     * @param vertices P rows of D finite coordinates
     * @return the region (duplicates removed)
     * @throws IllegalArgumentException if the vertices are null, empty, ragged, 0-D or not finite
     */
    public static VertexRegion of(double[][] vertices) {
        return of("", vertices);
    }

    /**
     * A named vertex region from float32 coordinates (widened exactly to double), as DJL users
     * hold their data.
     *
     * @param name a label; empty for none
     * @param vertices P rows of D finite coordinates
     * @return the region
     * @throws IllegalArgumentException as {@link #of(String, double[][])}
     */
    public static VertexRegion of(String name, float[][] vertices) {
        return of(name, Floats.widen(vertices, "vertices"));
    }

    /**
     * A named vertex region from an engine array, so that vertices computed with DJL need no
     * conversion by hand.
     *
     * @param name a label; empty for none
     * @param vertices P x D, any floating-point dtype (widened exactly to double)
     * @return the region
     * @throws IllegalArgumentException if the array is not 2-D or its values are not finite
     */
    public static VertexRegion of(String name, NDArray vertices) {
        if (vertices == null || vertices.getShape().dimension() != 2) {
            throw new IllegalArgumentException("vertices: shape "
                    + (vertices == null ? "null" : vertices.getShape()) + "; expected (P, D)");
        }
        int p = (int) vertices.getShape().get(0);
        int d = (int) vertices.getShape().get(1);
        double[] flat = vertices.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] rows = new double[p][d];
        for (int i = 0; i < p; i++) {
            System.arraycopy(flat, i * d, rows[i], 0, d);
        }
        return of(name, rows);
    }

    /**
     * A named vertex region. The name only serves reports and file names.
     *
     * @param name a label such as "square"; empty for none
     * @param vertices P rows of D finite coordinates; exact duplicate rows are dropped
     * @return the region
     * @throws IllegalArgumentException if the name is null, or the vertices are null, empty,
     *     ragged, 0-D or not finite
     */
    public static VertexRegion of(String name, double[][] vertices) {
        if (name == null) {
            throw new IllegalArgumentException(
                    "name: is null; expected a label (use \"\" for an unnamed region)");
        }
        if (vertices == null || vertices.length == 0) {
            throw new IllegalArgumentException(
                    "vertices: the region is empty; expected at least one vertex");
        }
        int d = validateRows(vertices);
        Set<Row> seen = new HashSet<>();
        List<double[]> kept = new ArrayList<>(vertices.length);
        for (double[] v : vertices) {
            double[] copy = new double[d];
            for (int j = 0; j < d; j++) {
                copy[j] = v[j] + 0.0; // turns -0.0 into 0.0, so equal rows hash equally
            }
            if (seen.add(new Row(copy))) {
                kept.add(copy);
            }
        }
        return new VertexRegion(name, kept.toArray(new double[0][]));
    }

    private static int validateRows(double[][] vertices) {
        if (vertices[0] == null) {
            throw new IllegalArgumentException(
                    "vertices: row 0 is null; expected an array of coordinates");
        }
        int d = vertices[0].length;
        if (d == 0) {
            throw new IllegalArgumentException(
                    "vertices: row 0 has 0 coordinates; expected at least 1 (a 0-D region has"
                            + " nothing to police)");
        }
        for (int i = 0; i < vertices.length; i++) {
            double[] v = vertices[i];
            if (v == null) {
                throw new IllegalArgumentException(
                        "vertices: row " + i + " is null; expected " + d + " coordinates like row 0");
            }
            if (v.length != d) {
                throw new IllegalArgumentException(
                        "vertices: row " + i + " has " + v.length + " coordinates, expected " + d
                                + " like row 0");
            }
            for (int j = 0; j < d; j++) {
                Float32.require("vertices: row " + i + ", column " + j, v[j]);
            }
        }
        return d;
    }

    private static double[] mean(double[][] vertices) {
        int d = vertices[0].length;
        double[] m = new double[d];
        for (double[] v : vertices) {
            for (int j = 0; j < d; j++) {
                m[j] += v[j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= vertices.length;
        }
        return m;
    }

    /** The label given at construction ("" if none). */
    public String name() {
        return name;
    }

    /** {@return the number of distinct vertices P, i.e. the number of votes in POLICE's majority vote} */
    public int vertexCount() {
        return vertices.length;
    }

    /** {@return a deep copy of the P x D vertex matrix, so callers cannot change the region} */
    public double[][] vertices() {
        double[][] copy = new double[vertices.length][];
        for (int i = 0; i < vertices.length; i++) {
            copy[i] = vertices[i].clone();
        }
        return copy;
    }

    /**
     * A copy of vertex i.
     *
     * @param i index in {@code [0, vertexCount())}
     * @return the vertex's coordinates
     */
    public double[] vertex(int i) {
        if (i < 0 || i >= vertices.length) {
            throw new IllegalArgumentException(
                    "i: " + i + " is out of range; expected 0 <= i < " + vertices.length);
        }
        return vertices[i].clone();
    }

    @Override
    public int dimension() {
        return vertices[0].length;
    }

    /** The mean of the vertices: inside the hull by convexity, hence a safe "middle". */
    @Override
    public double[] center() {
        return center.clone();
    }

    /** The largest {@code |v_pj|} of the vertices, per coordinate (exact). */
    @Override
    public double[] magnitude() {
        double[] m = new double[dimension()];
        for (double[] v : vertices) {
            for (int j = 0; j < m.length; j++) {
                m[j] = Math.max(m[j], Math.abs(v[j]));
            }
        }
        return m;
    }

    /**
     * The scale s when the vertices are exactly the origin followed by {@code s e_1, ..., s e_D}
     * (the paper's simplex {@code [0; I]/sqrt(D)}), else NaN. For such a region the first layer's
     * vertex pre-activations are {@code [b; s W^T + b]}, which needs no matrix product.
     *
     * @return s, or NaN
     */
    public double axisSimplexScale() {
        int d = center.length;
        if (vertices.length != d + 1) {
            return Double.NaN;
        }
        double s = vertices[1][0];
        for (int p = 0; p <= d; p++) {
            for (int j = 0; j < d; j++) {
                double expected = p > 0 && j == p - 1 ? s : 0.0;
                if (vertices[p][j] != expected) {
                    return Double.NaN;
                }
            }
        }
        return s == 0 ? Double.NaN : s;
    }

    /**
     * Solves a small linear program: the max-norm distance from x to the hull is
     * {@code min t} subject to {@code lambda >= 0, sum lambda = 1,
     * |sum_i lambda_i v_i - x| <= t} coordinate-wise, and x is contained when that distance is
     * at most the tolerance. Minimising the distance (rather than asking for a feasible point
     * directly) keeps the answer from depending on the solver's internal feasibility epsilon;
     * coordinates are centred on x and scaled to unit size for the same reason. Tolerances far
     * below 1e-9 of the region's extent are therefore not meaningful.
     */
    @Override
    public boolean contains(double[] x, double tolerance) {
        int d = dimension();
        if (x == null || x.length != d) {
            throw new IllegalArgumentException(
                    "x: has " + (x == null ? "no (null)" : String.valueOf(x.length))
                            + " coordinates; expected " + d + " (the region's dimension)");
        }
        for (int j = 0; j < d; j++) {
            if (!Double.isFinite(x[j])) {
                throw new IllegalArgumentException(
                        "x: column " + j + " is " + x[j] + "; every coordinate must be finite");
            }
        }
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException(
                    "tolerance: " + tolerance + "; expected a finite value >= 0");
        }
        if (vertices.length == 1) {
            return maxAbsDiff(vertices[0], x) <= tolerance;
        }
        if (outsideBoundingBox(x, tolerance)) {
            return false; // cheap and common: no LP needed
        }
        return distanceToHull(x) <= tolerance;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int j = 0; j < a.length; j++) {
            m = Math.max(m, Math.abs(a[j] - b[j]));
        }
        return m;
    }

    private boolean outsideBoundingBox(double[] x, double tolerance) {
        for (int j = 0; j < x.length; j++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] v : vertices) {
                lo = Math.min(lo, v[j]);
                hi = Math.max(hi, v[j]);
            }
            if (x[j] < lo - tolerance || x[j] > hi + tolerance) {
                return true;
            }
        }
        return false;
    }

    /** Max-norm distance from x to the convex hull, by linear programming. */
    private double distanceToHull(double[] x) {
        int p = vertices.length;
        int d = x.length;
        double scale = 0;
        for (double[] v : vertices) {
            scale = Math.max(scale, maxAbsDiff(v, x));
        }
        if (scale == 0) {
            return 0;
        }
        // variables: lambda_0 .. lambda_{p-1}, t (all >= 0)
        double[] objective = new double[p + 1];
        objective[p] = 1;
        List<LinearConstraint> constraints = new ArrayList<>(2 * d + 1);
        double[] ones = new double[p + 1];
        Arrays.fill(ones, 0, p, 1.0);
        constraints.add(new LinearConstraint(ones, Relationship.EQ, 1.0));
        for (int j = 0; j < d; j++) {
            double[] upper = new double[p + 1];
            double[] lower = new double[p + 1];
            for (int i = 0; i < p; i++) {
                upper[i] = (vertices[i][j] - x[j]) / scale;
                lower[i] = upper[i];
            }
            upper[p] = -1; // sum_i lambda_i w_ij - t <= 0
            lower[p] = 1; //  sum_i lambda_i w_ij + t >= 0
            constraints.add(new LinearConstraint(upper, Relationship.LEQ, 0.0));
            constraints.add(new LinearConstraint(lower, Relationship.GEQ, 0.0));
        }
        PointValuePair best =
                new SimplexSolver()
                        .optimize(
                                new MaxIter(100_000),
                                new LinearObjectiveFunction(objective, 0),
                                new LinearConstraintSet(constraints),
                                GoalType.MINIMIZE,
                                new NonNegativeConstraint(true),
                                PivotSelectionRule.BLAND);
        return Math.max(0, best.getValue()) * scale;
    }

    @Override
    public double[][] sample(int n, Random rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + "; expected a count >= 0");
        }
        if (rng == null) {
            throw new IllegalArgumentException(
                    "rng: is null; expected a java.util.Random (seed it for reproducible samples)");
        }
        int p = vertices.length;
        int d = dimension();
        double[][] out = new double[n][d];
        double[] w = new double[p];
        for (int s = 0; s < n; s++) {
            double sum = 0;
            for (int i = 0; i < p; i++) {
                w[i] = -Math.log(1.0 - rng.nextDouble()); // Exp(1); 1 - u lies in (0, 1]
                sum += w[i];
            }
            if (sum == 0) { // every draw was exactly 0: astronomically rare, fall back to centre
                System.arraycopy(center, 0, out[s], 0, d);
                continue;
            }
            for (int i = 0; i < p; i++) {
                double wi = w[i] / sum;
                for (int j = 0; j < d; j++) {
                    out[s][j] += wi * vertices[i][j];
                }
            }
        }
        return out;
    }

    @Override
    public String describe() {
        String label = name.isEmpty() ? "vertex region" : "vertex region \"" + name + "\"";
        return label + ": " + vertices.length + (vertices.length == 1 ? " vertex" : " vertices")
                + " in " + dimension() + "-D";
    }

    /** {@code "P vertices in dimension D"}. */
    @Override
    public String summary() {
        return vertices.length + " vertices in dimension " + dimension();
    }

    /** The vertices mapped one by one, the name kept (duplicates that the rounding makes are dropped). */
    @Override
    public VertexRegion standardized(double[] mean, double[] std) {
        return of(name, CoordinateScaling.of(mean, std, dimension()).points(vertices));
    }

    /** The hull of the vertices. */
    @Override
    public AffineHull affineHull() {
        return AffineHull.of(vertices());
    }

    /** The kind "vertices" and the vertices. */
    @Override
    public RegionRecord record() {
        return RegionRecord.of(KIND, name).put("vertices", vertices);
    }

    /** The region {@link #record()} wrote; unnamed when the format kept no name. */
    static VertexRegion fromRecord(RegionRecord r) {
        return of(r.name() == null ? "" : r.name(), r.matrix("vertices"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VertexRegion other
                && name.equals(other.name)
                && Arrays.deepEquals(vertices, other.vertices);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.deepHashCode(vertices);
    }

    /** The description, plus the vertices when there are few enough to read. */
    @Override
    public String toString() {
        return vertices.length <= 16
                ? "VertexRegion[" + describe() + ", vertices=" + Arrays.deepToString(vertices) + "]"
                : "VertexRegion[" + describe() + "]";
    }

    /** A row wrapper with value equality, for duplicate detection. */
    private record Row(double[] v) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && Arrays.equals(v, r.v);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(v);
        }
    }
}
