package org.police4j.certify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a certificate: whether the network is provably affine on the region, and the
 * affine map it computes there. {@link #kind()} says how it was decided, which sets what the
 * fields mean:
 *
 * <ul>
 *   <li>{@link Kind#EXACT_VERTICES} ({@link Certifier}): decided exactly from the region's
 *       vertices, both ways; the map is correctly rounded when {@code mapError} is 0 (the exact
 *       map, on request), else every entry is within {@code mapError} of the exact one (the
 *       rigorous double map, {@link Certify}'s default); when not certified, it is the map of the
 *       majority activation pattern.
 *   <li>{@link Kind#SUPPORT_BOUND} ({@link SupportCertifier}): proved soundly from the region's
 *       support; {@code false} means "not proved"; the violation's range is an enclosure, not
 *       attained values; the map is within {@code mapError} (also {@code
 *       SupportCertifier.Result.mapUncertainty()}) of the exact one, and when not certified it is the map of the pattern at the region's centre;
 *       layers after the first failing one are not checked; the vertex deviation is measured at
 *       a few extreme points.
 * </ul>
 *
 * <p>{@code certified} is an exact statement: every vertex of the region was pushed through every
 * hidden layer without rounding (or with a rigorous floating-point error bound that decided the
 * sign unambiguously) and, in every unit, no two vertices' pre-activations lie strictly on
 * opposite sides of the kink. The deviations are empirical double-precision checks of the map
 * against {@code FoldedNetwork.evaluate}; they are diagnostics, not part of the proof.
 *
 * <p>When not certified, {@code a} and {@code b} are the affine map of the majority activation
 * pattern (each unit on the side most vertices are on); that map is <em>not</em> the network's
 * function on the whole region, and {@link #summary()} says so.
 *
 * <p>The record is Jackson-serializable as is (record components, nested {@link Violation}
 * record, plain arrays); {@link #toMap()} gives the same content as ordered maps and lists.
 *
 * @param kind how the verdict was reached
 * @param certified true iff no hidden unit straddles the kink over the vertices
 * @param hiddenLayers the number of hidden layers checked
 * @param unitsChecked the total number of hidden units checked (plus the max-pool windows, each
 *     checked for a common winner)
 * @param offendingUnits how many hidden units straddle the kink, plus windows without a common
 *     winner (0 when certified)
 * @param firstViolation the first straddling unit in (layer, unit) order, null when certified
 * @param a the affine map's matrix, K outputs x D inputs
 * @param b the affine map's offset, K outputs
 * @param interiorDeviation max |net(x) - (a x + b)| over the interior points and outputs (0 when
 *     no interior points were given)
 * @param vertexDeviation max |net(v) - (a v + b)| over the vertices and outputs
 * @param interiorPoints how many interior points were checked
 * @param mapError a bound on the distance of every entry of {@code a} and {@code b} to the exact
 *     real coefficient of the network's map (for the reported pattern); 0 when every entry is the
 *     double nearest to the exact coefficient (correctly rounded)
 */
public record Certificate(
        Kind kind,
        boolean certified,
        int hiddenLayers,
        int unitsChecked,
        int offendingUnits,
        Violation firstViolation,
        double[][] a,
        double[] b,
        double interiorDeviation,
        double vertexDeviation,
        int interiorPoints,
        double mapError) {

    /** How a certificate was decided. */
    public enum Kind {
        /** Exactly, from the region's vertices: both ways (certified iff affine on R, up to degenerate ties). */
        EXACT_VERTICES,
        /** Soundly, from the region's support function with outward-rounded interval bounds: certified is a proof, not certified means "not proved". */
        SUPPORT_BOUND
    }

    /** Maps with at most this many entries (K*D) are printed in full by {@link #summary()}. */
    public static final int SMALL_MAP_ENTRIES = 16;

    /**
     * Checks that {@code a} and {@code b} are present and agree on K and that {@code
     * firstViolation} and {@code offendingUnits} agree with the verdict; keeps copies of the map.
     *
     * @param kind how the verdict was reached
     * @param certified true iff no hidden unit straddles the kink over the vertices
     * @param hiddenLayers the number of hidden layers checked
     * @param unitsChecked the total number of hidden units checked (plus the max-pool windows)
     * @param offendingUnits how many hidden units straddle the kink (0 when certified)
     * @param firstViolation the first straddling unit in (layer, unit) order, null when certified
     * @param a the affine map's matrix, K outputs x D inputs
     * @param b the affine map's offset, K outputs
     * @param interiorDeviation max |net(x) - (a x + b)| over the interior points and outputs (0 when
     *     no interior points were given)
     * @param vertexDeviation max |net(v) - (a v + b)| over the vertices and outputs
     * @param interiorPoints how many interior points were checked
     * @param mapError the bound on every entry's distance to the exact map, at least 0 (0: correctly
     *     rounded); NaN or infinite only when the bound overflowed
     */
    public Certificate {
        if (kind == null) {
            throw new IllegalArgumentException("kind: must not be null");
        }
        if (a == null || b == null) {
            throw new IllegalArgumentException("a and b must not be null");
        }
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "a has " + a.length + " rows but b has " + b.length + " entries");
        }
        if (certified != (firstViolation == null)) {
            throw new IllegalArgumentException(
                    "firstViolation must be null exactly when certified, got certified="
                            + certified + ", firstViolation=" + firstViolation);
        }
        if (certified != (offendingUnits == 0)) {
            throw new IllegalArgumentException(
                    "offendingUnits must be 0 exactly when certified, got certified="
                            + certified + ", offendingUnits=" + offendingUnits);
        }
        if (mapError < 0) {
            throw new IllegalArgumentException("mapError: " + mapError + ", expected at least 0");
        }
        a = deepCopy(a);
        b = b.clone();
    }

    /** {@return the matrix A (K x D), a copy} */
    @Override
    public double[][] a() {
        return deepCopy(a);
    }

    /** {@return the offset b (K), a copy} */
    @Override
    public double[] b() {
        return b.clone();
    }

    /** {@return the number of outputs K} */
    public int outputDimension() {
        return b.length;
    }

    /** {@return the number of inputs D (0 when there are no outputs)} */
    public int inputDimension() {
        return a.length == 0 ? 0 : a[0].length;
    }

    /**
     * Evaluates the affine map {@code a x + b} in double precision.
     *
     * @param x a point of dimension D
     * @return the K outputs
     */
    public double[] apply(double[] x) {
        if (x == null || (a.length > 0 && x.length != a[0].length)) {
            throw new IllegalArgumentException(
                    "x: expected a point of dimension " + inputDimension() + ", got "
                            + (x == null ? "null" : "dimension " + x.length));
        }
        double[] y = new double[b.length];
        for (int k = 0; k < y.length; k++) {
            double s = b[k];
            for (int j = 0; j < x.length; j++) {
                s += a[k][j] * x[j];
            }
            y[k] = s;
        }
        return y;
    }

    /**
     * A readable multi-line report: the verdict, the first offending unit with its range, the
     * deviations and the affine map (in full when K*D &lt;= {@value #SMALL_MAP_ENTRIES}, else its
     * shape).
     *
     * @return the report, lines separated by {@code \n}
     */
    public String summary() {
        boolean exact = kind == Kind.EXACT_VERTICES;
        StringBuilder sb = new StringBuilder();
        if (certified) {
            sb.append("CERTIFIED: the network is affine on the region (")
                    .append(unitsChecked)
                    .append(" units in ")
                    .append(hiddenLayers)
                    .append(exact
                            ? " hidden layers checked exactly at the vertices)\n"
                            : " hidden layers proved from the region's support with sound bounds)\n");
        } else {
            sb.append("NOT CERTIFIED: ")
                    .append(offendingUnits)
                    .append(" of ")
                    .append(unitsChecked)
                    .append(" hidden units in ")
                    .append(hiddenLayers)
                    .append(exact
                            ? " hidden layers straddle the kink over the vertices\n"
                            : " hidden layers checked could not be proved to keep one side (later layers not checked)\n");
            sb.append("  first offending unit: layer ")
                    .append(firstViolation.layer())
                    .append(", unit ")
                    .append(firstViolation.unit())
                    .append(exact ? ", pre-activations in [" : ", pre-activations enclosed in [")
                    .append(fmt(firstViolation.min()))
                    .append(", ")
                    .append(fmt(firstViolation.max()))
                    .append("]\n");
        }
        sb.append("  max deviation |net - (A x + b)|: ")
                .append(fmt(vertexDeviation))
                .append(exact ? " at the vertices, " : " at the centre and a few extreme points, ");
        if (interiorPoints > 0) {
            sb.append(fmt(interiorDeviation))
                    .append(" at ")
                    .append(interiorPoints)
                    .append(" interior points\n");
        } else {
            sb.append("no interior points checked\n");
        }
        int k = outputDimension();
        int d = inputDimension();
        if (certified) {
            sb.append("  affine map on the region: ");
        } else if (exact) {
            sb.append("  affine map of the majority activation pattern (NOT valid on the whole region): ");
        } else {
            sb.append("  affine map of the activation pattern at the region's centre (NOT valid on the whole region): ");
        }
        sb.append("A is ").append(k).append(" x ").append(d).append(", b has ").append(k)
                .append(mapError == 0 ? ", correctly rounded" : ", every entry within " + fmt(mapError) + " of the exact map");
        if ((long) k * d <= SMALL_MAP_ENTRIES) {
            sb.append('\n');
            for (int i = 0; i < k; i++) {
                sb.append("    y").append(i).append(" =");
                for (int j = 0; j < d; j++) {
                    sb.append(' ').append(fmt(a[i][j])).append("*x").append(j).append(" +");
                }
                sb.append(' ').append(fmt(b[i])).append('\n');
            }
        } else {
            sb.append(" (too large to print)\n");
        }
        return sb.toString();
    }

    /** {@return the certificate as ordered maps and lists, ready for any JSON writer} */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.name());
        m.put("certified", certified);
        m.put("hiddenLayers", hiddenLayers);
        m.put("unitsChecked", unitsChecked);
        m.put("offendingUnits", offendingUnits);
        m.put("firstViolation", firstViolation == null ? null : firstViolation.toMap());
        List<List<Double>> rows = new ArrayList<>();
        for (double[] row : a) {
            List<Double> r = new ArrayList<>(row.length);
            for (double v : row) {
                r.add(v);
            }
            rows.add(r);
        }
        m.put("a", rows);
        List<Double> off = new ArrayList<>(b.length);
        for (double v : b) {
            off.add(v);
        }
        m.put("b", off);
        m.put("interiorDeviation", interiorDeviation);
        m.put("vertexDeviation", vertexDeviation);
        m.put("interiorPoints", interiorPoints);
        m.put("mapError", mapError);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Certificate)) {
            return false;
        }
        Certificate c = (Certificate) o;
        return kind == c.kind
                && certified == c.certified
                && hiddenLayers == c.hiddenLayers
                && unitsChecked == c.unitsChecked
                && offendingUnits == c.offendingUnits
                && java.util.Objects.equals(firstViolation, c.firstViolation)
                && Arrays.deepEquals(a, c.a)
                && Arrays.equals(b, c.b)
                && Double.compare(interiorDeviation, c.interiorDeviation) == 0
                && Double.compare(vertexDeviation, c.vertexDeviation) == 0
                && interiorPoints == c.interiorPoints
                && Double.compare(mapError, c.mapError) == 0;
    }

    @Override
    public int hashCode() {
        int h = java.util.Objects.hash(
                kind,
                certified,
                hiddenLayers,
                unitsChecked,
                offendingUnits,
                firstViolation,
                interiorDeviation,
                vertexDeviation,
                interiorPoints,
                mapError);
        return 31 * (31 * h + Arrays.deepHashCode(a)) + Arrays.hashCode(b);
    }

    @Override
    public String toString() {
        return "Certificate[kind=" + kind
                + ", certified=" + certified
                + ", hiddenLayers=" + hiddenLayers
                + ", unitsChecked=" + unitsChecked
                + ", offendingUnits=" + offendingUnits
                + ", firstViolation=" + firstViolation
                + ", a=" + Arrays.deepToString(a)
                + ", b=" + Arrays.toString(b)
                + ", interiorDeviation=" + interiorDeviation
                + ", vertexDeviation=" + vertexDeviation
                + ", interiorPoints=" + interiorPoints
                + ", mapError=" + mapError + "]";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static double[][] deepCopy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            if (m[i] == null) {
                throw new IllegalArgumentException("a: row " + i + " is null");
            }
            c[i] = m[i].clone();
        }
        return c;
    }
}
