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
 * The axis-aligned box {@code m + [-r, r]} given by centre and radii, in any dimension: the
 * l_inf ball of robustness work is the box with equal radii. Its 2^D vertices are never listed
 * for the engine; the range of {@code a.x} is {@code a.m -/+ |a|.r}.
 */
public final class Box implements SupportRegion {

    /** The kind in a {@link RegionRecord}. */
    static final String KIND = "box";

    private final String name;
    private final double[] center;
    private final double[] radii;

    private Box(String name, double[] center, double[] radii) {
        this.name = name == null ? "box" : name;
        this.center = SupportRegion.checkedCenter(center, "box");
        if (radii == null || radii.length != center.length) {
            throw new IllegalArgumentException(
                    "box: " + (radii == null ? "no" : radii.length) + " radii for a centre of dimension " + center.length);
        }
        for (int j = 0; j < radii.length; j++) {
            if (!(radii[j] >= 0)) {
                throw new IllegalArgumentException(
                        "box: radius " + j + " is " + radii[j] + "; expected a finite value >= 0");
            }
            Float32.require("box: radius " + j, radii[j]);
        }
        SupportRegion.checkReach("box", center, radii);
        this.radii = radii.clone();
    }

    /**
     * The box with the given centre and per-coordinate radii.
     *
     * @param center m, finite coordinates
     * @param radii r, one finite value {@code >= 0} per coordinate
     * @return the box
     */
    public static Box of(double[] center, double[] radii) {
        return new Box("box", center, radii);
    }

    /**
     * The l_inf ball of radius {@code eps} around float32 coordinates (an image as DJL holds it),
     * widened exactly to double.
     *
     * @param center m, finite coordinates
     * @param eps the radius in every coordinate, finite and {@code >= 0}
     * @return the box
     */
    public static Box linf(float[] center, double eps) {
        return linf(Floats.widen(center, "center"), eps);
    }

    /**
     * The l_inf ball of radius {@code eps} around {@code center}.
     *
     * @param center m, finite coordinates
     * @param eps the radius in every coordinate, finite and {@code >= 0}
     * @return the box
     */
    public static Box linf(double[] center, double eps) {
        double[] r = new double[center == null ? 0 : center.length];
        Arrays.fill(r, eps);
        return new Box("linf ball", center, r);
    }

    /**
     * The box {@code [lo, hi]} coordinate-wise.
     *
     * @param lo the lower corner
     * @param hi the upper corner, {@code lo[j] <= hi[j]} for every j
     * @return the box
     */
    public static Box fromBounds(double[] lo, double[] hi) {
        if (lo == null || hi == null || lo.length != hi.length) {
            throw new IllegalArgumentException("box: lo and hi must have the same length");
        }
        double[] m = new double[lo.length];
        double[] r = new double[lo.length];
        for (int j = 0; j < lo.length; j++) {
            Float32.require("box: lo[" + j + "]", lo[j]);
            Float32.require("box: hi[" + j + "]", hi[j]);
            if (!(lo[j] <= hi[j])) {
                throw new IllegalArgumentException(
                        "box: lo[" + j + "] = " + lo[j] + " is not <= hi[" + j + "] = " + hi[j]);
            }
            m[j] = 0.5 * (lo[j] + hi[j]);
            r[j] = 0.5 * (hi[j] - lo[j]);
        }
        return new Box("box", m, r);
    }

    /** The radii. */
    @Override
    public double[] halfExtents() {
        return radii.clone();
    }

    /** {@return the per-coordinate radii r (a copy)} */
    public double[] radii() {
        return radii.clone();
    }

    /** {@return c and c + r_j e_j along each coordinate of radius above 0 (rounded into R)} */
    @Override
    public AxisPoints axisPoints() {
        return AxisPoints.of(center, radii);
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
        for (int j = 0; j < a.length; j++) {
            s += Math.abs(a[j]) * radii[j];
        }
        return s;
    }

    /** {@code |A^T|} weighted by the radii: {@code r (1 x D) times |A^T| (D x K)}. */
    @Override
    public UnaryOperator<NDArray> halfWidths(NDManager manager, DataType dataType) {
        NDArray r = manager.create(radii).toType(dataType, false).reshape(1, radii.length);
        return at -> {
            NDArray magnitude = at.abs(); // as large as the map: its handle closed once used
            NDArray halfWidth = r.matMul(magnitude).squeeze(0);
            magnitude.close();
            return halfWidth;
        };
    }

