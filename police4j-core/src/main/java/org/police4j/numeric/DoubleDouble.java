package org.police4j.numeric;

import static org.police4j.numeric.Rounding.U;

import java.math.BigDecimal;

/**
 * Double-double arithmetic with rigorous bounds: a value as an unevaluated sum {@code hi + lo}
 * ({@code |lo| <= 2^-53 |hi|}), used where a value computed at a point must stay close to the
 * exact one through many layers. Why: a bound carried in double grows through the rows' L1 norms
 * (x4 to x8 per layer) from {@code 2^-53}; from about {@code n^2 2^-106} it stays far below the
 * POLICE margin through dozens of layers (docs/ROUNDING-DEPTH.md). Shared by the engine's
 * reference at the vertices and the certificate's evaluation at the vertices.
 *
 * <p>A float32 weight times a double is exact as {@code p + fma(w, hi, -p)} (TwoProduct); sums
 * keep their errors by TwoSum. Against the exact {@code b + sum_j w_j y_j} a {@link Dot} is off by
 * at most {@link #rho}{@code (n) (|b| + sum_j |w_j| |y_j|)} plus {@code sum_j |w_j| e_j} for inputs
 * within {@code e_j} of theirs; a sum of two pairs by {@link #UU} of the addends.
 */
public final class DoubleDouble {

    /** The bound of one pair operation relative to its operands: {@code 8 u^2}. */
    public static final double UU = 8 * U * U;

    /** What one operation can add in the subnormal range, generously ({@code 2^-1074} is the truth). */
    public static final double TINY = 0x1p-1040;

    private DoubleDouble() {}

    /**
     * {@return {@code rho(n) = gamma_{2n+4} (n + 3) u (1 + gamma_{n+1})}: the relative bound of a
     * double-double dot product of n terms plus a bias}
     *
     * @param n the number of products
     */
    public static double rho(int n) {
        return Rounding.gamma(2 * n + 4) * (n + 3) * U * (1 + Rounding.gamma(n + 1));
    }

    /**
     * {@return TwoSum's exact error {@code a + b - s} for {@code s = fl(a + b)}}
     *
     * @param a an addend
     * @param b the other addend
     * @param s {@code fl(a + b)}
     */
    public static double twoSumError(double a, double b, double s) {
        double bb = s - a;
        return (a - (s - bb)) + (b - bb);
    }

    /**
     * {@code (h1 + l1) + (h2 + l2)} as a pair into {@code out}.
     *
     * @param h1 the first value's high part
     * @param l1 its low part
     * @param h2 the second value's high part
     * @param l2 its low part
     * @param out receives {hi, lo}
     * @return a bound of its error, {@code 8 u^2 (|h1| + |h2|)} plus {@link #TINY}; 0 when one
     *     addend is an exact 0
     */
    public static double add(double h1, double l1, double h2, double l2, double[] out) {
        if (h1 == 0 && l1 == 0 || h2 == 0 && l2 == 0) {
            out[0] = h1 + h2; // an exact 0 added: the other pair, exactly
            out[1] = l1 + l2;
            return 0;
        }
        double s = h1 + h2;
        double e = twoSumError(h1, h2, s) + l1 + l2;
        double r = s + e;
        out[0] = r;
        out[1] = twoSumError(s, e, r);
        return UU * (Math.abs(h1) + Math.abs(h2)) + TINY;
    }

    /**
     * {@code a (h + l)} as a pair into {@code out}: {@code a h} exactly (TwoProduct), {@code a l}
     * rounded.
     *
     * @param a the factor (an activation's slope)
     * @param h the value's high part
     * @param l its low part
     * @param out receives {hi, lo}
     * @return a bound of its error, {@code 8 u^2 |a h|}
     */
    public static double multiply(double a, double h, double l, double[] out) {
        double prod = a * h;
        double prodErr = Math.fma(a, h, -prod) + a * l;
        double s = prod + prodErr;
        out[0] = s;
        out[1] = twoSumError(prod, prodErr, s);
        return UU * Math.abs(prod);
    }

