package org.police4j.network;

import static org.police4j.numeric.Rounding.U;
import static org.police4j.numeric.Rounding.gamma;
import static org.police4j.numeric.Rounding.up;

import java.util.stream.IntStream;
import org.police4j.engine.PoolWindows;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.network.Layer.Parallel;

/**
 * The rigorous double evaluation (the certificates' fast path), for every layer kind: evaluates a
 * point in double exactly as {@link DoubleEval} does, carrying for every value a rigorous bound on
 * its distance to the exact real value, and proves each unit's sign (each window's winner) from
 * the double when the double is farther from 0 (from the other positions) than its bound. What the
 * bound cannot decide (a unit on the kink or within rounding of it, a near-tie in a window) is
 * decided in exact arithmetic, unit by unit, by an {@link ExactEval.Point} that is told every
 * side and winner proved so far; the double pass then goes on from the exact decision. The same
 * bounds carried backwards give the network's affine map for a fixed pattern with a rigorous error
 * bound per entry ({@link #affineMap}).
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
 * rounding error of summing fewer than 2^30 nonnegative terms) plus {@code MIN_VALUE}. A
 * per-channel affine map is the case n = 1; a global average pool {@code fl(fl(Σ ẑ) / n)} is
 * within {@code (Σ e + γ_n Σ |ẑ|) / n + u |ĥ|} (plus underflow) of the exact mean, and a windowed
 * average pool likewise with its window's n members and its divisor in place of n.
 *
 * <p>After the activation: on the positive side {@code ẑ = ĥ} keeps the bound; on the negative
 * side (slope c = {@code Cpa.negativeSlope()}) ReLU's c = 0 gives an exact 0 (bound 0), abs's
 * c = -1 an exact negation (same bound), and any other c (leaky-ReLU) {@code ẑ = fl(c ĥ)} with
 * bound {@code |c| E + 2u |ẑ| + MIN_VALUE} (one more rounding), again inflated. A unit decided
 * exactly on the kink is an exact 0. A window's winner w is proved when, for every other position
 * q, {@code fl(ĥ_w - ĥ_q) > up(E_w + E_q + 2u |fl(ĥ_w - ĥ_q)|)} (padded positions are -infinity and
 * never compete); the pooled value is then {@code ĥ_w} with its bound (a window decided exactly
 * takes its lowest maximal position), plus the bias after the max, if any, with one more rounding.
 *
 * <p>Backwards ({@link #affineMap}), one pass per output: the row {@code g} of the output's map
 * with respect to a layer's output goes to its input as {@code g W} (computed in the order of the
 * layer's outputs), with the same bound in transposed form, {@code |ĝ' - g'| <= Σ_o |w_o| (γ_{m+1}
 * |ĝ_o| + r_o)} plus underflow for m outputs, and every bias met adds {@code g . b} to the offset
 * with the bound of a sum of m + 1 terms. A windowed average pool hands {@code fl(ĝ_u / divisor)}
 * to each member of window u (one rounding, then a sum over the windows sharing an input).
 */
public final class BoundedEval {

    private final FoldedNetwork net;
    private final Graph graph;
    private final int activations;
    private final int pools;

    /**
     * Prepares the rigorous evaluation of {@code net} (nothing is copied).
     *
     * @param net the network
     */
    public BoundedEval(FoldedNetwork net) {
        this.net = net;
        this.graph = Graph.of(net);
        int a = 0;
        int p = 0;
        for (Layer layer : graph.layers) {
            if (layer instanceof Activation) {
                a++;
            } else if (layer instanceof MaxPool) {
                p++;
            }
        }
        activations = a;
        pools = p;
    }

    /** {@return whether every layer of the network is one this path bounds (every layer kind is)} */
    public boolean supported() {
        return true;
    }

    /**
     * {@return the proved pattern of x, or null when some unit's sign (or window's winner) cannot
     * be decided from the double evaluation (then use {@link #pattern(double[], ExactEval)})}
     *
     * @param x one flattened input
     */
    public Pattern pattern(double[] x) {
        return pattern(x, null);
    }

