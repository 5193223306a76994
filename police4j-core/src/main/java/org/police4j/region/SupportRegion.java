package org.police4j.region;

import org.police4j.numeric.DoubleDouble;
import org.police4j.numeric.Float32;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * A region described by its centre and by how far a linear function can move away from its value
 * at the centre: {@code max_{x in R} a.(x - m) = halfWidth(a)}. That is all the engine needs to
 * know the range of a unit once the network is affine on R (from affine-map tracking), and it
 * costs O(D) per unit where listing vertices would cost 2^D (a box) or 2D (an l1 ball).
 */
public sealed interface SupportRegion extends Region permits Box, L1Ball, Zonotope {

    /**
     * The largest value of {@code a.(x - m)} over the region, by symmetry also minus the
     * smallest.
     *
     * @param a a linear functional of {@link #dimension()} coordinates
     * @return the half-width of the range of {@code a.x} over the region
     */
    double halfWidth(double[] a);

    /**
     * {@link #halfWidth} for every column of an affine map at once, in engine arrays and
     * differentiable in the map: what the engine reads a unit's range off once the network is
     * affine on the region ({@code h_k(x) = A_k x + a_k} ranges over {@code h_k(m) -/+
     * halfWidth(A_k)}). The region's constants (radii, generators) are made once, here.
     *
     * @param manager where the region's constants are made
     * @param dataType the dtype of the maps it will be given
     * @return a function from {@code A^T} (D x K) to the K half-widths
     */
    UnaryOperator<NDArray> halfWidths(NDManager manager, DataType dataType);

    /**
     * A sound upper bound, in doubles, on {@link #halfWidth} of every functional in the interval
     * row {@code [a - aRadius, a + aRadius]}: each rounding error of the double arithmetic is
     * bounded and the result rounded up, so the exact support of every such functional is at most
     * the value returned. This is what a certificate over an enclosure of the network needs.
     *
     * @param a the centre of the interval row, D entries
     * @param aRadius its radii, D entries {@code >= 0}
     * @return an upper bound on {@code max_{|a' - a| <= aRadius} max_{x in R} a'.(x - m)}
     */
    double halfWidthBound(double[] a, double[] aRadius);

    /**
     * A point of the region where support functions peak (a corner, a vertex, a sign pattern of the
     * generators), drawn from {@code random}: for looking for the worst deviation of a network on
     * the region without listing its vertices.
     *
     * @param random the source of the choice
     * @return a point of the region, D coordinates
     */
    double[] extremePoint(Random random);

    /**
     * {@return per coordinate j, an upper bound of {@code |x_j - m_j|} over the region (the half
     * side of its bounding box around the centre), rounded up}: what bounds {@link
     * #halfWidth} against a perturbation of the functional, {@code |halfWidth(a) - halfWidth(a')|
     * <= sum_j e_j |a_j - a'_j|}
     */
    double[] halfExtents();

    /**
     * The region as a (possibly redundant) set of points whose convex hull it is, for
     * certificates and checks in low dimension.
     *
     * @param maxPoints refuse beyond this many points
     * @return the vertex region
     * @throws IllegalArgumentException if more than {@code maxPoints} points would be needed
     */
    VertexRegion toVertexRegion(int maxPoints);

    /**
     * {@return the centre and a point of the region along each coordinate it spans, when the
     * region lies in the box of its axis points' reach (a box, an l1 ball); null otherwise (a
     * zonotope, whose generators need not follow the axes)}
     */
    default AxisPoints axisPoints() {
        return null;
    }

    /** {@code |m_j| + halfWidth(e_j)}, rounded up. */
    @Override
    default double[] magnitude() {
        double[] m = center();
        double[] e = new double[m.length];
        for (int j = 0; j < m.length; j++) {
            e[j] = 1;
            m[j] = Math.nextUp(Math.abs(m[j]) + halfWidth(e));
            e[j] = 0;
        }
        return m;
    }

    /**
     * Points whose convex hull contains the region <em>exactly</em>, for a certificate through
     * points: a certificate on a hull that missed a sliver of R (a corner {@code m + r} rounded
     * inward) would be about another region. Corners that a double cannot hold are rounded
     * outward where that keeps the hull around R (boxes, l1 balls).
     *
     * @param maxPoints the most points wanted
     * @return the points, or null when there would be more than {@code maxPoints} or when no
     *     exact listing exists in doubles (then certify through the support, which is exact)
     */
    VertexRegion enclosingPoints(int maxPoints);

    /**
     * {@code m + sign * r} rounded away from {@code m}: the nearest double on the far side of the
     * exact value.
     *
     * @param m the centre coordinate
     * @param r the offset, {@code >= 0}
     * @param sign +1 or -1
     * @return the double nearest {@code m + sign r} and at least as far from {@code m}
     */
    static double outward(double m, double r, int sign) {
        double b = sign > 0 ? r : -r;
        double s = m + b;
        // TwoSum: s + err is m + b exactly (allocation-free; this runs for every corner of every
        // box a bulk certify reads)
        double err = Double.isFinite(s) ? DoubleDouble.twoSumError(m, b, s) : 0;
        if (sign > 0 && err > 0) {
            return Math.nextUp(s);
        }
        if (sign < 0 && err < 0) {
            return Math.nextDown(s);
        }
        return s;
    }

    /**
     * Checks a centre for the implementations' factories: present, not empty, finite.
     *
     * @param center the centre
     * @param what the region's kind, for the message
     * @return a copy of the centre
     * @throws IllegalArgumentException naming the bad coordinate
     */
    static double[] checkedCenter(double[] center, String what) {
        if (center == null || center.length == 0) {
            throw new IllegalArgumentException(what + ": centre is empty; expected at least one coordinate");
        }
        for (int j = 0; j < center.length; j++) {
            Float32.require(what + ": centre coordinate " + j, center[j]);
        }
        return center.clone();
    }

    /**
     * Checks that the region's points stay in float32 range: coordinate j reaches {@code
     * |center[j]| + reach[j]} at most, and a float32 must hold that.
     *
     * @param what the region's kind, for the message
     * @param center the centre
     * @param reach per coordinate, how far the region extends from its centre
     * @throws IllegalArgumentException naming the coordinate and how far it reaches
     */
    static void checkReach(String what, double[] center, double[] reach) {
        for (int j = 0; j < center.length; j++) {
            Float32.require(what + ": coordinate " + j + " reaches |centre| + " + reach[j] + ", which", Math.abs(center[j]) + reach[j]);
        }
    }

    /**
     * Checks an interval row {@code a -/+ aRadius} against the region's dimension.
     *
     * @param a the row's midpoints
     * @param aRadius the row's radii
     * @param d the region's dimension
     * @throws IllegalArgumentException if either is null or not of length d
     */
    static void checkRow(double[] a, double[] aRadius, int d) {
        if (a == null || aRadius == null || a.length != d || aRadius.length != d) {
            throw new IllegalArgumentException("a, aRadius: " + (a == null ? "null" : a.length + " entries") + " and "
                    + (aRadius == null ? "null" : aRadius.length + " entries") + ", expected " + d + " each");
        }
    }

    /**
     * Checks that a point has the region's dimension.
     *
     * @param x the point
     * @param d the dimension
     * @throws IllegalArgumentException if x is null or of another dimension
     */
    static void checkPoint(double[] x, int d) {
        if (x == null || x.length != d) {
            throw new IllegalArgumentException(
                    "x: " + (x == null ? "null" : x.length + " coordinates") + ", expected " + d);
        }
    }
}
