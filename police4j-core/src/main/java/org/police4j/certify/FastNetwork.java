package org.police4j.certify;

import java.util.List;
import org.police4j.fold.DenseLayer;
import org.police4j.fold.FoldedWeights;

/**
 * The double-precision fast path: evaluates a vertex in double exactly as
 * {@link FoldedWeights#evaluate} does, carrying for every value a rigorous bound on its distance
 * to the exact real value, and proves each unit's sign from the double when the double is
 * farther from 0 than its bound. If any unit is ambiguous (or anything overflows), it gives up on
 * the whole vertex and the caller falls back to {@link ExactNetwork}.
 *
 * <h2>The bound</h2>
 *
 * For a unit with n inputs, computed as {@code s = b; s += w[j] * z[j]} in order (the float
 * weight widens to double exactly; Java never contracts this into a fused multiply-add), with
 * computed inputs {@code ẑ} each within {@code e[j]} of the exact inputs {@code z}:
 *
 * <pre>
 *   |ĥ - h| &lt;= |ĥ - (b + Σ w ẑ)| + |Σ w (ẑ - z)|
 *           &lt;= γ_{n+1} (|b| + Σ |w| |ẑ|) + Σ |w| e + (2n + 2) · MIN_NORMAL
 * </pre>
 *
 * with {@code γ_m = m u / (1 - m u)}, {@code u = 2^-53}: the standard bound for recursive
 * summation of products (Higham, Accuracy and Stability of Numerical Algorithms, §3.1; each term
 * goes through at most n + 1 roundings), plus an absolute term covering gradual underflow (each
 * subnormal rounding errs by at most 2^-1075). Since the bound itself is computed in double from
 * nonnegative terms, it is inflated by a factor {@code 1 + 2^-20} (far more than the relative
 * rounding error of summing fewer than 2^30 nonnegative terms) plus {@code MIN_VALUE}.
 *
 * <p>After the activation: on the positive side {@code ẑ = ĥ} keeps the bound; on the negative
 * side (slope c = {@code Cpa.negativeSlope()}) ReLU's c = 0 gives an exact 0 (bound 0), abs's
 * c = -1 an exact negation (same bound), and any other c (leaky-ReLU) {@code ẑ = fl(c ĥ)} with
 * bound {@code |c| E + 2u |ẑ| + MIN_VALUE} (one more rounding), again inflated.
 */
final class FastNetwork {

    private static final double U = 0x1p-53;
    private static final double INFLATE = 1 + 0x1p-20;

    private final double[][][] weight;
    private final double[][] bias;
    private final double slope;

    FastNetwork(FoldedWeights net) {
        List<DenseLayer> hidden = net.hidden();
        weight = new double[hidden.size()][][];
        bias = new double[hidden.size()][];
        for (int l = 0; l < hidden.size(); l++) {
            float[][] w = hidden.get(l).weight();
            weight[l] = new double[w.length][];
            for (int k = 0; k < w.length; k++) {
                weight[l][k] = new double[w[k].length];
                for (int j = 0; j < w[k].length; j++) {
                    weight[l][k][j] = w[k][j];
                }
            }
            float[] b = hidden.get(l).bias();
            bias[l] = new double[b.length];
            for (int k = 0; k < b.length; k++) {
                bias[l][k] = b[k];
            }
        }
        slope = net.activation().negativeSlope();
    }

    /** γ_m = m u / (1 - m u), rounded up generously. */
    static double gamma(int m) {
        double mu = m * U;
        return mu / (1 - mu) * INFLATE;
    }

    /** Rounds a nonnegative bound computed in double up to a rigorous one. */
    private static double up(double bound) {
        return bound * INFLATE + Double.MIN_VALUE;
    }

    /**
     * The proved pattern of one vertex, or null when some unit's sign cannot be decided from the
     * double evaluation (then the vertex must be evaluated exactly).
     */
    Pattern forward(double[] x) {
        double[] z = x.clone();
        double[] e = new double[x.length]; // inputs are exact
        byte[][] sign = new byte[weight.length][];
        double[][] pre = new double[weight.length][];
        for (int l = 0; l < weight.length; l++) {
            double[][] w = weight[l];
            double[] b = bias[l];
            int n = z.length;
            double g = gamma(n + 1);
            double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
            double[] h = new double[b.length];
            double[] eh = new double[b.length];
            byte[] sg = new byte[b.length];
            for (int k = 0; k < h.length; k++) {
                double[] row = w[k];
                double s = b[k];
                double mag = Math.abs(b[k]);
                double prop = 0;
                for (int j = 0; j < n; j++) {
                    double wj = row[j];
                    s += wj * z[j];
                    double aw = Math.abs(wj);
                    mag += aw * Math.abs(z[j]);
                    prop += aw * e[j];
                }
                double bound = up(g * mag + prop + absolute);
                if (!(Double.isFinite(s) && Double.isFinite(bound))) {
                    return null;
                }
                if (s > bound) {
                    sg[k] = 1;
                } else if (s < -bound) {
                    sg[k] = -1;
                } else {
                    return null; // ambiguous: the exact value may be 0 or of either sign
                }
                h[k] = s;
                eh[k] = bound;
            }
            sign[l] = sg;
            pre[l] = h.clone();
            for (int k = 0; k < h.length; k++) {
                if (sg[k] < 0) {
                    if (slope == 0.0) {
                        h[k] = 0.0; // exact
                        eh[k] = 0.0;
                    } else if (slope == -1.0) {
                        h[k] = -h[k]; // exact, same bound
                    } else if (slope != 1.0) {
                        h[k] = slope * h[k]; // one more rounding
                        eh[k] = up(Math.abs(slope) * eh[k] + 2 * U * Math.abs(h[k]));
                    }
                }
            }
            z = h;
            e = eh;
        }
        return new Pattern(sign, pre, false);
    }
}
