package org.police4j.cli.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import org.police4j.region.CoordinateScaling;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * Per-feature standardisation {@code z = (x - mean) / std}, fitted on the training rows.
 *
 * <p>The std is the <b>population</b> standard deviation (divide by n). A feature that is
 * constant in the training data (every value equal) gets std 1 and its value as mean, so it maps
 * to 0 instead of dividing by zero or amplifying rounding noise.
 *
 * <h2>Why the POLICE guarantee survives standardisation</h2>
 * The network that is trained and constrained is {@code g}, which sees standardised inputs; the
 * model the user calls is {@code f(x) = g(S(x))} with the affine bijection
 * {@code S(x) = (x - mean) / std}. POLICE is applied to {@code g} on the region
 * {@link #mapRegion mapRegion(R)}, whose vertices are {@code S(v)} for the vertices v of the raw
 * region R. An affine bijection maps convex hulls to convex hulls, so
 * {@code S(conv(V)) = conv(S(V))}: the mapped region is exactly the image of R. If g is affine on
 * S(R), then f = g o S is a composition of affine maps on R, hence affine on R; conversely, f
 * affine on R makes g = f o S^-1 affine on S(R). So the guarantee holds in raw coordinates, on
 * exactly the region the user gave.
 *
 * <p>Immutable.
 */
public final class Standardizer {

    private final double[] mean;
    private final double[] std;

    private Standardizer(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
    }

    /**
     * Fits mean and population std per column.
     *
     * @param rows at least one row, all of the same positive width, finite values
     * @return the standardizer
     * @throws IllegalArgumentException if rows are empty, ragged or not finite
     */
    public static Standardizer fit(double[][] rows) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException(
                    "rows: none given; expected at least one training row to fit on");
        }
        int d = rows[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("rows: have 0 columns; expected at least 1");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException(
                        "rows: row " + i + " has " + rows[i].length + " values; expected " + d);
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(rows[i][j])) {
                    throw new IllegalArgumentException(
                            "rows: row " + i + ", column " + j + " is " + rows[i][j]
                                    + "; expected finite values");
                }
            }
        }
        double[] mean = new double[d];
        double[] std = new double[d];
        for (int j = 0; j < d; j++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (double[] r : rows) {
                sum += r[j];
                min = Math.min(min, r[j]);
                max = Math.max(max, r[j]);
            }
            if (min == max) { // constant column: exact mean, unit scale
                mean[j] = min;
                std[j] = 1;
                continue;
            }
            double m = sum / rows.length;
            double ss = 0;
            for (double[] r : rows) {
                ss += (r[j] - m) * (r[j] - m);
            }
            double s = Math.sqrt(ss / rows.length);
            mean[j] = m;
            std[j] = s > 0 && Double.isFinite(s) ? s : 1;
        }
        return new Standardizer(mean, std);
    }

    /**
     * A standardizer with given parameters.
     *
     * @param mean finite means
     * @param std finite, strictly positive scales, as many as means
     * @return the standardizer
     * @throws IllegalArgumentException if the arrays differ in length or hold invalid values
     */
    public static Standardizer of(double[] mean, double[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException(
                    "mean, std: have " + (mean == null ? "no" : mean.length) + " and "
                            + (std == null ? "no" : std.length)
                            + " entries; expected the same positive number");
        }
        CoordinateScaling.of(mean, std, mean.length); // finite means, finite positive scales, by entry
        return new Standardizer(mean.clone(), std.clone());
    }

    /** The identity on d features (mean 0, std 1), for models trained without standardising. */
    public static Standardizer identity(int d) {
        if (d < 1) {
            throw new IllegalArgumentException("d: " + d + "; expected at least 1 feature");
        }
        double[] ones = new double[d];
        Arrays.fill(ones, 1);
        return new Standardizer(new double[d], ones);
    }

    /** The number of features. */
    public int dimension() {
        return mean.length;
    }

    /** A copy of the means. */
    public double[] mean() {
        return mean.clone();
    }

    /** A copy of the scales (population std, 1 for constant features). */
    public double[] std() {
        return std.clone();
    }

    /**
     * @param x a raw row of {@link #dimension()} values
     * @return the new row {@code (x - mean) / std}
     */
    public double[] apply(double[] x) {
        checkWidth("x", x);
        double[] z = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = (x[j] - mean[j]) / std[j];
        }
        return z;
    }

    /**
     * @param rows raw rows
     * @return new standardised rows
     */
    public double[][] apply(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = apply(rows[i]);
        }
        return out;
    }

    /**
     * @param z a standardised row
     * @return the new raw row {@code z * std + mean}
     */
    public double[] invert(double[] z) {
        checkWidth("z", z);
        double[] x = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            x[j] = z[j] * std[j] + mean[j];
        }
        return x;
    }

    /**
     * The region in standardised coordinates: vertex v becomes {@code (v - mean) / std}; the name
     * is kept. See the class comment for why constraining the network on this region makes the
     * model affine on the raw region.
     *
     * @param raw a region in raw feature coordinates, of dimension {@link #dimension()}
     * @return the mapped region
     * @throws IllegalArgumentException if the dimensions differ
     */
    public VertexRegion mapRegion(VertexRegion raw) {
        checkDimension(raw);
        return raw.standardized(mean, std);
    }

    /**
     * {@link #mapRegion(VertexRegion)} for any region, exactly, as the region maps itself
     * ({@link Region#standardized}): a box stays a box (centre standardised, radii divided by
     * std), a zonotope a zonotope (generators divided by std row-wise); an l1 ball, which
     * per-feature scaling turns into a cross-polytope that is no longer an l1 ball, becomes its 2D
     * vertices {@code S(c +/- r e_j)}.
     *
     * @param raw a region in raw feature coordinates, of dimension {@link #dimension()}
     * @return the mapped region
     * @throws IllegalArgumentException if the dimensions differ
     * @throws UnsupportedOperationException for a region kind that cannot map itself (none the
     *     cli builds)
     */
    public Region mapRegion(Region raw) {
        checkDimension(raw);
        return raw.standardized(mean, std);
    }

    private void checkDimension(Region raw) {
        if (raw.dimension() != mean.length) {
            throw new IllegalArgumentException(
                    "raw: region has dimension " + raw.dimension() + "; expected "
                            + mean.length + ", the number of features");
        }
    }

    private void checkWidth(String arg, double[] x) {
        if (x == null || x.length != mean.length) {
            throw new IllegalArgumentException(
                    arg + ": has " + (x == null ? "no (null)" : String.valueOf(x.length))
                            + " values; expected " + mean.length + ", one per feature");
        }
    }

    /** {@code {"mean": [...], "std": [...]}}, for the model's metadata. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode m = o.putArray("mean");
        ArrayNode s = o.putArray("std");
        for (int j = 0; j < mean.length; j++) {
            m.add(mean[j]);
            s.add(std[j]);
        }
        return o;
    }

    /**
     * Reads what {@link #toJson()} wrote.
     *
     * @param node {@code {"mean": [...], "std": [...]}}
     * @param source where it came from, for messages
     * @return the standardizer
     * @throws InputException if the node is malformed
     */
    public static Standardizer fromJson(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw new InputException(
                    source + ": standardizer is " + (node == null ? "missing" : node.getNodeType())
                            + "; expected an object {\"mean\": [...], \"std\": [...]}");
        }
        double[] m = numbers(node, "mean", source);
        double[] s = numbers(node, "std", source);
        try {
            return of(m, s);
        } catch (IllegalArgumentException e) {
            throw new InputException(source + ": standardizer " + e.getMessage(), e);
        }
    }

    private static double[] numbers(JsonNode node, String key, String source) {
        JsonNode a = node.get(key);
        if (a == null || !a.isArray()) {
            throw new InputException(
                    source + ": standardizer '" + key + "' is " + (a == null ? "missing" : a)
                            + "; expected an array of numbers");
        }
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isNumber()) {
                throw new InputException(
                        source + ": standardizer " + key + "[" + i + "] is " + a.get(i)
                                + "; expected a number");
            }
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardizer other
                && Arrays.equals(mean, other.mean)
                && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Standardizer[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
