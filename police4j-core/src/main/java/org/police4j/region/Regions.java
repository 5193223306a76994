package org.police4j.region;

import org.police4j.numeric.Float32;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.SingularValueDecomposition;
import org.apache.commons.math3.optim.MaxIter;
import org.apache.commons.math3.optim.linear.LinearConstraint;
import org.apache.commons.math3.optim.linear.LinearConstraintSet;
import org.apache.commons.math3.optim.linear.LinearObjectiveFunction;
import org.apache.commons.math3.optim.linear.NoFeasibleSolutionException;
import org.apache.commons.math3.optim.linear.NonNegativeConstraint;
import org.apache.commons.math3.optim.linear.PivotSelectionRule;
import org.apache.commons.math3.optim.linear.Relationship;
import org.apache.commons.math3.optim.linear.SimplexSolver;
import org.apache.commons.math3.optim.linear.UnboundedSolutionException;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;

/**
 * Builders for the usual regions, all returned as {@link VertexRegion}s because POLICE constrains
 * a network vertex by vertex. Every builder validates its arguments and says which argument is
 * wrong, what it was and what was expected, since a bad region silently yields a network that is
 * affine somewhere else.
 */
public final class Regions {

    /**
     * Largest dimension for which {@link #box} lists vertices: a D-dimensional box has 2^D
     * vertices and POLICE pays one forward pass per vertex, so beyond 2^12 = 4096 the vertex
     * form is the wrong tool.
     */
    public static final int MAX_BOX_VERTEX_DIMENSION = 12;

    /** Largest dimension {@link #fromHalfspaces} enumerates vertices in (enumeration is exponential). */
    public static final int MAX_HALFSPACE_DIMENSION = 8;

    /** Largest number of d-subsets of constraints {@link #fromHalfspaces} is willing to try. */
    public static final long MAX_HALFSPACE_SUBSETS = 2_000_000L;

    private static final double HALFSPACE_TOLERANCE = 1e-9;

    private Regions() {}

    // ---------------------------------------------------------------- simplices

    /**
     * The paper's simplex {@code [0; I_d] / sqrt(d)}: the origin and the scaled unit vectors
     * {@code e_i / sqrt(d)}, so that every edge from the origin has length {@code 1/sqrt(d)} and
     * the region stays of comparable size as d grows.
     *
     * @param d dimension, {@code >= 1}
     * @return d + 1 vertices, origin first
     */
    public static VertexRegion simplex(int d) {
        requireDimension("d", d);
        double[][] v = new double[d + 1][d];
        double s = 1.0 / Math.sqrt(d);
        for (int i = 0; i < d; i++) {
            v[i + 1][i] = s;
        }
        return VertexRegion.of("simplex", v);
    }

