package org.police4j.testing;

/** Small array helpers for tests. */
public final class Arrays2 {
    private Arrays2() {}

    public static double[] flat(double[][] m) {
        int n = 0;
        for (double[] row : m) {
            n += row.length;
        }
        double[] out = new double[n];
        int i = 0;
        for (double[] row : m) {
            System.arraycopy(row, 0, out, i, row.length);
            i += row.length;
        }
        return out;
    }
}
