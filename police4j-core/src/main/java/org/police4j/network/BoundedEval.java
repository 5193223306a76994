package org.police4j.network;

import static org.police4j.numeric.Rounding.U;
import static org.police4j.numeric.Rounding.gamma;
import static org.police4j.numeric.Rounding.up;

import java.util.stream.IntStream;
import org.police4j.engine.Cpa;
import org.police4j.engine.PairConv;
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
import org.police4j.numeric.DoubleDouble;

/**
 * The rigorous evaluation at a point (the certificates' fast path), for every layer kind: evaluates
 * a point in double-double ({@link DoubleDouble}), carrying for every value a rigorous bound on its
 * distance to the exact real value, and proves each unit's sign (each window's winner) when the
 * value is farther from 0 (from the other positions) than its bound. What the bound cannot decide
 * (a unit on the kink or within rounding of it, a near-tie in a window) is decided in exact
 * arithmetic, unit by unit, by an {@link ExactEval.Point} that is told every side and winner
 * proved so far; the pass then goes on from the exact decision. The same bounds carried backwards
 * (in double) give the network's affine map for a fixed pattern with a rigorous error bound per
 * entry ({@link #affineMap}).
 *
 * <h2>The bound</h2>
 *
 * Why double-double: a bound carried in double grows through every layer by the rows' L1 norms
 * (x4 to x8), so from {@code 2^-53} it reached the POLICE margin (1e-4) in the last layers of a
 * ResNetV1-20, and every vertex went to exact arithmetic; from about {@code n^2 2^-106} it stays
 * far below for dozens of layers (docs/ROUNDING-DEPTH.md, docs/CERTIFICATE.md). For a unit with n
 * inputs (a dense row, a conv stencil, a per-channel affine map with n = 1, an average's members
 * with weights 1), computed as a {@link DoubleDouble.Dot} from inputs {@code ŷ} each within {@code
 * e[j]} of the exact inputs:
 *
 * <pre>
 *   |ĥ - h| &lt;= rho(n) (|b| + Σ |w| |ŷ|) + Σ |w| e + (n + 4) TINY
 * </pre>
 *
 * with {@link DoubleDouble#rho}{@code (n)} about {@code 2 n^2 2^-106}, computed from nonnegative
 * terms and rounded up ({@link org.police4j.numeric.Rounding#up(double)}). An average divides the
 * pair with an exact remainder ({@code fma}): {@code 8 u^2} of the quotient more. A sum of pairs
 * (a join, a pool's bias after the max) adds {@code 8 u^2} of its addends per addition.
 *
 * <p>After the activation: on the positive side the pair keeps its bound; on the negative side
 * (slope c = {@code Cpa.negativeSlope()}) ReLU's c = 0 gives an exact 0 (bound 0), and any other c
 * the pair {@code c hi} (exact, by fma) plus {@code c lo}, with bound {@code |c| E + 8 u^2 |c hi|}.
 * A unit decided exactly on the kink is an exact 0. A unit's side is proved when {@code |fl(hi +
 * lo)| > E + 2u |fl(hi + lo)|}; a window's winner w when, for every other position q, the pair
 * difference rounded, {@code g}, exceeds {@code E_w + E_q + 8 u^2 (|hi_w| + |hi_q|) + 2u |g|}
 * (padded positions are -infinity and never compete); the pooled value is then {@code ĥ_w} with
 * its bound (a window decided exactly takes its lowest maximal position), plus the bias after the
 * max, if any, as a sum of pairs. An activation with several kinks (ReLU6, hard-tanh, any CPA)
 * proves each unit's position against every kink t the same way, {@code |d| > E + 2u (|fl(hi +
 * lo)| + |d|)} with {@code d = fl(fl(hi + lo) - t)} (an exact value, bound 0, is compared
 * exactly), and applies its piece j as {@code a_j hi} (exact) plus {@code a_j lo} plus the
 * intercept's pair ({@link Cpa#applyPiece}), bound {@code |a_j| E} plus that rounding.
 *
 * <p>Backwards ({@link #affineMap}), one pass per output: the row {@code g} of the output's map
 * with respect to a layer's output goes to its input as {@code g W} (a dense layer output by output,
 * a conv a row of outputs at a time; the bound holds in any order), with the same bound in
 * transposed form, {@code |ĝ' - g'| <= Σ_o |w_o| (γ_{m+1}
 * |ĝ_o| + r_o)} plus underflow for m outputs, and every bias met adds {@code g . b} to the offset
 * with the bound of a sum of m + 1 terms. A windowed average pool hands {@code fl(ĝ_u / divisor)}
 * to each member of window u (one rounding, then a sum over the windows sharing an input).
 */
