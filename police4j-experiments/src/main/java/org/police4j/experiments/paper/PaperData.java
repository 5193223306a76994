package org.police4j.experiments.paper;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import org.police4j.experiments.plot.Grid2d;

/** The data sets of the paper's figures (settings from the authors' scripts). */
final class PaperData {
    private PaperData() {}

    /** Figure 1's two noisy wavy rings: 2 x {@code angles} points, class 0 inside, class 1 outside. */
    record Labeled(double[][] x, int[] labels) {}

    static Labeled rings(int angles, double noise, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[2 * angles][];
        int[] labels = new int[2 * angles];
        double[] t = Grid2d.linspace(0, 2 * Math.PI, angles);
        for (int c = 0; c < 2; c++) {
            double scale = c == 0 ? 1.0 : 1.3;
            for (int k = 0; k < angles; k++) {
                double r = (1 + 0.2 * Math.cos(10 * t[k])) * scale;
                int i = c * angles + k;
                x[i] = new double[] {
                    r * Math.cos(t[k]) + noise * rng.nextGaussian(),
                    r * Math.sin(t[k]) + noise * rng.nextGaussian()
                };
                labels[i] = c;
            }
        }
        return new Labeled(x, labels);
    }

    /** The regression targets of Figures 2 and 3, before normalisation. */
    static DoubleBinaryOperator rawTarget(String name) {
        switch (name) {
            case "wave":
                return (x, y) -> Math.cos(3 * x) * Math.cos(y);
            case "rays":
                return (x, y) -> Math.cos(6 * Math.atan2(y, x));
            case "spiral":
                return (x, y) -> Math.cos(6 * Math.hypot(x, y) + Math.atan2(y, x));
            default:
                throw new IllegalArgumentException("target: " + name + "; expected wave, rays or spiral");
        }
    }

    /** {@code n x n} lattice points of {@code [lo, hi]^2}, row by row (index j * n + i is (xs[i], ys[j])). */
    static double[][] lattice(double lo, double hi, int n) {
        return lattice(lo, hi, lo, hi, n);
    }

    static double[][] lattice(double xlo, double xhi, double ylo, double yhi, int n) {
        double[] xs = Grid2d.linspace(xlo, xhi, n);
        double[] ys = Grid2d.linspace(ylo, yhi, n);
        double[][] p = new double[n * n][];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                p[j * n + i] = new double[] {xs[i], ys[j]};
            }
        }
        return p;
    }

    /** The target on the points, centred by its mean and divided by its max absolute value over them. */
    static double[] normalizedTarget(String name, double[][] points) {
        DoubleBinaryOperator f = rawTarget(name);
        double[] v = new double[points.length];
        for (int k = 0; k < v.length; k++) {
            v[k] = f.applyAsDouble(points[k][0], points[k][1]);
        }
        double mean = Arrays.stream(v).average().orElse(0);
        double maxAbs = 0;
        for (int k = 0; k < v.length; k++) {
            v[k] -= mean;
            maxAbs = Math.max(maxAbs, Math.abs(v[k]));
        }
        if (maxAbs > 0) {
            for (int k = 0; k < v.length; k++) {
                v[k] /= maxAbs;
            }
        }
        return v;
    }

    /** Values listed row by row on an {@code n x n} lattice of {@code [xlo, xhi] x [ylo, yhi]}, as a grid. */
    static Grid2d toGrid(double xlo, double xhi, double ylo, double yhi, int n, double[] values) {
        double[][] v = new double[n][n];
        for (int j = 0; j < n; j++) {
            System.arraycopy(values, j * n, v[j], 0, n);
        }
        return new Grid2d(Grid2d.linspace(xlo, xhi, n), Grid2d.linspace(ylo, yhi, n), v);
    }

    /** The vertices of a convex 2-D region in polygon order (by angle around their centroid), for drawing. */
    static double[][] polygonOrder(double[][] vertices) {
        double cx = 0;
        double cy = 0;
        for (double[] v : vertices) {
            cx += v[0];
            cy += v[1];
        }
        double mx = cx / vertices.length;
        double my = cy / vertices.length;
        double[][] copy = vertices.clone();
        Arrays.sort(copy, (a, b) -> Double.compare(Math.atan2(a[1] - my, a[0] - mx), Math.atan2(b[1] - my, b[0] - mx)));
        return copy;
    }

    /** The highest vertex (the first of the highest if tied): where the figures' insets zoom in. */
    static double[] topVertex(double[][] vertices) {
        double[] best = vertices[0];
        for (double[] v : vertices) {
            if (v[1] > best[1] + 1e-12) {
                best = v;
            }
        }
        return best.clone();
    }
}