    /**
     * A general simplex. Affine independence is checked because d + 1 points in a hyperplane
     * give a flat region with empty interior, which is almost always a mistake.
     *
     * @param vertices d + 1 affinely independent points of dimension d
     * @return the simplex
     */
    public static VertexRegion simplex(double[][] vertices) {
        VertexRegion r = VertexRegion.of("simplex", vertices); // shape and finiteness checks
        int d = r.dimension();
        if (vertices.length != d + 1) {
            throw new IllegalArgumentException(
                    "vertices: " + vertices.length + " rows given for a " + d
                            + "-D simplex; expected d + 1 = " + (d + 1) + " vertices");
        }
        if (r.vertexCount() != d + 1) {
            throw new IllegalArgumentException(
                    "vertices: only " + r.vertexCount() + " of the " + vertices.length
                            + " rows are distinct; expected d + 1 = " + (d + 1)
                            + " distinct, affinely independent vertices");
        }
        double[][] edges = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                edges[i][j] = vertices[i + 1][j] - vertices[0][j];
            }
        }
        double[] sv = new SingularValueDecomposition(new Array2DRowRealMatrix(edges, false))
                .getSingularValues();
        if (sv[d - 1] <= 1e-12 * sv[0]) {
            throw new IllegalArgumentException(
                    "vertices: the " + (d + 1) + " vertices are affinely dependent (they lie in a"
                            + " common hyperplane); expected d + 1 = " + (d + 1)
                            + " affinely independent vertices");
        }
        return r;
    }

    // ---------------------------------------------------------------- boxes and balls

    /**
     * The cube {@code [lo, hi]^d} by its 2^d corners.
     *
     * @param lo lower bound of every coordinate
     * @param hi upper bound of every coordinate, {@code > lo}
     * @param d dimension, {@code 1 <= d <= MAX_BOX_VERTEX_DIMENSION}
     * @return the box
     */
    public static VertexRegion box(double lo, double hi, int d) {
        requireDimension("d", d);
        requireBoxDimension("d", d);
        double[] l = new double[d];
        double[] h = new double[d];
        Arrays.fill(l, lo);
        Arrays.fill(h, hi);
        return box(l, h);
    }

    /**
     * The axis-aligned box {@code [lo_1, hi_1] x ... x [lo_d, hi_d]} by its 2^d corners. Corner
     * k takes {@code hi_j} where bit j of k is set, else {@code lo_j}.
     *
     * @param lo lower bounds, finite
     * @param hi upper bounds, finite, {@code hi[j] > lo[j]}
     * @return the box
     */
    public static VertexRegion box(double[] lo, double[] hi) {
        requireFinite("lo", lo);
        requireFinite("hi", hi);
        if (lo.length != hi.length) {
            throw new IllegalArgumentException(
                    "hi: has " + hi.length + " coordinates; expected " + lo.length + " like lo");
        }
        int d = lo.length;
        requireBoxDimension("lo", d);
        for (int j = 0; j < d; j++) {
            if (!(lo[j] < hi[j])) {
                throw new IllegalArgumentException(
                        "hi: coordinate " + j + " is " + hi[j] + " but lo is " + lo[j]
                                + "; expected lo < hi in every coordinate");
            }
        }
        double[][] v = new double[1 << d][d];
        for (int k = 0; k < v.length; k++) {
            for (int j = 0; j < d; j++) {
                v[k][j] = ((k >> j) & 1) == 1 ? hi[j] : lo[j];
            }
        }
        return VertexRegion.of("box", v);
    }

    /**
     * The l1 ball (cross-polytope) {@code {x : |x - c|_1 <= r}}: only 2d vertices
     * {@code c +/- r e_i}, so unlike the box it stays cheap in high dimension.
     *
     * @param center finite centre, at least 1 coordinate
     * @param radius finite, {@code > 0}
     * @return the ball
     */
    public static VertexRegion l1Ball(double[] center, double radius) {
        requireFinite("center", center);
        requireRadius(radius);
        int d = center.length;
        double[][] v = new double[2 * d][];
        for (int i = 0; i < d; i++) {
            v[2 * i] = center.clone();
            v[2 * i][i] += radius;
            v[2 * i + 1] = center.clone();
            v[2 * i + 1][i] -= radius;
        }
        return VertexRegion.of("l1 ball", v);
    }

    // ---------------------------------------------------------------- 2-D shapes

    /**
     * The convex hull of 2-D points (Andrew's monotone chain), counter-clockwise from the
     * lowest of the leftmost points. Interior and collinear boundary points are dropped because
     * they add votes without changing the region.
     *
     * @param points at least 3 non-collinear finite 2-D points
     * @return the hull's corners
     */
    public static VertexRegion polygon(double[][] points) {
        if (points == null || points.length < 3) {
            throw new IllegalArgumentException(
                    "points: " + (points == null ? "null" : points.length + " points")
                            + " given; expected at least 3 non-collinear 2-D points");
        }
        for (int i = 0; i < points.length; i++) {
            if (points[i] == null || points[i].length != 2) {
                throw new IllegalArgumentException(
                        "points: row " + i + " has "
                                + (points[i] == null ? "no (null)" : String.valueOf(points[i].length))
                                + " coordinates; expected 2 (polygons are 2-D)");
            }
            for (int j = 0; j < 2; j++) {
                Float32.require("points: row " + i + ", column " + j, points[i][j]);
            }
        }
        double[][] hull = convexHull(points);
        if (hull.length < 3) {
            throw new IllegalArgumentException(
                    "points: all " + points.length + " points are collinear (or coincide);"
                            + " expected at least 3 non-collinear 2-D points");
        }
        return VertexRegion.of("polygon", hull);
    }

    private static double[][] convexHull(double[][] points) {
        double[][] p = new double[points.length][];
        for (int i = 0; i < p.length; i++) {
            p[i] = new double[] {points[i][0] + 0.0, points[i][1] + 0.0};
        }
        Arrays.sort(p, Comparator.<double[]>comparingDouble(a -> a[0]).thenComparingDouble(a -> a[1]));
        int n = p.length;
        double[][] h = new double[2 * n][];
        int k = 0;
        for (int i = 0; i < n; i++) { // lower hull
            while (k >= 2 && !leftTurn(h[k - 2], h[k - 1], p[i])) {
                k--;
            }
            h[k++] = p[i];
        }
        for (int i = n - 2, lower = k + 1; i >= 0; i--) { // upper hull
            while (k >= lower && !leftTurn(h[k - 2], h[k - 1], p[i])) {
                k--;
            }
            h[k++] = p[i];
        }
        return Arrays.copyOf(h, Math.max(k - 1, 1)); // last point repeats the first
    }

    /**
     * Strict left turn o -> a -> b. The cross product is compared with a tolerance relative to
     * the edge lengths so that points which are collinear up to rounding are dropped too.
     */
    private static boolean leftTurn(double[] o, double[] a, double[] b) {
        double ax = a[0] - o[0];
        double ay = a[1] - o[1];
        double bx = b[0] - o[0];
        double by = b[1] - o[1];
        double cross = ax * by - ay * bx;
        return cross > 1e-12 * Math.hypot(ax, ay) * Math.hypot(bx, by);
    }

    /**
     * The regular n-gon inscribed in the circle of given centre and radius, vertex k at angle
     * {@code rotation + 2 pi k / n}, counter-clockwise.
     *
     * @param n number of vertices, {@code >= 3}
     * @param center finite 2-D centre
     * @param radius circumradius, finite, {@code > 0}
     * @param rotationRadians angle of vertex 0, finite
     * @return the polygon
     */
    public static VertexRegion regularPolygon(
            int n, double[] center, double radius, double rotationRadians) {
        return regular("regular " + n + "-gon", n, center, radius, rotationRadians);
    }

    /**
     * A disc approximated from inside by the regular n-gon (vertex 0 on the positive x axis):
     * POLICE needs finitely many vertices, and the inscribed polygon guarantees that the
     * affine region never extends beyond the disc.
     *
     * @param n number of vertices, {@code >= 3}
     * @param center finite 2-D centre
     * @param radius finite, {@code > 0}
     * @return the polygon, named "circle"
     */
    public static VertexRegion circle(int n, double[] center, double radius) {
        return regular("circle", n, center, radius, 0.0);
    }

    private static VertexRegion regular(
            String name, int n, double[] center, double radius, double rotation) {
        if (n < 3) {
            throw new IllegalArgumentException(
                    "n: " + n + "; expected at least 3 vertices for a polygon");
        }
        requireFinite("center", center);
        if (center.length != 2) {
            throw new IllegalArgumentException(
                    "center: has " + center.length + " coordinates; expected 2 (polygons are 2-D)");
        }
        requireRadius(radius);
        if (!Double.isFinite(rotation)) {
            throw new IllegalArgumentException(
                    "rotationRadians: " + rotation + "; expected a finite angle");
        }
        double[][] v = new double[n][];
        for (int k = 0; k < n; k++) {
            double a = rotation + 2 * Math.PI * k / n;
            v[k] = new double[] {center[0] + radius * Math.cos(a), center[1] + radius * Math.sin(a)};
        }
        return VertexRegion.of(name, v);
    }

    // ---------------------------------------------------------------- the paper's regions

    /** {@return the paper's square: (0,0), (1.5,0), (1.5,1.5), (0,1.5)} */
    public static VertexRegion paperSquare() {
        return VertexRegion.of("square", new double[][] {{0, 0}, {1.5, 0}, {1.5, 1.5}, {0, 1.5}});
    }

    /** {@return the paper's triangle: (-sqrt2, -sqrt2), (0, 2), (sqrt2, -sqrt2)} */
    public static VertexRegion paperTriangle() {
        double s = Math.sqrt(2);
        return VertexRegion.of("triangle", new double[][] {{-s, -s}, {0, 2}, {s, -s}});
    }

    /** {@return the paper's octagon, in the paper's vertex order} */
    public static VertexRegion paperOctagon() {
        return VertexRegion.of(
                "octagon",
                new double[][] {
                    {-1.5, 1}, {-0.5, 2}, {0.5, 2}, {1.5, 1},
                    {1.5, -0.5}, {0.5, -1.5}, {-0.5, -1.5}, {-1.5, -0.5}
                });
    }

    /**
     * The paper's "circle" of radius 2, built exactly as in the paper: for 25 values u evenly
     * spaced in [-1, 1], {@code x = 2 sin(pi u / 2)}; first the upper half
     * {@code y = sqrt(4 - x^2)}, then the lower half {@code y = -sqrt(4 - x^2)} with the same x.
     * Of those 50 points, the two halves share (-2, 0) and (2, 0) (as {@code +0.0} and
     * {@code -0.0}), which {@link VertexRegion} drops as duplicates, so the region has
     * <b>48 distinct vertices</b>: the 25 upper points followed by the 23 inner lower points.
     *
     * @return the region
     */
    public static VertexRegion paperCircle() {
        int m = 25;
        double[][] v = new double[2 * m][];
        for (int k = 0; k < m; k++) {
            double u = -1.0 + 2.0 * k / (m - 1);
            double x = 2 * Math.sin(Math.PI * u / 2);
            double y = Math.sqrt(Math.max(0.0, 4 - x * x));
            v[k] = new double[] {x, y};
            v[m + k] = new double[] {x, -y};
        }
        return VertexRegion.of("circle", v);
    }

    // ---------------------------------------------------------------- H-representation

    /**
     * Converts {@code {x : A x <= b}} to its vertices by brute-force enumeration: every vertex
     * of a d-dimensional polytope is the solution of d tight, linearly independent constraints,
     * so solving every d x d subsystem and keeping the feasible solutions finds them all. This
     * is exponential, hence the limits on d and on the number of subsets, but exact and simple
     * for the low-dimensional regions POLICE is used on. Emptiness and unboundedness are
     * checked first with linear programs, because either would otherwise surface as a confusing
     * "no vertices" or, worse, as a region that silently misses part of the set.
     *
     * @param a m x d constraint matrix, finite, {@code 1 <= d <= MAX_HALFSPACE_DIMENSION}
     * @param b m finite right-hand sides
     * @return the vertices (feasible within 1e-9 relative, de-duplicated within 1e-9 relative)
     */
    public static VertexRegion fromHalfspaces(double[][] a, double[] b) {
        if (a == null || a.length == 0) {
            throw new IllegalArgumentException(
                    "a: has no rows; expected at least one constraint row");
        }
        int m = a.length;
        for (int i = 0; i < m; i++) {
            if (a[i] == null || a[i].length != (a[0] == null ? -1 : a[0].length)) {
                throw new IllegalArgumentException(
                        "a: row " + i + " has "
                                + (a[i] == null ? "no (null)" : String.valueOf(a[i].length))
                                + " coordinates; expected the same number as row 0");
            }
        }
        int d = a[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("a: rows have 0 columns; expected at least 1");
        }
        if (b == null || b.length != m) {
            throw new IllegalArgumentException(
                    "b: has " + (b == null ? "no (null)" : String.valueOf(b.length))
                            + " entries; expected " + m + ", one per row of a");
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                Float32.require("a: row " + i + ", column " + j, a[i][j]);
            }
            Float32.require("b: entry " + i, b[i]);
        }
        if (d > MAX_HALFSPACE_DIMENSION) {
            throw new IllegalArgumentException(
                    "a: has " + d + " columns; vertex enumeration is limited to dimension "
                            + MAX_HALFSPACE_DIMENSION + " (it is exponential); give the vertices"
                            + " directly instead");
        }
        long subsets = binomialCapped(m, d, MAX_HALFSPACE_SUBSETS);
        if (subsets > MAX_HALFSPACE_SUBSETS) {
            throw new IllegalArgumentException(
                    "a: " + m + " constraints in " + d + "-D give more than "
                            + MAX_HALFSPACE_SUBSETS + " candidate subsets of " + d
                            + " constraints; expected at most that many (remove redundant"
                            + " constraints or give the vertices directly)");
        }
        checkNonEmptyAndBounded(a, b);
        double[][] normA = new double[m][];
        double[] normB = new double[m];
        for (int i = 0; i < m; i++) { // unit normals make singularity and feasibility tests scale-free
            double n = 0;
            for (double c : a[i]) {
                n = Math.max(n, Math.abs(c));
            }
            normA[i] = new double[d];
            if (n > 0) {
                for (int j = 0; j < d; j++) {
                    normA[i][j] = a[i][j] / n;
                }
                normB[i] = b[i] / n;
            }
        }
        List<double[]> found = new ArrayList<>();
        int[] idx = new int[d];
        for (int j = 0; j < d; j++) {
            idx[j] = j;
        }
        while (true) {
            double[] x = solveSubset(normA, normB, idx);
            if (x != null && feasible(normA, normB, x) && !nearlyContained(found, x)) {
                found.add(x);
            }
            if (!nextCombination(idx, m)) {
                break;
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException(
                    "a, b: the set {x : A x <= b} has no vertices; expected a bounded polytope"
                            + " with at least one vertex");
        }
        return VertexRegion.of("halfspaces", found.toArray(new double[0][]));
    }

    private static void checkNonEmptyAndBounded(double[][] a, double[] b) {
        int d = a[0].length;
        List<LinearConstraint> cons = new ArrayList<>(a.length);
        for (int i = 0; i < a.length; i++) {
            cons.add(new LinearConstraint(a[i], Relationship.LEQ, b[i]));
        }
        LinearConstraintSet set = new LinearConstraintSet(cons);
        try {
            lp(new double[d], set, GoalType.MINIMIZE);
        } catch (NoFeasibleSolutionException e) {
            throw new IllegalArgumentException(
                    "a, b: the set {x : A x <= b} is empty; expected a non-empty polytope", e);
        }
        for (int j = 0; j < d; j++) {
            double[] c = new double[d];
            c[j] = 1;
            try {
                lp(c, set, GoalType.MAXIMIZE);
                lp(c, set, GoalType.MINIMIZE);
            } catch (UnboundedSolutionException e) {
                throw new IllegalArgumentException(
                        "a, b: the set is unbounded in coordinate " + j
                                + "; add constraints so that it is a bounded polytope", e);
            }
        }
    }

    private static void lp(double[] c, LinearConstraintSet set, GoalType goal) {
        new SimplexSolver()
                .optimize(
                        new MaxIter(100_000),
                        new LinearObjectiveFunction(c, 0),
                        set,
                        goal,
                        new NonNegativeConstraint(false),
                        PivotSelectionRule.BLAND);
    }

    private static double[] solveSubset(double[][] a, double[] b, int[] idx) {
        int d = idx.length;
        double[][] m = new double[d][];
        double[] rhs = new double[d];
        for (int r = 0; r < d; r++) {
            m[r] = a[idx[r]];
            rhs[r] = b[idx[r]];
        }
        DecompositionSolver solver =
                new LUDecomposition(new Array2DRowRealMatrix(m, true), 1e-10).getSolver();
        if (!solver.isNonSingular()) {
            return null;
        }
        return solver.solve(new ArrayRealVector(rhs, false)).toArray();
    }

    private static boolean feasible(double[][] a, double[] b, double[] x) {
        double xMax = maxAbs(x);
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            double tol = HALFSPACE_TOLERANCE * Math.max(1.0, Math.max(Math.abs(b[i]), xMax));
            if (s > b[i] + tol) {
                return false;
            }
        }
        return true;
    }

    private static boolean nearlyContained(List<double[]> points, double[] x) {
        double tol = HALFSPACE_TOLERANCE * Math.max(1.0, maxAbs(x));
        for (double[] p : points) {
            double diff = 0;
            for (int j = 0; j < x.length; j++) {
                diff = Math.max(diff, Math.abs(p[j] - x[j]));
            }
            if (diff <= tol) {
                return true;
            }
        }
        return false;
    }

    private static double maxAbs(double[] x) {
        double m = 0;
        for (double v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Advances idx to the next k-subset of {0..n-1} in lexicographic order. */
    private static boolean nextCombination(int[] idx, int n) {
        int k = idx.length;
        int i = k - 1;
        while (i >= 0 && idx[i] == n - k + i) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        idx[i]++;
        for (int j = i + 1; j < k; j++) {
            idx[j] = idx[j - 1] + 1;
        }
        return true;
    }

    /** C(n, k), or any value above cap once it exceeds cap (so it never overflows). */
    private static long binomialCapped(int n, int k, long cap) {
        if (k > n) {
            return 0;
        }
        long c = 1;
        for (int i = 0; i < k; i++) {
            c = c * (n - i) / (i + 1);
            if (c > cap) {
                return cap + 1;
            }
        }
        return c;
    }

    // ---------------------------------------------------------------- argument checks

    private static void requireDimension(String arg, int d) {
        if (d < 1) {
            throw new IllegalArgumentException(arg + ": " + d + "; expected a dimension >= 1");
        }
    }

    private static void requireBoxDimension(String arg, int d) {
        if (d > MAX_BOX_VERTEX_DIMENSION) {
            throw new IllegalArgumentException(
                    arg + ": dimension " + d + " would need 2^" + d + " vertices, too many for a"
                            + " vertex region; expected a dimension <= " + MAX_BOX_VERTEX_DIMENSION
                            + ". In high dimension describe the box by its support (centre and"
                            + " radii, without vertices): Box.fromBounds(lo, hi), Box.of(centre, radii)"
                            + " or Box.linf(centre, eps)");
        }
    }

    private static void requireFinite(String arg, double[] x) {
        if (x == null || x.length == 0) {
            throw new IllegalArgumentException(
                    arg + ": has no coordinates" + (x == null ? " (null)" : "")
                            + "; expected at least 1");
        }
        for (int j = 0; j < x.length; j++) {
            Float32.require(arg + ": coordinate " + j, x[j]);
        }
    }

    private static void requireRadius(double radius) {
        if (!(radius > 0) || !Float32.holds(radius)) {
            throw new IllegalArgumentException(
                    "radius: " + radius + "; expected a finite value > 0 a float32 can hold (<= " + Float.MAX_VALUE + ")");
        }
    }
}