public final class BoundedEval {

    /**
     * The most exact multiply-adds the fallback spends at one point (2^25, about a ResNetV1-20
     * forward): past it the unit is left undecided ({@link ExactBudgetException}) rather than
     * computed in BigDecimal for hours or out of the heap, as ResNetV1-50's was (docs/ZOO.md).
     */
    public static final long EXACT_BUDGET = 1L << 25;

    private final FoldedNetwork net;
    private final Graph graph;
    private final int activations;
    private final int pools;
    /** Whether a conv whose groups have enough output channels sums across them ({@link PairConv}). */
    private final boolean channelSums;

    /**
     * Prepares the rigorous evaluation of {@code net} (nothing is copied).
     *
     * @param net the network
     */
    public BoundedEval(FoldedNetwork net) {
        this(net, true);
    }

    /**
     * The same evaluation with the conv sums run across a row's columns only ({@code channelSums}
     * false): the same bits, for the test that says so.
     *
     * @param net the network
     * @param channelSums whether a conv may sum across its output channels
     */
    BoundedEval(FoldedNetwork net, boolean channelSums) {
        this.channelSums = channelSums;
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
        return pattern(x, exact, EXACT_BUDGET);
    }

    /**
     * {@return the pattern of x as {@link #pattern(double[], ExactEval)} gives it, the exact
     * fallback spending at most {@code budget} exact multiply-adds; past them the rest of the
     * pattern is the double-double values' signs and largest positions, unproved, and {@link
     * Pattern#provedLayers} says where that starts (so that a straddle found before it still
     * refutes the region)}
     *
     * @param x one flattened input
     * @param exact the exact evaluation for what the bound cannot decide, or null to give up instead
     * @param budget the most exact multiply-adds at this point
     */
    public Pattern pattern(double[] x, ExactEval exact, long budget) {
        byte[][] signs = new byte[activations][];
        double[][] pres = new double[activations][];
        long[][] allMaxima = new long[pools][];
        double[][] poolInputs = new double[pools][];
        boolean usedExact = false;
        ExactEval.Point point = exact == null ? null : exact.point(x, budget);
        ExactBudgetException exhausted = null; // from then on, decisions are the values' own, unproved
        int provedLayers = Integer.MAX_VALUE;
        Values[] values = new Values[graph.size()];
        Values input = new Values(x.clone(), new double[x.length], new double[x.length]); // inputs are exact
        int act = 0;
        int pool = 0;
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layers[i];
            int in = graph.input[i];
            Values v = in < 0 ? input : values[in];
            if (layer instanceof Activation a) {
                if (!v.finite()) {
                    return exact == null ? null : exact.pattern(x);
                }
                if (!a.cpa().singleKinkAtZero()) {
                    byte[] codes = new byte[v.size()];
                    double[] pre = new double[v.size()];
                    for (int k = 0; k < codes.length; k++) {
                        pre[k] = v.hi[k] + v.lo[k];
                        int code = a.cpa().position(v.hi[k], v.lo[k], v.err[k]);
                        if (code == Cpa.UNDECIDED) {
                            if (point == null) {
                                return null;
                            }
                            if (exhausted == null) {
                                try {
                                    code = point.position(i, k);
                                    pre[k] = point.doubleValue(in, k);
                                    usedExact = true;
                                } catch (ExactBudgetException spent) {
                                    exhausted = spent;
                                    provedLayers = act;
                                }
                            }
                            if (exhausted != null) {
                                code = 2 * a.cpa().pieceBelow(pre[k]) - a.cpa().kinkCount(); // unproved
                            }
                        }
                        codes[k] = (byte) code;
                    }
                    signs[act] = codes;
                    pres[act] = pre;
                    v = activatePieces(a.cpa(), codes, v);
                    act++;
                    values[i] = v;
                    continue;
                }
                byte[] sg = new byte[v.size()];
                double[] pre = new double[v.size()];
                for (int k = 0; k < sg.length; k++) {
                    pre[k] = v.hi[k] + v.lo[k];
                    double e = up(v.err[k] + 2 * U * Math.abs(pre[k]));
                    if (pre[k] == 0 && v.err[k] == 0) {
                        sg[k] = 0; // an exact 0 (zero inputs, zero bias): on the kink, proved
                    } else if (pre[k] > e) {
                        sg[k] = 1;
                    } else if (pre[k] < -e) {
                        sg[k] = -1;
                    } else if (point == null) {
                        return null; // ambiguous: the exact value may be 0 or of either sign
                    } else {
                        if (exhausted == null) {
                            try {
                                sg[k] = (byte) point.value(in, k).signum();
                                pre[k] = point.doubleValue(in, k);
                                usedExact = true;
                                continue;
                            } catch (ExactBudgetException spent) {
                                exhausted = spent;
                                provedLayers = act;
                            }
                        }
                        sg[k] = (byte) (pre[k] < 0 ? -1 : 1);
                    }
                }
                if (point != null && exhausted == null) {
                    point.proveSides(i, sg);
                }
                signs[act] = sg;
                pres[act] = pre;
                v = activate(a.cpa().negativeSlope(), sg, v);
                act++;
            } else if (layer instanceof MaxPool p) {
                if (!v.finite()) {
                    return exact == null ? null : exact.pattern(x);
                }
                int n = p.outputSize(v.size());
                long[] maxima = new long[n];
                int[] winners = new int[n];
                Values pooled = new Values(n);
                double[] pair = new double[2];
                for (int u = 0; u < n; u++) {
                    long candidates = candidates(p, u, v);
                    if (Long.bitCount(candidates) == 1 || exactTie(p, u, v, candidates)) {
                        maxima[u] = candidates;
                    } else if (point == null) {
                        return null;
                    } else {
                        if (exhausted == null) {
                            try {
                                maxima[u] = point.maxima(i, u, candidates);
                                usedExact = true;
                            } catch (ExactBudgetException spent) {
                                exhausted = spent;
                                provedLayers = act;
                            }
                        }
                        if (exhausted != null) {
                            maxima[u] = 1L << largest(p, u, v); // unproved: the largest pair
                        }
                    }
                    winners[u] = Long.numberOfTrailingZeros(maxima[u]);
                    int w = p.position(u, winners[u]);
                    double added = DoubleDouble.add(v.hi[w], v.lo[w], p.biasOf(u), 0, pair); // the bias after the max
                    pooled.set(u, pair, v.err[w] + added == 0 ? 0 : up(v.err[w] + added));
                }
                if (point != null && exhausted == null) {
                    point.proveWinners(i, winners);
                }
                allMaxima[pool] = maxima;
                poolInputs[pool] = v.rounded();
                v = pooled;
                pool++;
            } else if (layer instanceof Parallel p) {
                v = join(p, i, values, input);
            } else {
                v = forward(layer, v, channelSums);
            }
            values[i] = v;
        }
        return new Pattern(signs, pres, allMaxima, poolInputs, usedExact, provedLayers, exhausted);
    }

    /**
     * Values at one point as double-double pairs {@code hi + lo}, each with a rigorous bound
     * {@code err} on its distance to the exact value.
     */
    private record Values(double[] hi, double[] lo, double[] err) {

        Values(int n) {
            this(new double[n], new double[n], new double[n]);
        }

        int size() {
            return hi.length;
        }

        void set(int k, double[] pair, double bound) {
            hi[k] = pair[0];
            lo[k] = pair[1];
            err[k] = bound;
        }

        boolean finite() {
            for (int k = 0; k < hi.length; k++) {
                if (!(Double.isFinite(hi[k]) && Double.isFinite(lo[k]) && Double.isFinite(err[k]))) {
                    return false;
                }
            }
            return true;
        }

        /** {@return each value rounded to the nearest double, within {@code err + u |value|}} */
        double[] rounded() {
            double[] r = new double[hi.length];
            for (int k = 0; k < r.length; k++) {
                r[k] = hi[k] + lo[k];
            }
            return r;
        }
    }

    /**
     * A join node: each value the join's bias plus one value per branch (a concatenation: one
     * branch), in branch order, summed as pairs.
     */
    private Values join(Parallel p, int i, Values[] values, Values input) {
        int[] ends = graph.ends[i];
        Values h = new Values(graph.sizes[i]);
        boolean sum = graph.sums(i);
        double[] pair = new double[2];
        for (int k = 0; k < h.size(); k++) {
            pair[0] = p.bias()[k];
            pair[1] = 0;
            double bound = 0;
            if (sum) {
                for (int end : ends) {
                    Values z = end < 0 ? input : values[end];
                    bound += z.err[k] + DoubleDouble.add(pair[0], pair[1], z.hi[k], z.lo[k], pair);
                }
            } else {
                int[] at = graph.branchOf(i, k);
                int end = ends[at[0]];
                Values z = end < 0 ? input : values[end];
                bound += z.err[at[1]] + DoubleDouble.add(pair[0], pair[1], z.hi[at[1]], z.lo[at[1]], pair);
            }
            h.set(k, pair, bound == 0 ? 0 : up(bound));
        }
        return h;
    }

    /** {@return the window position of u whose pair is the largest (padding is -infinity, never chosen)} */
    private static int largest(MaxPool p, int u, Values v) {
        int best = -1;
        for (int q = 0; q < p.window(); q++) {
            int at = p.position(u, q);
            if (at >= 0 && (best < 0 || DoubleDouble.compare(v.hi[at], v.lo[at],
                    v.hi[p.position(u, best)], v.lo[p.position(u, best)]) > 0)) {
                best = q;
            }
        }
        return best;
    }

    /**
     * The positions of window u that may hold its maximum: the largest value (the lowest on ties)
     * alone when it is proved above every other position, else every position not proved below it.
     */
    private static long candidates(MaxPool p, int u, Values v) {
        int best = largest(p, u, v);
        int w = p.position(u, best);
        long mask = 1L << best;
        double[] pair = new double[2];
        for (int q = 0; q < p.window(); q++) {
            int at = p.position(u, q);
            if (q == best || at < 0) {
                continue;
            }
            double added = DoubleDouble.add(v.hi[w], v.lo[w], -v.hi[at], -v.lo[at], pair);
            double gap = pair[0] + pair[1];
            if (!(gap > up(v.err[w] + v.err[at] + added + 2 * U * Math.abs(gap)))) {
                mask |= 1L << q;
            }
        }
        return mask;
    }

    /** Whether every candidate of window u holds the same pair with a zero bound: an exact tie, all maxima. */
    private static boolean exactTie(MaxPool p, int u, Values v, long candidates) {
        int first = p.position(u, Long.numberOfTrailingZeros(candidates));
        for (int q = 0; q < p.window(); q++) {
            int at = p.position(u, q);
            if ((candidates & (1L << q)) != 0
                    && (v.err[at] != 0 || v.hi[at] != v.hi[first] || v.lo[at] != v.lo[first])) {
                return false;
            }
        }
        return true;
    }

    /** The activation with proved signs: ReLU's negative side an exact 0, abs's an exact negation, else one pair product. */
    private static Values activate(double slope, byte[] sg, Values v) {
        Values out = new Values(v.hi.clone(), v.lo.clone(), v.err.clone());
        double[] pair = new double[2];
        for (int k = 0; k < sg.length; k++) {
            if (sg[k] == 0 || (sg[k] < 0 && slope == 0.0)) {
                out.hi[k] = 0.0; // on the kink, or ReLU's negative side: exactly 0
                out.lo[k] = 0.0;
                out.err[k] = 0.0;
            } else if (sg[k] < 0 && slope != 1.0) {
                double rounding = DoubleDouble.multiply(slope, v.hi[k], v.lo[k], pair);
                out.set(k, pair, up(Math.abs(slope) * v.err[k] + rounding + DoubleDouble.TINY));
            }
        }
        return out;
    }

    /** Each unit on its proved piece (a kink counts as the piece above: f is continuous), with its bound. */
    private static Values activatePieces(Cpa cpa, byte[] codes, Values v) {
        Values out = new Values(v.size());
        double[] pair = new double[2];
        int m = cpa.kinkCount();
        for (int k = 0; k < codes.length; k++) {
            int piece = (codes[k] + m + 1) / 2;
            double rounding = cpa.applyPiece(piece, v.hi[k], v.lo[k], pair);
            double carried = Math.abs(cpa.slope(piece)) * v.err[k];
            out.set(k, pair, carried + rounding == 0 ? 0 : up(carried + rounding + DoubleDouble.TINY));
        }
        return out;
    }

    /**
     * One affine layer (dense, conv, per-channel affine, global or windowed average pool, flatten)
     * on pairs, each unit a {@link DoubleDouble.Dot}.
     */
    private static Values forward(Layer layer, Values v, boolean channelSums) {
        DoubleDouble.Dot dot = new DoubleDouble.Dot();
        double[] pair = new double[2];
        if (layer instanceof Dense d) {
            Values h = new Values(d.outputs());
            for (int k = 0; k < h.size(); k++) {
                float[] row = d.weight()[k];
                dot.reset(d.bias()[k]);
                for (int j = 0; j < row.length; j++) {
                    dot.add(row[j], v.hi[j], v.lo[j], v.err[j]);
                }
                dot.result(pair);
                h.set(k, pair, dot.bound());
            }
            return h;
        } else if (layer instanceof Conv c) {
            PairConv.Pairs out = PairConv.apply(c.stencil(), c.weight(), c.bias(), new PairConv.Pairs(v.hi, v.lo, v.err), channelSums);
            return new Values(out.hi(), out.lo(), out.err());
        } else if (layer instanceof ChannelAffine a) {
            Values h = new Values(v.size());
            for (int k = 0; k < h.size(); k++) {
                int ch = k / a.positions();
                dot.reset(a.offset()[ch]);
                dot.add(a.scale()[ch], v.hi[k], v.lo[k], v.err[k]);
                dot.result(pair);
                h.set(k, pair, dot.bound());
            }
            return h;
        } else if (layer instanceof GlobalAvgPool p) {
            int n = p.area();
            Values h = new Values(p.c());
            int[] members = new int[n];
            for (int ch = 0; ch < h.size(); ch++) {
                for (int q = 0; q < n; q++) {
                    members[q] = ch * n + q;
                }
                average(v, members, n, dot, pair);
                h.set(ch, pair, averageBound(dot, n, pair));
            }
            return h;
        } else if (layer instanceof AvgPool p) {
            Values h = new Values(p.windows().outputs());
            for (int u = 0; u < h.size(); u++) {
                average(v, p.members(u), p.divisor(u), dot, pair);
                h.set(u, pair, averageBound(dot, p.divisor(u), pair));
            }
            return h;
        } else if (layer instanceof Flatten) {
            return v; // the layout is already flat
        }
        throw unknown(layer);
    }

    /**
     * The members' sum as a dot product with weights 1, divided by the divisor with an exact
     * remainder: {@code q = fl(s / n)}, {@code r = s - q n} exactly (fma), {@code lo = fl((r + lo_s) / n)}.
     */
    private static void average(Values v, int[] members, int divisor, DoubleDouble.Dot dot, double[] pair) {
        dot.reset(0);
        for (int x : members) {
            dot.add(1, v.hi[x], v.lo[x], v.err[x]);
        }
        dot.result(pair);
        double q = pair[0] / divisor;
        double r = Math.fma(-q, divisor, pair[0]);
        double low = (r + pair[1]) / divisor;
        double s = q + low;
        pair[0] = s;
        pair[1] = DoubleDouble.twoSumError(q, low, s);
    }

    /** The sum's bound divided by the divisor, plus the division's: {@code 8 u^2} of the quotient. */
    private static double averageBound(DoubleDouble.Dot dot, int divisor, double[] quotient) {
        if (dot.bound() == 0 && quotient[0] == 0) {
            return 0; // a mean of exact zeros
        }
        return up(dot.bound() / divisor + DoubleDouble.UU * Math.abs(quotient[0])) + DoubleDouble.TINY;
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
                org.police4j.engine.Stencil st = c.stencil();
                int outW = st.outW();
                int sw = st.strideW();
                double[] co = new double[outW];
                // a row of outputs at a time (Stencil.rowTaps): each input sums at most m terms, in
                // another order than output by output, which the bound does not depend on
                for (int o = 0; o < st.outC(); o++) {
                    for (int h = 0; h < st.outH(); h++) {
                        int row = (o * st.outH() + h) * outW;
                        boolean any = false;
                        for (int j = 0; j < outW; j++) {
                            double go = g[row + j];
                            boolean zero = go == 0 && r[row + j] == 0;
                            co[j] = zero ? 0 : gm * Math.abs(go) + r[row + j];
                            any |= !zero;
                        }
                        if (!any) {
                            continue;
                        }
                        st.rowTaps(o, h, (wi, base, j0, j1) -> {
                            double wt = w[wi];
                            double aw = Math.abs(wt);
                            for (int j = j0; j < j1; j++) {
                                int x = base + j * sw;
                                in[x] += g[row + j] * wt;
                                rin[x] += co[j] * aw;
                            }
                        });
                    }
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
            } else if (layer instanceof Activation a && !a.cpa().singleKinkAtZero()) {
                act--;
                heldOnPieces(a.cpa(), sides[act], g, r, in, rin, offset);
            } else if (layer instanceof Activation a) {
                act--;
                double slope = a.cpa().negativeSlope();
                for (int u = 0; u < g.length; u++) {
                    carry(sides[act][u] > 0 ? 1.0 : slope, g, r, in, rin, u); // ReLU below the kink: an exact zero
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
     * A row carried back through an activation with several kinks, each unit held on its piece
     * j: {@code a_j h + b_j}, so the row is scaled by the slope and {@code Σ_u g_u b_j} joins the
     * offset as a bias would, with the intercept's own rounding to double ({@link Cpa#intercept}:
     * within {@code u |b_j|}).
     */
    private static void heldOnPieces(Cpa cpa, int[] pieces, double[] g, double[] r, double[] in, double[] rin,
            double[] offset) {
        for (int u = 0; u < g.length; u++) {
            carry(cpa.slope(pieces[u]), g, r, in, rin, u);
        }
        addOffset(offset, g, r, u -> cpa.intercept(pieces[u]), 2 * U, gamma(g.length + 1));
    }

    /**
     * Entry u of a row through a unit of slope {@code slope} (a float32 value): exact for 0 and
     * +-1, one rounding else; a slope of 0 leaves an exact zero.
     */
    private static void carry(double slope, double[] g, double[] r, double[] in, double[] rin, int u) {
        if (slope == 1.0 || slope == -1.0) {
            in[u] = slope * g[u];
            rin[u] = r[u];
        } else if (slope != 0.0) {
            in[u] = slope * g[u];
            rin[u] = up(Math.abs(slope) * (r[u] + gamma(1) * Math.abs(g[u])) + 2 * Double.MIN_NORMAL);
        }
    }

    /**
     * Adds {@code Σ_o g_o bias[index(o)]} to the offset {value, bound}: a sum of (at most m + 1
     * terms) whose rounding {@code gm} covers.
     */
    private static void addBias(double[] offset, double[] g, double[] r, float[] bias,
            java.util.function.IntUnaryOperator index, double gm) {
        addOffset(offset, g, r, o -> bias[index.applyAsInt(o)], 0, gm);
    }

    /**
     * Adds {@code Σ_o g_o b_o} to the offset {value, bound}, each {@code b_o} within {@code
     * relative |b_o|} of the exact one (0 for float32 biases): a sum of at most m + 1 terms whose
     * rounding {@code gm} covers.
     */
    private static void addOffset(double[] offset, double[] g, double[] r, java.util.function.IntToDoubleFunction bias,
            double relative, double gm) {
        double s = offset[0];
        double mag = Math.abs(s);
        double prop = offset[1];
        int m = 0;
        for (int o = 0; o < g.length; o++) {
            if (g[o] == 0 && r[o] == 0) {
                continue;
            }
            double b = bias.applyAsDouble(o);
            s += g[o] * b;
            mag += Math.abs(g[o]) * Math.abs(b);
            prop += (r[o] + relative * Math.abs(g[o])) * Math.abs(b);
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
