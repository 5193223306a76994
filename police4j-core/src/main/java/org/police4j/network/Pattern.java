package org.police4j.network;

/**
 * One input point's activation pattern through a {@link FoldedNetwork}: for every hidden layer
 * and unit, the sign of the exact pre-activation (-1, 0 or +1) and a double approximation of it;
 * for every max-pool window, the set of positions holding its maximum.
 *
 * <p>Every sign and every maximum is proved: from exact arithmetic ({@link ExactEval}), where
 * the doubles are the exact values correctly rounded, or from the rigorous double-double path
 * ({@link BoundedEval}), where a sign is 0 and a window has several maxima only for exact zeros
 * and exact ties, and the doubles are its values rounded to double (within the proved bound of
 * the exact values). The rigorous path hands
 * what its bound cannot decide to exact arithmetic unit by unit; {@code exact} says whether any
 * sign or window of this point was decided exactly.
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
    /** Whether some sign or window of this pattern was decided in exact arithmetic. */
    public final boolean exact;
    /**
     * How many leading hidden layers (activation l with the max-pools feeding it) are proved:
     * {@link Integer#MAX_VALUE} for all. Fewer only when the exact fallback ran out of its budget
     * ({@link #budgetExceeded}); the signs and windows from there on are the double-double values'
     * own, unproved, and serve only the diagnostic map of a refuted region.
     */
    public final int provedLayers;
    /** Why the pattern is proved only in part, or null. */
    public final ExactBudgetException budgetExceeded;

    Pattern(byte[][] sign, double[][] pre, long[][] maxima, double[][] poolInput, boolean exact) {
        this(sign, pre, maxima, poolInput, exact, Integer.MAX_VALUE, null);
    }

    Pattern(byte[][] sign, double[][] pre, long[][] maxima, double[][] poolInput, boolean exact, int provedLayers,
            ExactBudgetException budgetExceeded) {
        this.sign = sign;
        this.pre = pre;
        this.maxima = maxima;
        this.poolInput = poolInput;
        this.exact = exact;
        this.provedLayers = provedLayers;
        this.budgetExceeded = budgetExceeded;
    }
}
