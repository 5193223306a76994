package org.police4j.region;

/**
 * Rounding-error bounds for the regions' sound support bounds ({@link
 * SupportRegion#halfWidthBound}): IEEE double in round-to-nearest, {@code u = 2^-53}, {@code
 * gamma_n = n u / (1 - n u)} computed slightly enlarged, the same constants as the support
 * certificate, so that its bounds and these agree bit for bit.
 */
final class OutwardRounding {

    private static final double U = 0x1p-53;
    private static final double INFLATE = 1 + 0x1p-20;

    private OutwardRounding() {}

    /** {@code gamma_m = m u / (1 - m u)}, enlarged. */
    static double gamma(int m) {
        double mu = m * U;
        return mu / (1 - mu) * INFLATE;
    }

    /**
     * A nonnegative bound computed as a sum of nonnegative terms, each of which went through at
     * most {@code n} roundings, rounded up to one at least the exact bound.
     */
    static double up(double bound, int n) {
        return bound * (1 + gamma(2 * n + 4)) + Double.MIN_NORMAL;
    }

    /** Checks an interval row {@code a -/+ aRadius} against the region's dimension. */
    static void checkRow(double[] a, double[] aRadius, int d) {
        if (a == null || aRadius == null || a.length != d || aRadius.length != d) {
            throw new IllegalArgumentException("a, aRadius: " + (a == null ? "null" : a.length + " entries") + " and "
                    + (aRadius == null ? "null" : aRadius.length + " entries") + ", expected " + d + " each");
        }
    }
}