    /**
     * {@code sum[at] + low[at] += w (hi + lo)}: one step of a double-double dot product (the
     * product by TwoProduct, added by TwoSum, the errors and {@code w lo} to {@code low}); the
     * engine's reference runs it over the rows of every vertex, {@link Dot} over one.
     *
     * @param w the weight
     * @param hi the input's high part
     * @param lo the input's low part
     * @param sum the running sums
     * @param low their running error terms
     * @param at which sum
     */
    public static void multiplyAdd(double w, double hi, double lo, double[] sum, double[] low, int at) {
        double prod = w * hi;
        double prodErr = Math.fma(w, hi, -prod);
        double s = sum[at];
        double t = s + prod;
        double bb = t - s;
        double sumErr = (s - (t - bb)) + (prod - bb);
        sum[at] = t;
        low[at] += sumErr + prodErr + w * lo;
    }

    /**
     * {@return the sign of {@code (h1 + l1) - (h2 + l2)}, exactly (BigDecimal when the doubles do not decide)}
     *
     * @param h1 the first value's high part
     * @param l1 its low part
     * @param h2 the second value's high part
     * @param l2 its low part
     */
    public static int compare(double h1, double l1, double h2, double l2) {
        if (h1 == h2 && l1 == l2) {
            return 0;
        }
        double s = h1 - h2;
        double e = twoSumError(h1, -h2, s);
        double rest = Math.abs(e) + Math.abs(l1) + Math.abs(l2);
        if (Math.abs(s) > rest * (1 + 4 * U)) {
            return s > 0 ? 1 : -1;
        }
        return new BigDecimal(h1).add(new BigDecimal(l1)).compareTo(new BigDecimal(h2).add(new BigDecimal(l2)));
    }

    /**
     * One dot product {@code b + sum_j w_j (hi_j + lo_j)} in double-double (products by
     * TwoProduct, summed by TwoSum, the errors and {@code w lo} in a second double: Ogita, Rump and
     * Oishi's Dot2), with its rigorous bound. Reused: {@link #reset} starts the next.
     */
    public static final class Dot {
        private final double[] sum = new double[1];
        private final double[] low = new double[1];
        private double magnitude;
        private double carried;
        private int terms;

        /**
         * Starts a dot product at the bias.
         *
         * @param bias the bias, exact
         */
        public void reset(double bias) {
            sum[0] = bias;
            low[0] = 0;
            magnitude = Math.abs(bias);
            carried = 0;
            terms = 0;
        }

        /**
         * Adds {@code w (hi + lo)} for an input within {@code err} of its exact value.
         *
         * @param w the weight (a float32 value, or any double whose products with {@code hi} are
         *     the term)
         * @param hi the input's high part
         * @param lo the input's low part
         * @param err the input's bound
         */
        public void add(double w, double hi, double lo, double err) {
            multiplyAdd(w, hi, lo, sum, low, 0);
            double aw = Math.abs(w);
            magnitude += aw * (Math.abs(hi) + Math.abs(lo));
            carried += aw * err;
            terms++;
        }

        /**
         * Writes the result as a pair.
         *
         * @param out receives {hi, lo}
         */
        public void result(double[] out) {
            double s = sum[0] + low[0];
            out[0] = s;
            out[1] = twoSumError(sum[0], low[0], s);
        }

        /**
         * {@return the rigorous bound of the result's distance to the exact value, rounded up: 0
         * when the bias and every term were exact zeros (the sum is then an exact 0)}
         */
        public double bound() {
            return bound(magnitude, carried, terms);
        }

        /**
         * {@return the bound of a dot product computed as this class computes one, from its
         * sums: {@code magnitude = |b| + sum_j |w_j| (|hi_j| + |lo_j|)}, {@code carried = sum_j
         * |w_j| err_j}, in the order the terms were added; 0 when both are 0 (an exact zero)}
         *
         * @param magnitude the bias's and the terms' magnitudes
         * @param carried the inputs' bounds, weighted
         * @param terms how many terms
         */
        public static double bound(double magnitude, double carried, int terms) {
            return bound(rho(terms), magnitude, carried, terms);
        }

        /**
         * {@return {@link #bound(double, double, int)} with {@code rho(terms)} given: a kernel
         * that ends many dot products of one length computes it once}
         *
         * @param rho {@link DoubleDouble#rho}{@code (terms)}
         * @param magnitude the bias's and the terms' magnitudes
         * @param carried the inputs' bounds, weighted
         * @param terms how many terms
         */
        public static double bound(double rho, double magnitude, double carried, int terms) {
            if (magnitude == 0 && carried == 0) {
                return 0;
            }
            return Rounding.up(rho * magnitude + carried) + TINY * (terms + 4);
        }
    }
}