    /** {@code sum_j (|a_j| + aRadius_j) r_j}, rounded up. */
    @Override
    public double halfWidthBound(double[] a, double[] aRadius) {
        SupportRegion.checkRow(a, aRadius, radii.length);
        double s = 0;
        for (int j = 0; j < radii.length; j++) {
            s += (Math.abs(a[j]) + aRadius[j]) * radii[j];
        }
        return Rounding.up(s, radii.length + 3);
    }

    /** {@return a corner, {@code m_j -/+ r_j} in every coordinate} */
    @Override
    public double[] extremePoint(Random random) {
        double[] x = center.clone();
        for (int j = 0; j < x.length; j++) {
            x[j] += random.nextBoolean() ? radii[j] : -radii[j];
        }
        return x;
    }

    @Override
    public boolean contains(double[] x, double tolerance) {
        SupportRegion.checkPoint(x, center.length);
        for (int j = 0; j < x.length; j++) {
            if (Math.abs(x[j] - center[j]) > radii[j] + tolerance) {
                return false;
            }
        }
        return true;
    }

    /** Uniform in volume (independent uniform coordinates). */
    @Override
    public double[][] sample(int n, Random rng) {
        double[][] out = new double[n][center.length];
        for (double[] x : out) {
            for (int j = 0; j < x.length; j++) {
                x[j] = center[j] + radii[j] * (2 * rng.nextDouble() - 1);
            }
        }
        return out;
    }

    @Override
    public VertexRegion toVertexRegion(int maxPoints) {
        int d = center.length;
        if (d > 30 || (1L << d) > maxPoints) {
            throw new IllegalArgumentException(
                    "box: 2^" + d + " vertices exceed the limit of " + maxPoints);
        }
        double[][] v = new double[1 << d][d];
        for (int k = 0; k < v.length; k++) {
            for (int j = 0; j < d; j++) {
                v[k][j] = center[j] + (((k >> j) & 1) == 1 ? radii[j] : -radii[j]);
            }
        }
        return VertexRegion.of(name, v);
    }

    /** The 2^D corners, each coordinate rounded away from the centre: their hull contains the box. */
    @Override
    public VertexRegion enclosingPoints(int maxPoints) {
        int d = center.length;
        if (d > 30 || (1L << d) > maxPoints) {
            return null;
        }
        double[][] v = new double[1 << d][d];
        for (int k = 0; k < v.length; k++) {
            for (int j = 0; j < d; j++) {
                v[k][j] = SupportRegion.outward(center[j], radii[j], ((k >> j) & 1) == 1 ? 1 : -1);
            }
        }
        return VertexRegion.of(name, v);
    }

    @Override
    public String describe() {
        return name + ": box in " + center.length + "-D, radii in [" + Arrays.stream(radii).min().orElse(0)
                + ", " + Arrays.stream(radii).max().orElse(0) + "]";
    }

    /** The box with the centre mapped and each radius divided by its scale, named "box". */
    @Override
    public Box standardized(double[] mean, double[] std) {
        CoordinateScaling s = CoordinateScaling.of(mean, std, center.length);
        return of(s.point(center), s.lengths(radii));
    }

    /** The hull of m and {@code m + r_j e_j}: a zero radius is a direction the box does not span. */
    @Override
    public AffineHull affineHull() {
        double[][] points = new double[center.length + 1][];
        points[0] = center.clone();
        for (int j = 0; j < center.length; j++) {
            points[j + 1] = center.clone();
            points[j + 1][j] += radii[j];
        }
        return AffineHull.of(points);
    }

    /** The kind "box", the centre and the radii. */
    @Override
    public RegionRecord record() {
        return RegionRecord.of(KIND, name).put("center", center).put("radii", radii);
    }

    /** The box {@link #record()} wrote; named "box" when the format kept no name. */
    static Box fromRecord(RegionRecord r) {
        return new Box(r.name(), r.vector("center"), r.vector("radii"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Box b && name.equals(b.name) && Arrays.equals(center, b.center) && Arrays.equals(radii, b.radii);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(center) + Arrays.hashCode(radii);
    }

    @Override
    public String toString() {
        return describe();
    }
}
