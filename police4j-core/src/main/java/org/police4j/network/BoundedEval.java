package org.police4j.network;

import static org.police4j.numeric.Rounding.U;
import static org.police4j.numeric.Rounding.gamma;
import static org.police4j.numeric.Rounding.up;

import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;

/**
 * The rigorous double evaluation (the certificates' fast path): evaluates a point in double
 * exactly as {@link DoubleEval} does, carrying for every value a rigorous bound on its distance
 * to the exact real value, and proves each unit's sign from the double when the double is
 * farther from 0 than its bound. If any unit is ambiguous (or anything overflows), or the
 * network has a layer this path does not bound (max-pool, average pool, per-channel affine), it
 * gives up and the caller falls back to {@link ExactEval}.
 *
 * <h2>The bound</h2>
 *
 * For a unit with n inputs (a dense row or a conv stencil), computed as {@code s = b; s += w[j] *
 * z[j]} in order (the float weight widens to double exactly; Java never contracts this into a
 * fused multiply-add), with computed inputs {@code ẑ} each within {@code e[j]} of the exact
 * inputs {@code z}:
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
public final class BoundedEval {

    private final FoldedNetwork net;
    private final double[][][] dense;
    private final boolean supported;
    private final int activations;

    /**
     * Widens the dense weights to double once.
     *
     * @param net the network
     */
    public BoundedEval(FoldedNetwork net) {
        this.net = net;
        int n = net.layers().size();
        dense = new double[n][][];
        boolean ok = true;
        int a = 0;
        for (int i = 0; i < n; i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Dense d) {
                double[][] w = new double[d.outputs()][d.inputs()];
                for (int k = 0; k < w.length; k++) {
                    for (int j = 0; j < w[k].length; j++) {
                        w[k][j] = d.weight()[k][j];
                    }
                }
                dense[i] = w;
            } else if (layer instanceof Activation) {
                a++;
            } else if (!(layer instanceof Conv || layer instanceof Flatten)) {
                ok = false;
            }
        }
        supported = ok;
        activations = a;
    }

    /** {@return whether every layer of the network is one this path bounds} */
    public boolean supported() {
        return supported;
    }

    /**
     * {@return the proved pattern of x, or null when some unit's sign cannot be decided from the
     * double evaluation (then x must be evaluated exactly)}
     *
     * @param x one flattened input
     */
    public Pattern pattern(double[] x) {
        if (!supported) {
            return null;
        }
        double[] z = x.clone();
        double[] e = new double[x.length]; // inputs are exact
        byte[][] sign = new byte[activations][];
        double[][] pre = new double[activations][];
        int act = 0;
        for (int i = 0; i < net.layers().size() && act < activations; i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Dense d) {
                double[][] w = dense[i];
                int n = z.length;
                double g = gamma(n + 1);
                double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
                double[] h = new double[w.length];
                double[] eh = new double[w.length];
                for (int k = 0; k < h.length; k++) {
                    double[] row = w[k];
                    double b = d.bias()[k];
                    double s = b;
                    double mag = Math.abs(b);
                    double prop = 0;
                    for (int j = 0; j < n; j++) {
                        double wj = row[j];
                        s += wj * z[j];
                        double aw = Math.abs(wj);
                        mag += aw * Math.abs(z[j]);
                        prop += aw * e[j];
                    }
                    h[k] = s;
                    eh[k] = up(g * mag + prop + absolute);
                }
                z = h;
                e = eh;
            } else if (layer instanceof Conv c) {
                int n = c.inC() * c.kernelH() * c.kernelW();
                double g = gamma(n + 1);
                double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
                double[] h = new double[c.bias().length];
                double[] eh = new double[h.length];
                float[] w = c.weight();
                double[] acc = new double[3];
                double[] zin = z;
                double[] ein = e;
                for (int o = 0; o < h.length; o++) {
                    double b = c.bias()[o];
                    acc[0] = b;
                    acc[1] = Math.abs(b);
                    acc[2] = 0;
                    c.taps(o, (in, wi) -> {
                        double wj = w[wi];
                        acc[0] += wj * zin[in];
                        double aw = Math.abs(wj);
                        acc[1] += aw * Math.abs(zin[in]);
                        acc[2] += aw * ein[in];
                    });
                    h[o] = acc[0];
                    eh[o] = up(g * acc[1] + acc[2] + absolute);
                }
                z = h;
                e = eh;
            } else if (layer instanceof Activation a) {
                if (!a.cpa().singleKinkAtZero()) {
                    return null; // several kinks: decided by the exact path
                }
                byte[] sg = new byte[z.length];
                for (int k = 0; k < z.length; k++) {
                    double s = z[k];
                    double bound = e[k];
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
                }
                sign[act] = sg;
                pre[act] = z.clone();
                double slope = a.cpa().negativeSlope();
                double[] h = z.clone();
                double[] eh = e.clone();
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
                act++;
            }
            // Flatten: the layout is already flat
        }
        return new Pattern(sign, pre, new long[0][], new double[0][], false);
    }
}
