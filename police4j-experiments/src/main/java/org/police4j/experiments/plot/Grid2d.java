package org.police4j.experiments.plot;

import java.util.Arrays;
import java.util.function.ToDoubleBiFunction;

/**
 * Values of a scalar function sampled on a rectangular lattice of nodes.
 *
 * <p>Plotting works on plain arrays so that it does not depend on DJL: whoever owns the network
 * evaluates it on the lattice (in one batch, typically) and hands the numbers over. Row {@code j}
 * of {@link #values()} belongs to {@code ys[j]}, column {@code i} to {@code xs[i]}, like an image
 * whose first row is the <em>bottom</em> of the plot.
 *
 * <p>The lattice is expected to be uniform (as produced by {@link #sample}); renderers that fill
 * cells use the mean spacing.
 */
public final class Grid2d {
    private final double[] xs;
    private final double[] ys;
    private final double[][] values;

    /**
     * @param xs strictly increasing node abscissas, at least 2
     * @param ys strictly increasing node ordinates, at least 2
     * @param values {@code values[j][i]} is the value at {@code (xs[i], ys[j])}; NaN marks missing
     */
    public Grid2d(double[] xs, double[] ys, double[][] values) {
        checkAxis("xs", xs);
        checkAxis("ys", ys);
        if (values.length != ys.length) {
            throw new IllegalArgumentException("values has " + values.length + " rows, ys has " + ys.length);
        }
        this.values = new double[ys.length][];
        for (int j = 0; j < ys.length; j++) {
            if (values[j].length != xs.length) {
                throw new IllegalArgumentException(
                        "values row " + j + " has " + values[j].length + " entries, xs has " + xs.length);
            }
            this.values[j] = values[j].clone();
        }
        this.xs = xs.clone();
        this.ys = ys.clone();
    }

    /**
     * Samples {@code f} on {@code nx x ny} evenly spaced nodes that include the rectangle's corners.
     */
    public static Grid2d sample(double xmin, double xmax, int nx, double ymin, double ymax, int ny,
                                ToDoubleBiFunction<Double, Double> f) {
        double[] xs = linspace(xmin, xmax, nx);
        double[] ys = linspace(ymin, ymax, ny);
        double[][] v = new double[ny][nx];
        for (int j = 0; j < ny; j++) {
            for (int i = 0; i < nx; i++) {
                v[j][i] = f.applyAsDouble(xs[i], ys[j]);
            }
        }
        return new Grid2d(xs, ys, v);
    }

    /** Samples {@code f} on an {@code n x n} lattice over the square of side {@code side} centred on (cx, cy). */
    public static Grid2d sampleSquare(double cx, double cy, double side, int n, ToDoubleBiFunction<Double, Double> f) {
        double h = side / 2;
        return sample(cx - h, cx + h, n, cy - h, cy + h, n, f);
    }

    /** {@code n >= 2} evenly spaced values from {@code lo} to {@code hi}, both included exactly. */
    public static double[] linspace(double lo, double hi, int n) {
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 nodes, got " + n);
        }
        if (!(hi > lo)) {
            throw new IllegalArgumentException("empty interval [" + lo + ", " + hi + "]");
        }
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * i / (n - 1);
        }
        a[n - 1] = hi;
        return a;
    }

    public int nx() { return xs.length; }

    public int ny() { return ys.length; }

    public double x(int i) { return xs[i]; }

    public double y(int j) { return ys[j]; }

    /** The value at node {@code (xs[i], ys[j])}. */
    public double value(int i, int j) { return values[j][i]; }

    public double[] xs() { return xs.clone(); }

    public double[] ys() { return ys.clone(); }

    /** A copy of the values, {@code [ny][nx]}. */
    public double[][] values() {
        double[][] c = new double[values.length][];
        for (int j = 0; j < values.length; j++) {
            c[j] = values[j].clone();
        }
        return c;
    }

    public double xmin() { return xs[0]; }

    public double xmax() { return xs[xs.length - 1]; }

    public double ymin() { return ys[0]; }

    public double ymax() { return ys[ys.length - 1]; }

    /** Mean node spacing along x. */
    public double dx() { return (xmax() - xmin()) / (nx() - 1); }

    /** Mean node spacing along y. */
    public double dy() { return (ymax() - ymin()) / (ny() - 1); }

    /** Smallest non-NaN value, NaN if every value is NaN. */
    public double min() {
        return Arrays.stream(values).flatMapToDouble(Arrays::stream).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
    }

    /** Largest non-NaN value, NaN if every value is NaN. */
    public double max() {
        return Arrays.stream(values).flatMapToDouble(Arrays::stream).filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
    }

    private static void checkAxis(String name, double[] a) {
        if (a.length < 2) {
            throw new IllegalArgumentException(name + " needs at least 2 nodes, got " + a.length);
        }
        for (int i = 1; i < a.length; i++) {
            if (!(a[i] > a[i - 1])) {
                throw new IllegalArgumentException(name + " is not strictly increasing at index " + i);
            }
        }
    }
}
