package org.police4j.network;

/**
 * One input point's activation pattern through a {@link FoldedNetwork}: for every hidden layer
 * and unit, the sign of the exact pre-activation (-1, 0 or +1) and a double approximation of it;
 * for every max-pool window, the set of positions holding its maximum.
 *
 * <p>When {@code exact} is true the signs and maxima come from exact arithmetic ({@link
 * ExactEval}) and the doubles are the exact values correctly rounded. When false, they come from
 * the rigorous double path ({@link BoundedEval}): every sign is nonzero and was proved by an
 * error bound, and the doubles are the double evaluations (within that bound of the exact values).
 */
public final class Pattern {

    /** Per activation layer and unit: the sign of the pre-activation. */
    public final byte[][] sign;
    /** Per activation layer and unit: the pre-activation, as a double. */
    public final double[][] pre;
    /** Per max-pool layer and window: the bit set of positions holding the maximum. */
    public final long[][] maxima;
    /** Per max-pool layer: the values entering it, as doubles (for reporting a window's gap). */
    public final double[][] poolInput;
    /** Whether the pattern comes from exact arithmetic. */
    public final boolean exact;

    Pattern(byte[][] sign, double[][] pre, long[][] maxima, double[][] poolInput, boolean exact) {
        this.sign = sign;
        this.pre = pre;
        this.maxima = maxima;
        this.poolInput = poolInput;
        this.exact = exact;
    }
}
