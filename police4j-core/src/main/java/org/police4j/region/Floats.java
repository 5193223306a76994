package org.police4j.region;

/** Exact float32 to double widening for the regions' float factories. */
final class Floats {

    private Floats() {}

    static double[] widen(float[] v, String what) {
        if (v == null) {
            throw new IllegalArgumentException(what + ": null; expected coordinates");
        }
        double[] d = new double[v.length];
        for (int j = 0; j < v.length; j++) {
            d[j] = v[j];
        }
        return d;
    }

    static double[][] widen(float[][] rows, String what) {
        if (rows == null) {
            throw new IllegalArgumentException(what + ": null; expected rows of coordinates");
        }
        double[][] d = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            d[i] = widen(rows[i], what + " row " + i);
        }
        return d;
    }
}
