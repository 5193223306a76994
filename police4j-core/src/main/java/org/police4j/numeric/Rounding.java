package org.police4j.numeric;

/**
 * The rounding constants of the rigorous double evaluations, in one place: the unit roundoff, the
 * standard constant {@code γ_m} of a sum of m rounded terms (Higham, Accuracy and Stability of
 * Numerical Algorithms, §3.1), and the two ways a nonnegative bound computed in double is rounded
 * up to a rigorous one. Used by the network's rigorous double evaluation (points), the regions' support bounds and the support certificate
 * (intervals).
 */
public final class Rounding {

    /** The unit roundoff of double, {@code 2^-53}. */
    public static final double U = 0x1p-53;

    /** The relative inflation that covers the rounding of a bound computed from fewer than 2^30 nonnegative terms. */
    private static final double INFLATE = 1 + 0x1p-20;

    private Rounding() {}

    /**
     * {@return γ_m = m u / (1 - m u), rounded up generously (by {@code 1 + 2^-20})}
     *
     * @param m the number of roundings
     */
    public static double gamma(int m) {
        double mu = m * U;
        return mu / (1 - mu) * INFLATE;
    }

    /**
     * {@return a nonnegative bound computed in double, inflated by {@code 1 + 2^-20} plus {@code
     * MIN_VALUE}: rigorous for sums of fewer than 2^30 nonnegative terms}
     *
     * @param bound the computed bound
     */
    public static double up(double bound) {
        return bound * INFLATE + Double.MIN_VALUE;
    }

    /**
     * {@return a nonnegative bound computed in double as a sum of nonnegative terms, each of which
     * went through at most {@code n} roundings, rounded up to one at least the exact bound: {@code
     * x (1 + γ_{2n+4}) + MIN_NORMAL} (see the support certificate)}
     *
     * @param bound the computed bound
     * @param n the most roundings one term went through
     */
    public static double up(double bound, int n) {
        return bound * (1 + gamma(2 * n + 4)) + Double.MIN_NORMAL;
    }
}
