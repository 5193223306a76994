package org.police4j.region;

/**
 * The per-coordinate affine bijection {@code x_j -> (x_j - mean_j) / std_j} that a region's
 * {@link Region#standardized standardized} image is taken under, checked once against the region's
 * dimension (the command line's standardizer checks its parameters here too). The arithmetic is one subtraction and one division per coordinate, in that order, so
 * a region mapped here and a data row standardised the same way agree to the last bit.
 */
public final class CoordinateScaling {

    private final double[] mean;
    private final double[] std;

    private CoordinateScaling(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
    }

    /**
     * Checks the parameters against a region of dimension d.
     *
     * @param mean d finite shifts
     * @param std d finite scales {@code > 0}
     * @param d the region's dimension
     * @return the map
     * @throws IllegalArgumentException naming the argument, the entry and its value
     */
    public static CoordinateScaling of(double[] mean, double[] std, int d) {
        checkLength("mean", mean, d);
        checkLength("std", std, d);
        for (int j = 0; j < d; j++) {
            if (!Double.isFinite(mean[j])) {
                throw new IllegalArgumentException(
                        "mean: entry " + j + " is " + mean[j] + "; expected a finite value");
            }
            if (!(std[j] > 0) || !Double.isFinite(std[j])) {
                throw new IllegalArgumentException(
                        "std: entry " + j + " is " + std[j] + "; expected a finite value > 0");
            }
        }
        return new CoordinateScaling(mean.clone(), std.clone());
    }

    private static void checkLength(String arg, double[] a, int d) {
        if (a == null || a.length != d) {
            throw new IllegalArgumentException(arg + ": has " + (a == null ? "no (null)" : String.valueOf(a.length))
                    + " entries; expected " + d + ", the region's dimension");
        }
    }

    /** {@return the new point {@code (x - mean) / std}} */
    double[] point(double[] x) {
        double[] z = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = (x[j] - mean[j]) / std[j];
        }
        return z;
    }

    /** {@return the new points, {@link #point} of each row} */
    double[][] points(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = point(rows[i]);
        }
        return out;
    }

    /** {@return the new lengths {@code r / std}: how a radius along each axis scales} */
    double[] lengths(double[] r) {
        double[] out = new double[r.length];
        for (int j = 0; j < r.length; j++) {
            out[j] = r[j] / std[j];
        }
        return out;
    }

    /** {@return the new D x g matrix, row j divided by {@code std_j}: how directions scale} */
    double[][] directions(double[][] g) {
        double[][] out = new double[g.length][];
        for (int j = 0; j < g.length; j++) {
            out[j] = new double[g[j].length];
            for (int k = 0; k < g[j].length; k++) {
                out[j][k] = g[j][k] / std[j];
            }
        }
        return out;
    }
}
