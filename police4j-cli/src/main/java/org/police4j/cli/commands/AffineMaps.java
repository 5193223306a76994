package org.police4j.cli.commands;

import java.util.List;
import java.util.Locale;
import org.police4j.cli.data.Standardizer;

/** Helpers for the certified affine map y = A x + b: raw coordinates and printing. */
final class AffineMaps {

    private AffineMaps() {}

    /**
     * The map in raw coordinates: with {@code z = (x - mean) / std}, {@code A z + b = A_raw x +
     * b_raw} where {@code A_raw = A diag(1/std)} and {@code b_raw = b - A (mean / std)}.
     */
    static double[][] rawA(double[][] a, Standardizer s) {
        double[] std = s.std();
        double[][] out = new double[a.length][];
        for (int k = 0; k < a.length; k++) {
            out[k] = new double[a[k].length];
            for (int j = 0; j < a[k].length; j++) {
                out[k][j] = a[k][j] / std[j];
            }
        }
        return out;
    }

    /** See {@link #rawA}. */
    static double[] rawB(double[][] a, double[] b, Standardizer s) {
        double[] mean = s.mean();
        double[] std = s.std();
        double[] out = new double[b.length];
        for (int k = 0; k < b.length; k++) {
            double v = b[k];
            for (int j = 0; j < mean.length; j++) {
                v -= a[k][j] * (mean[j] / std[j]);
            }
            out[k] = v;
        }
        return out;
    }

    /** The map as lines {@code name = a*x1 + ... + b}, or its shape when it is large. */
    static String format(double[][] a, double[] b, List<String> inputs, List<String> outputs, int maxEntries) {
        StringBuilder sb = new StringBuilder();
        int d = inputs.size();
        if ((long) a.length * d > maxEntries) {
            return "    (A is " + a.length + " x " + d + ", too large to print; see certificate.json or export)\n";
        }
        for (int k = 0; k < a.length; k++) {
            sb.append("    ").append(outputs.get(k)).append(" =");
            for (int j = 0; j < d; j++) {
                sb.append(j == 0 ? " " : " + ").append(fmt(a[k][j])).append('*').append(inputs.get(j));
            }
            sb.append(" + ").append(fmt(b[k])).append('\n');
        }
        return sb.toString();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