    /**
     * {@return the pattern of x, every sign and winner proved: by the rigorous bound where it
     * decides, else in exact arithmetic ({@link Pattern#exact} then says so); null only when
     * {@code exact} is null and the bound did not decide everything}
     *
     * @param x one flattened input
     * @param exact the exact evaluation of the same network for what the bound cannot decide, or
     *     null to give up instead
     */
    public Pattern pattern(double[] x, ExactEval exact) {
        byte[][] signs = new byte[activations][];
        double[][] pres = new double[activations][];
        long[][] allMaxima = new long[pools][];
        double[][] poolInputs = new double[pools][];
        boolean usedExact = false;
        ExactEval.Point point = exact == null ? null : exact.point(x);
        double[][] zs = new double[graph.size()][];
        double[][] es = new double[graph.size()][];
        double[] x0 = x.clone();
        double[] e0 = new double[x.length]; // inputs are exact
        int act = 0;
        int pool = 0;
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layers[i];
            int in = graph.input[i];
            double[] z = in < 0 ? x0 : zs[in];
            double[] e = in < 0 ? e0 : es[in];
            if (layer instanceof Activation a) {
                if (!finite(z, e) || !a.cpa().singleKinkAtZero()) { // several kinks: the exact path decides
                    return exact == null ? null : exact.pattern(x);
                }
                byte[] sg = new byte[z.length];
                double[] pre = z.clone();
                for (int k = 0; k < z.length; k++) {
                    if (z[k] > e[k]) {
                        sg[k] = 1;
                    } else if (z[k] < -e[k]) {
                        sg[k] = -1;
                    } else if (point == null) {
                        return null; // ambiguous: the exact value may be 0 or of either sign
                    } else {
                        sg[k] = (byte) point.value(in, k).signum();
                        pre[k] = point.doubleValue(in, k);
                        usedExact = true;
                    }
                }
                if (point != null) {
                    point.proveSides(i, sg);
                }
                signs[act] = sg;
                pres[act] = pre;
                z = z.clone();
                e = e.clone();
                activate(a.cpa().negativeSlope(), sg, z, e);
                act++;
            } else if (layer instanceof MaxPool p) {
                if (!finite(z, e)) {
                    return exact == null ? null : exact.pattern(x);
                }
                int n = p.outputSize(z.length);
                long[] maxima = new long[n];
                int[] winners = new int[n];
                double[] h = new double[n];
                double[] eh = new double[n];
                for (int u = 0; u < n; u++) {
                    long candidates = candidates(p, u, z, e);
                    if (Long.bitCount(candidates) == 1) {
                        maxima[u] = candidates;
                    } else if (point == null) {
                        return null;
                    } else {
                        maxima[u] = point.maxima(i, u, candidates);
                        usedExact = true;
                    }
                    winners[u] = Long.numberOfTrailingZeros(maxima[u]);
                    int w = p.position(u, winners[u]);
                    float b = p.biasOf(u);
                    h[u] = z[w] + b;
                    eh[u] = b == 0 ? e[w] : up(e[w] + 2 * U * Math.abs(h[u])); // the bias: one rounding
                }
                if (point != null) {
                    point.proveWinners(i, winners);
                }
                allMaxima[pool] = maxima;
                poolInputs[pool] = z;
                z = h;
                e = eh;
                pool++;
            } else if (layer instanceof Parallel p) {
                double[][] next = join(p, i, zs, es, x0, e0);
                z = next[0];
                e = next[1];
            } else {
                double[][] next = forward(layer, z, e);
                z = next[0];
                e = next[1];
            }
            zs[i] = z;
            es[i] = e;
        }
        return new Pattern(signs, pres, allMaxima, poolInputs, usedExact);
    }

    /**
     * A join node on (values, bounds): each value a sum of the join's bias and one value per
     * branch (a concatenation: one branch), in branch order; the dense bound with weights 1
     * ({@code n} = branches summed).
     */
    private double[][] join(Parallel p, int i, double[][] zs, double[][] es, double[] x0, double[] e0) {
        int[] ends = graph.ends[i];
        double[] h = new double[graph.sizes[i]];
        double[] eh = new double[h.length];
        boolean sum = graph.sums(i);
        int n = sum ? ends.length : 1;
        double g = gamma(n + 1);
        double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
        for (int k = 0; k < h.length; k++) {
            double b = p.bias()[k];
            double s = b;
            double mag = Math.abs(b);
            double prop = 0;
            if (sum) {
                for (int end : ends) {
                    double[] z = end < 0 ? x0 : zs[end];
                    double[] e = end < 0 ? e0 : es[end];
                    s += z[k];
                    mag += Math.abs(z[k]);
                    prop += e[k];
                }
            } else {
                int[] at = graph.branchOf(i, k);
                int end = ends[at[0]];
                double v = (end < 0 ? x0 : zs[end])[at[1]];
                s += v;
                mag += Math.abs(v);
                prop += (end < 0 ? e0 : es[end])[at[1]];
            }
            h[k] = s;
            eh[k] = up(g * mag + prop + absolute);
        }
        return new double[][] {h, eh};
    }

    private static boolean finite(double[] z, double[] e) {
        for (int k = 0; k < z.length; k++) {
            if (!(Double.isFinite(z[k]) && Double.isFinite(e[k]))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The positions of window u that may hold its maximum: the largest double (the lowest on ties)
     * alone when it is proved above every other position, else every position not proved below it.
     */
    private static long candidates(MaxPool p, int u, double[] z, double[] e) {
        int best = -1;
        for (int q = 0; q < p.window(); q++) {
            int at = p.position(u, q);
            if (at >= 0 && (best < 0 || z[at] > z[p.position(u, best)])) {
                best = q; // padding (position -1) is -infinity: never a candidate
            }
        }
        int w = p.position(u, best);
        long mask = 1L << best;
        for (int q = 0; q < p.window(); q++) {
            int at = p.position(u, q);
            if (q == best || at < 0) {
                continue;
            }
            double gap = z[w] - z[at];
            if (!(gap > up(e[w] + e[at] + 2 * U * Math.abs(gap)))) {
                mask |= 1L << q;
            }
        }
        return mask;
    }

    /** Applies the activation with proved signs to (z, e) in place. */
    private static void activate(double slope, byte[] sg, double[] z, double[] e) {
        for (int k = 0; k < z.length; k++) {
            if (sg[k] == 0) {
                z[k] = 0.0; // exactly on the kink: exactly 0 on either side
                e[k] = 0.0;
            } else if (sg[k] < 0) {
                if (slope == 0.0) {
                    z[k] = 0.0; // exact
                    e[k] = 0.0;
                } else if (slope == -1.0) {
                    z[k] = -z[k]; // exact, same bound
                } else if (slope != 1.0) {
                    z[k] = slope * z[k]; // one more rounding
                    e[k] = up(Math.abs(slope) * e[k] + 2 * U * Math.abs(z[k]));
                }
            }
        }
    }

    /**
     * One affine layer (dense, conv, per-channel affine, global or windowed average pool, flatten)
     * on (values, bounds).
     */
    private static double[][] forward(Layer layer, double[] z, double[] e) {
        if (layer instanceof Dense d) {
            int n = z.length;
            double g = gamma(n + 1);
            double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
            double[] h = new double[d.outputs()];
            double[] eh = new double[h.length];
            for (int k = 0; k < h.length; k++) {
                float[] row = d.weight()[k];
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
            return new double[][] {h, eh};
        } else if (layer instanceof Conv c) {
            int n = c.fanIn();
            double g = gamma(n + 1);
            double absolute = (2.0 * n + 2) * Double.MIN_NORMAL;
            double[] h = new double[c.bias().length];
            double[] eh = new double[h.length];
            float[] w = c.weight();
            double[] acc = new double[3];
            for (int o = 0; o < h.length; o++) {
                double b = c.bias()[o];
                acc[0] = b;
                acc[1] = Math.abs(b);
                acc[2] = 0;
                c.taps(o, (in, wi) -> {
                    double wj = w[wi];
                    acc[0] += wj * z[in];
                    double aw = Math.abs(wj);
                    acc[1] += aw * Math.abs(z[in]);
                    acc[2] += aw * e[in];
                });
                h[o] = acc[0];
                eh[o] = up(g * acc[1] + acc[2] + absolute);
            }
            return new double[][] {h, eh};
        } else if (layer instanceof ChannelAffine a) {
            double g = gamma(2);
            double[] h = new double[z.length];
            double[] eh = new double[z.length];
            for (int k = 0; k < h.length; k++) {
                int ch = k / a.positions();
                double s = a.scale()[ch];
                double t = a.offset()[ch];
                h[k] = s * z[k] + t;
                eh[k] = up(g * (Math.abs(s) * Math.abs(z[k]) + Math.abs(t)) + Math.abs(s) * e[k] + 4 * Double.MIN_NORMAL);
            }
            return new double[][] {h, eh};
        } else if (layer instanceof GlobalAvgPool p) {
            int n = p.area();
            double g = gamma(n);
            double[] h = new double[p.c()];
            double[] eh = new double[h.length];
            for (int ch = 0; ch < h.length; ch++) {
                double s = 0;
                double mag = 0;
                double prop = 0;
                for (int q = 0; q < n; q++) {
                    double v = z[ch * n + q];
                    s += v;
                    mag += Math.abs(v);
                    prop += e[ch * n + q];
                }
                h[ch] = s / n;
                eh[ch] = up((prop + g * mag) / n + 2 * U * Math.abs(h[ch])
                        + 2 * Double.MIN_NORMAL);
            }
            return new double[][] {h, eh};
        } else if (layer instanceof AvgPool p) {
            // as the global average: a window's sum, then one division by its divisor
            int n = p.windows().outputs();
            double[] h = new double[n];
            double[] eh = new double[n];
            for (int u = 0; u < n; u++) {
                int[] members = p.members(u);
                double s = 0;
                double mag = 0;
                double prop = 0;
                for (int x : members) {
                    s += z[x];
                    mag += Math.abs(z[x]);
                    prop += e[x];
                }
                int divisor = p.divisor(u);
                h[u] = s / divisor;
                eh[u] = up((prop + gamma(members.length) * mag) / divisor + 2 * U * Math.abs(h[u])
                        + 2 * Double.MIN_NORMAL);
            }
            return new double[][] {h, eh};
        } else if (layer instanceof Flatten) {
            return new double[][] {z, e}; // the layout is already flat
        }
        throw unknown(layer);
    }

    /** A layer kind this class does not evaluate: a new kind of {@link Layer} must be added here. */
    static IllegalStateException unknown(Layer layer) {
        return new IllegalStateException("layer: " + layer.getClass().getSimpleName()
                + " is not evaluated by the certificate's evaluators; expected one of Layer's kinds they handle");
    }

    /**
     * The network's affine map with every unit held on its side and every window on its winner,
     * in double, with a rigorous bound on each entry's distance to the exact real coefficient of
     * the float32 network's map (see the class comment). K backward passes of about the cost of
     * one double forward pass each.
     *
     * @param sides per activation layer and unit, +1 or -1
     * @param winners per max-pool layer and window, the winning position
     * @param parallel whether to compute the K passes in parallel
     * @return the map and its bounds
     */
    public AffineMap affineMap(int[][] sides, int[][] winners, boolean parallel) {
        int outputs = net.outputDimension();
        IntStream rows = IntStream.range(0, outputs);
        if (parallel) {
            rows = rows.parallel();
        }
        double[][][] passes = rows.mapToObj(k -> backward(k, sides, winners)).toArray(double[][][]::new);
        int d = net.inputDimension();
        double[][] a = new double[outputs][];
        double[][] aBound = new double[outputs][];
        double[] b = new double[outputs];
        double[] bBound = new double[outputs];
        for (int k = 0; k < outputs; k++) {
            a[k] = java.util.Arrays.copyOf(passes[k][0], d);
            aBound[k] = java.util.Arrays.copyOf(passes[k][1], d);
            b[k] = passes[k][0][d];
            bBound[k] = passes[k][1][d];
        }
        return new AffineMap(a, b, aBound, bBound);
    }

    /**
     * An affine map {@code A x + b} in double with a rigorous bound on every entry: {@code |A_kj -
     * exact_kj| <= aBound_kj}, {@code |b_k - exact_k| <= bBound_k}.
     *
     * @param a K x D
     * @param b K
     * @param aBound K x D, nonnegative
     * @param bBound K, nonnegative
     */
    public record AffineMap(double[][] a, double[] b, double[][] aBound, double[] bBound) {

        /** {@return the largest bound over all entries of A and b (NaN or infinite if any overflowed)} */
        public double maxBound() {
            double worst = 0;
            for (int k = 0; k < b.length; k++) {
                worst = worse(worst, bBound[k]);
                for (double r : aBound[k]) {
                    worst = worse(worst, r);
                }
            }
            return worst;
        }

        private static double worse(double worst, double r) {
            return r > worst || Double.isNaN(r) ? r : worst;
        }
    }

    /**
     * Row k of the held network's map with its bounds: {@code g} (bound {@code r}) is the row with
     * respect to the current layer's output, carried back to its input; the offset collects {@code
     * g . bias}.
     *
     * @return {the D coefficients then the offset, their bounds}
     */
    private double[][] backward(int k, int[][] sides, int[][] winners) {
        int nodes = graph.size();
        double[][] rows = new double[nodes][];
        double[][] bounds = new double[nodes][];
        double[][] input = new double[2][];
        rows[nodes - 1] = new double[graph.sizes[nodes - 1]];
        bounds[nodes - 1] = new double[graph.sizes[nodes - 1]];
        rows[nodes - 1][k] = 1;
        double[] offset = {0, 0}; // value, bound
        int act = activations;
        int pool = pools;
        for (int i = nodes - 1; i >= 0; i--) {
            Layer layer = graph.layers[i];
            double[] g = rows[i] != null ? rows[i] : new double[graph.sizes[i]]; // null: no output depends on it
            double[] r = bounds[i] != null ? bounds[i] : new double[graph.sizes[i]];
            double[] in = new double[graph.inputSizeOf(i)];
            double[] rin = new double[in.length];
            if (layer instanceof Dense d) {
                int m = g.length;
                double gm = gamma(m + 1);
                addBias(offset, g, r, d.bias(), o -> o, gm);
                for (int o = 0; o < m; o++) {
                    double go = g[o];
                    if (go == 0 && r[o] == 0) {
                        continue;
                    }
                    double co = gm * Math.abs(go) + r[o];
                    float[] row = d.weight()[o];
                    for (int j = 0; j < in.length; j++) {
                        double w = row[j];
                        in[j] += go * w;
                        rin[j] += co * Math.abs(w);
                    }
                }
                finish(rin, (2.0 * m + 2) * Double.MIN_NORMAL);
            } else if (layer instanceof Conv c) {
                int m = c.outC() * c.kernelH() * c.kernelW(); // the most outputs one input feeds
                double gm = gamma(m + 1);
                addBias(offset, g, r, c.bias(), o -> o, gamma(g.length + 1));
                float[] w = c.weight();
                for (int o = 0; o < g.length; o++) {
                    double go = g[o];
                    if (go == 0 && r[o] == 0) {
                        continue;
                    }
                    double co = gm * Math.abs(go) + r[o];
                    c.taps(o, (x, wi) -> {
                        in[x] += go * w[wi];
                        rin[x] += co * Math.abs(w[wi]);
                    });
                }
                finish(rin, (2.0 * m + 2) * Double.MIN_NORMAL);
            } else if (layer instanceof MaxPool p) {
                pool--;
                if (p.bias() != null) {
                    addBias(offset, g, r, p.bias(), u -> u, gamma(g.length + 1)); // the bias after the max
                }
                double gw = gamma(p.window()); // at most window() windows share a winner
                boolean[] touched = new boolean[in.length];
                for (int u = 0; u < g.length; u++) {
                    if (g[u] != 0 || r[u] != 0) {
                        int x = p.position(u, winners[pool][u]);
                        in[x] += g[u];
                        rin[x] += r[u] + gw * Math.abs(g[u]);
                        touched[x] = true;
                    }
                }
                for (int x = 0; x < in.length; x++) {
                    rin[x] = touched[x] ? up(rin[x] + 2 * Double.MIN_NORMAL) : 0; // untouched: an exact zero
                }
            } else if (layer instanceof ChannelAffine c) {
                addBias(offset, g, r, c.offset(), u -> u / c.positions(), gamma(g.length + 1));
                double g1 = gamma(1);
                for (int u = 0; u < g.length; u++) {
                    if (g[u] != 0 || r[u] != 0) {
                        double s = c.scale()[u / c.positions()];
                        in[u] = g[u] * s;
                        rin[u] = up(Math.abs(s) * (r[u] + g1 * Math.abs(g[u])) + 2 * Double.MIN_NORMAL);
                    }
                }
            } else if (layer instanceof GlobalAvgPool avg) {
                int n = avg.area();
                double g1 = gamma(1);
                for (int ch = 0; ch < g.length; ch++) {
                    if (g[ch] != 0 || r[ch] != 0) {
                        double v = g[ch] / n;
                        double bound = up((r[ch] + g1 * Math.abs(g[ch])) / n + 2 * Double.MIN_NORMAL);
                        for (int q = 0; q < n; q++) {
                            in[ch * n + q] = v;
                            rin[ch * n + q] = bound;
                        }
                    }
                }
            } else if (layer instanceof AvgPool avg) {
                // each window's g / divisor (one rounding) added to its members: an input sums the
                // shares of at most m overlapping windows
                PoolWindows wins = avg.windows();
                int m = ceilDiv(wins.kernelH(), wins.strideH()) * ceilDiv(wins.kernelW(), wins.strideW());
                double gm = gamma(m + 1);
                for (int u = 0; u < g.length; u++) {
                    if (g[u] != 0 || r[u] != 0) {
                        int divisor = avg.divisor(u);
                        double share = g[u] / divisor;
                        double bound = (r[u] + gm * Math.abs(g[u])) / divisor;
                        for (int x : avg.members(u)) {
                            in[x] += share;
                            rin[x] += bound;
                        }
                    }
                }
                finish(rin, (2.0 * m + 2) * Double.MIN_NORMAL);
            } else if (layer instanceof Activation a) {
                act--;
                double slope = a.cpa().negativeSlope();
                for (int u = 0; u < g.length; u++) {
                    if (sides[act][u] > 0 || slope == 1.0) {
                        in[u] = g[u];
                        rin[u] = r[u];
                    } else if (slope == -1.0) {
                        in[u] = -g[u];
                        rin[u] = r[u];
                    } else if (slope != 0.0) {
                        in[u] = slope * g[u];
                        rin[u] = up(Math.abs(slope) * (r[u] + gamma(1) * Math.abs(g[u])) + 2 * Double.MIN_NORMAL);
                    } // ReLU below the kink: an exact zero row
                }
            } else if (layer instanceof Parallel par) {
                addBias(offset, g, r, par.bias(), o -> o, gamma(g.length + 1));
                int at = 0;
                for (int end : graph.ends[i]) {
                    int size = end < 0 ? graph.inputSize : graph.sizes[end];
                    boolean sum = graph.sums(i);
                    accumulate(rows, bounds, end, sum ? g : java.util.Arrays.copyOfRange(g, at, at + size),
                            sum ? r : java.util.Arrays.copyOfRange(r, at, at + size), input);
                    at += size;
                }
                continue;
            } else if (layer instanceof Flatten) {
                System.arraycopy(g, 0, in, 0, g.length); // the layout is already flat
                System.arraycopy(r, 0, rin, 0, r.length);
            } else {
                throw unknown(layer);
            }
            accumulate(rows, bounds, graph.input[i], in, rin, input);
        }
        double[] g = input[0] == null ? new double[graph.inputSize] : input[0];
        double[] r = input[1] == null ? new double[graph.inputSize] : input[1];
        double[] row = java.util.Arrays.copyOf(g, g.length + 1);
        double[] bound = java.util.Arrays.copyOf(r, r.length + 1);
        row[g.length] = offset[0];
        bound[g.length] = offset[1];
        return new double[][] {row, bound};
    }

    /**
     * Adds a row (g, bound r) to what node {@code to} (-1: the input, kept in {@code input}) has
     * received: the sum rounds once, {@code |fl(a + c) - (a + c)| <= u |fl(a + c)| (1 + u)}.
     */
    private static void accumulate(double[][] rows, double[][] bounds, int to, double[] g, double[] r, double[][] input) {
        double[] have = to < 0 ? input[0] : rows[to];
        double[] haveR = to < 0 ? input[1] : bounds[to];
        double[] sum = g;
        double[] sumR = r;
        if (have != null) {
            sum = new double[g.length];
            sumR = new double[g.length];
            for (int j = 0; j < sum.length; j++) {
                sum[j] = have[j] + g[j];
                sumR[j] = up(haveR[j] + r[j] + 2 * U * Math.abs(sum[j]) + Double.MIN_VALUE);
            }
        }
        if (to < 0) {
            input[0] = sum;
            input[1] = sumR;
        } else {
            rows[to] = sum;
            bounds[to] = sumR;
        }
    }

    /**
     * Adds {@code Σ_o g_o bias[index(o)]} to the offset {value, bound}: a sum of (at most m + 1
     * terms) whose rounding {@code gm} covers.
     */
    private static void addBias(double[] offset, double[] g, double[] r, float[] bias,
            java.util.function.IntUnaryOperator index, double gm) {
        double s = offset[0];
        double mag = Math.abs(s);
        double prop = offset[1];
        int m = 0;
        for (int o = 0; o < g.length; o++) {
            if (g[o] == 0 && r[o] == 0) {
                continue;
            }
            double b = bias[index.applyAsInt(o)];
            s += g[o] * b;
            mag += Math.abs(g[o]) * Math.abs(b);
            prop += r[o] * Math.abs(b);
            m++;
        }
        offset[0] = s;
        offset[1] = m == 0 ? offset[1] : up(prop + gm * mag + (2.0 * m + 2) * Double.MIN_NORMAL);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Turns accumulated bounds into rigorous ones, with the underflow term of every sum. */
    private static void finish(double[] bounds, double absolute) {
        for (int j = 0; j < bounds.length; j++) {
            bounds[j] = up(bounds[j] + absolute);
        }
    }
}
