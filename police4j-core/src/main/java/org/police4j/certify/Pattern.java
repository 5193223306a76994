package org.police4j.certify;

/**
 * One vertex's activation pattern: for every hidden layer and unit, the sign of the exact
 * pre-activation (-1, 0 or +1) and a double approximation of it.
 *
 * <p>When {@code exact} is true the signs come from exact BigDecimal arithmetic and the doubles
 * are the exact values correctly rounded. When false, they come from the double fast path: every
 * sign is nonzero and was proved by a rigorous error bound, and the doubles are the
 * double-precision pre-activations (within that bound of the exact values).
 */
final class Pattern {

    final byte[][] sign;
    final double[][] pre;
    final boolean exact;

    Pattern(byte[][] sign, double[][] pre, boolean exact) {
        this.sign = sign;
        this.pre = pre;
        this.exact = exact;
    }
}
