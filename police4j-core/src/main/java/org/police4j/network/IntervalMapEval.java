package org.police4j.network;

import static org.police4j.numeric.Rounding.U;
import static org.police4j.numeric.Rounding.gamma;
import static org.police4j.numeric.Rounding.up;

import java.util.stream.IntStream;
import org.police4j.engine.Cpa;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.network.Layer.Parallel;
import org.police4j.region.SupportRegion;

/**
 * The outward-rounded interval evaluation of every layer kind, written once: the number type of
 * the support certificate. Where {@link DoubleEval}, {@link BoundedEval} and {@link ExactEval}
 * push one point through the network, this pushes the whole region: every value is an affine
 * function of the input on a convex region R, held as an interval enclosure, and each layer maps
 * the enclosures of its inputs to sound enclosures of its outputs. Activations and max-pools
 * are affine on R only once their side or winner is proved there; proving it is the caller's
 * (the certificate's) job, helped by {@link #bounds} and {@link #gapBounds}.
 *
 * <h2>The enclosure</h2>
 *
 * Value k is {@code h_k(x) = a_k + A_k (x - m)}, centred at the region's centre m, enclosed in
 * midpoint-radius form: double rows {@code Ac_k, Ar_k >= 0} and numbers {@code ac_k, ar_k >= 0}
 * with {@code |A_k - Ac_k| <= Ar_k} and {@code |a_k - ac_k| <= ar_k} entrywise, for the exact real
 * coefficients of the float32 network's function. The input is {@code x = m + I (x - m)}, exact.
 * A null row of {@code Ac} is an exact zero row (ReLU's inactive units); a null row of {@code Ar}
 * is an exact row. A value whose rows are both null and {@code ar = 0} is known to be exactly the
 * constant {@code ac} (zero weights, or weights that only meet exact zeros).
 *
 * <h2>Soundness (rounding-error analysis)</h2>
 *
 * All arithmetic is IEEE double in round-to-nearest (Java never fuses multiply-adds). Write {@code
 * u = 2^-53}, {@code gamma_n = n u / (1 - n u)} (computed slightly enlarged, {@link
 * org.police4j.numeric.Rounding}). The standard model {@code fl(x op y) = (x op y)(1 + delta) +
 * eta}, {@code |delta| <= u}, {@code |eta| <= 2^-1075} (eta = 0 for additions) gives, for a sum of
 * n products in any order (Higham, Accuracy and Stability of Numerical Algorithms, section 3.1),
 * {@code |fl(sum w_k c_k) - sum w_k c_k| <= gamma_n sum |w_k| |c_k| + n 2^-1075}. So a linear
 * layer (dense row, conv stencil, per-channel scale: float weights W, exact) maps an enclosure
 * {@code [Ac +/- Ar]} of the exact A to
 *
 * <pre>
 *   |W A - fl(W Ac)| &lt;= |W| |A - Ac| + |W Ac - fl(W Ac)|
 *                    &lt;= |W| (Ar + gamma_n |Ac|) + n 2^-1075
 * </pre>
 *
 * that is {@code Ac' = fl(W Ac)}, {@code Ar' = up(fl(|W| (Ar + gamma_n |Ac| + MIN_NORMAL)))}, with
 * n the most terms one output sums (the inputs of a dense row, {@code inC * kernelH * kernelW} of a
 * conv, 1 of a per-channel affine map); the offsets are one more column with the bias as an extra
 * term ({@code gamma_{n+1}}). The first linear layer reads the input exactly: {@code A = W}, {@code
 * a = fl(W m + b)} with its error bound. A conv is applied to the map's columns as its stencil
 * ({@link Conv#taps}), never unrolled. A global average pool is a sum of n values times the real
 * {@code 1/n}, computed as {@code fl(fl(sum) / n)}: {@code |Q - fl(fl(S^)/n)| <= (sum Ar + gamma_n
 * sum |Ac|) / n + 2^-1075}. Flatten changes nothing.
 *
 * <p>An activation with a proved side per unit multiplies each row by its slope: 1 keeps it, 0
 * (ReLU) gives an exact zero row, -1 (abs) an exact negation, any other slope c (leaky-ReLU) one
 * rounding, {@code Ac' = fl(c Ac)}, {@code Ar' = up(|c| Ar + u |Ac'|)}. A max-pool with a proved
 * winner per window selects that value's enclosure (exact). A window's winner w is proved when
 * every difference {@code h_w - h_q} is {@code >= 0} on R: the difference is enclosed by {@code
 * fl(Ac_w - Ac_q)} and {@code up(Ar_w + Ar_q + u |fl(Ac_w - Ac_q)|)} (one rounding), its range as
 * a unit's; two exact constants compare exactly (the sign of a double subtraction is exact).
 *
 * <p>Every bound x is itself computed in double as a sum of products of nonnegative terms, each
 * through at most n roundings (counted at each site). Its computed value {@code x^} satisfies
 * {@code x^ >= x (1 - gamma_n)} up to absolute underflow terms below {@code n 2^-1074}, which
 * {@link org.police4j.numeric.Rounding#up(double, int)} covers (the {@code MIN_NORMAL} guard
 * exceeds every underflow term, also those later multiplied by a weight, since radii that feed a
 * product contain the guard themselves). The inflation is relative {@code ~2 n u}, about 1e-13 for
 * n = 1000. A value's range over R is {@code [ac -/+ up(ar + H)]} rounded outward with {@link
 * Math#nextDown}/{@link Math#nextUp}, H being the region's {@link
 * SupportRegion#halfWidthBound} of the row's interval (the region bounds its own support). Any
 * overflow yields an infinite or NaN bound, which proves nothing.
 *
 * <p>Instances are immutable and share rows between layers; each layer's outputs are computed
 * in parallel, one value per task, on the common fork-join pool.
 */
public final class IntervalMapEval {

    private final double[][] acRows;
    private final double[][] arRows;
    private final double[] ac;
    private final double[] ar;
    private final int d;
    /** Whether this is the input itself (row k is e_k, exact; {@code acRows} is then null). */
    private final boolean identity;

    private IntervalMapEval(
            double[][] acRows, double[][] arRows, double[] ac, double[] ar, int d, boolean identity) {
        this.acRows = acRows;
        this.arRows = arRows;
        this.ac = ac;
        this.ar = ar;
        this.d = d;
        this.identity = identity;
    }

    /**
     * {@return the input {@code x = m + (x - m)}, exactly: where every evaluation starts}
     *
     * @param centre the region's centre m, finite
     */
    public static IntervalMapEval input(double[] centre) {
        return new IntervalMapEval(null, null, centre.clone(), new double[centre.length], centre.length, true);
    }

    /** {@return the number of values (units) enclosed} */
    public int size() {
        return ac.length;
    }

    /** {@return D, the input dimension the maps are functions of} */
    public int dimension() {
        return d;
    }

    /**
     * {@return the midpoint of value k at the region's centre, {@code ac_k}}
     *
     * @param k the value
     */
    public double centre(int k) {
        return ac[k];
    }

    // ---------------------------------------------------------------------------------------
    // Layers

    /**
     * Applies an affine layer: dense, conv, per-channel affine, flatten or global average pool.
     *
     * @param layer the layer
     * @return the enclosure of its outputs
     * @throws IllegalArgumentException for an activation or a max-pool, which are affine on R
     *     only with their proved sides or winners ({@link #activate}, {@link #pool})
     */
    public IntervalMapEval apply(Layer layer) {
        if (layer instanceof Dense dense) {
            float[][] w = dense.weight();
            Terms terms = (i, row) -> {
                float[] wi = w[i];
                for (int k = 0; k < wi.length; k++) {
                    row.add(k, wi[k]);
                }
            };
            return linear(dense.bias(), dense.inputs(), terms);
        } else if (layer instanceof Conv conv) {
            float[] w = conv.weight();
            Terms terms = (o, row) -> conv.taps(o, (in, wi) -> row.add(in, w[wi]));
            return linear(conv.bias(), conv.fanIn(), terms);
        } else if (layer instanceof ChannelAffine affine) {
            float[] bias = new float[affine.inputSize()];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = affine.offset()[i / affine.positions()];
            }
            Terms terms = (i, row) -> row.add(i, affine.scale()[i / affine.positions()]);
            return linear(bias, 1, terms);
        } else if (layer instanceof GlobalAvgPool pool) {
            int area = pool.area();
            return materialized().average(pool.c(), ch -> java.util.stream.IntStream.range(ch * area, (ch + 1) * area)
                    .toArray(), ch -> area);
        } else if (layer instanceof AvgPool pool) {
            return materialized().average(pool.windows().outputs(), pool::members, pool::divisor);
        } else if (layer instanceof Flatten) {
            return this;
        }
        throw new IllegalArgumentException(
                "layer: " + layer.getClass().getSimpleName() + " is affine on the region only once its sides"
                        + " (activation) or winners (max-pool) are proved; use activate or pool");
    }

    /**
     * Applies an activation whose side is known for every unit: each value is multiplied by the
     * slope of its side. Sound on R only when every side was proved there (see {@link #bounds}).
     *
     * @param cpa the activation
     * @param sides per value, +1 (above the kink) or -1 (below); for an activation with several
     *     kinks, the piece (its slope and intercept are applied)
     * @return the enclosure of the activation's outputs
     */
    public IntervalMapEval activate(Cpa cpa, int[] sides) {
        checkLength("sides", sides.length, size());
        IntervalMapEval e = materialized();
        if (cpa.singleKinkAtZero()) {
            return rows(e.size(), d, (k, rc, rr, oc, or) -> e.scaleRow(k, cpa.slope(sides[k]), rc, rr, oc, or));
        }
        return rows(e.size(), d, (k, rc, rr, oc, or) -> {
            e.scaleRow(k, cpa.slope(sides[k]), rc, rr, oc, or);
            double b = cpa.intercept(sides[k]); // the piece's intercept, rounded once from its exact value
            if (b != 0) {
                double sum = oc[k] + b;
                or[k] = up(or[k] + U * Math.abs(b) + U * Math.abs(sum), 2);
                oc[k] = sum;
            }
        });
    }

    /**
     * Applies a max-pool whose winner is known for every window: each pooled value is the
     * enclosure of its winner. Sound on R only when every winner was proved there (see {@link
     * #gapBounds}).
     *
     * @param pool the max-pool
     * @param winners per window (pooled value), the position q of its winner
     * @return the enclosure of the pooled values
     */
    public IntervalMapEval pool(MaxPool pool, int[] winners) {
        int n = pool.outputSize(size());
        checkLength("winners", winners.length, n);
        IntervalMapEval e = materialized();
        double[][] rc = new double[n][];
        double[][] rr = e.arRows == null ? null : new double[n][];
        double[] oc = new double[n];
        double[] or = new double[n];
        for (int u = 0; u < n; u++) {
            int p = pool.position(u, winners[u]);
            rc[u] = e.acRows[p];
            if (rr != null) {
                rr[u] = e.arRows[p];
            }
            float b = pool.biasOf(u);
            oc[u] = e.ac[p] + b;
            // the bias after the max, added with one rounding of the midpoint
            or[u] = b == 0 ? e.ar[p] : up(e.ar[p] + U * Math.abs(oc[u]), 2);
        }
        return new IntervalMapEval(rc, rr, oc, or, d, false);
    }

    /**
     * Joins the enclosures of a {@link Parallel} layer's branches (each computed from this
     * layer's input by the caller, who proves the branches' sides and winners): their values are
     * stacked, exactly, then read by the linear layer the join is, with weights 1 and the join's
     * bias: a sum adds one term per branch (n = branches), a concatenation one (n = 1). So the
     * join's rounding is bounded by {@link #linear}'s analysis, written once.
     *
     * @param parallel the parallel layer
     * @param branches the enclosure of each branch's output, in branch order, over the same input
     * @return the enclosure of the joined values, bias included
     */
    public static IntervalMapEval join(Parallel parallel, java.util.List<IntervalMapEval> branches) {
        checkLength("branches", branches.size(), parallel.branches().size());
        int n = 0;
        int[] starts = new int[branches.size()];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = n;
            n += branches.get(b).size();
        }
        double[][] rc = new double[n][];
        double[][] rr = new double[n][];
        double[] oc = new double[n];
        double[] or = new double[n];
        int dim = branches.get(0).d;
        for (int b = 0; b < starts.length; b++) {
            IntervalMapEval e = branches.get(b).materialized();
            for (int k = 0; k < e.size(); k++) {
                rc[starts[b] + k] = e.acRows[k];
                rr[starts[b] + k] = e.arRows == null ? null : e.arRows[k];
                oc[starts[b] + k] = e.ac[k];
                or[starts[b] + k] = e.ar[k];
            }
        }
        IntervalMapEval stacked = new IntervalMapEval(rc, rr, oc, or, dim, false);
        if (parallel.join() == org.police4j.engine.Join.CONCAT) {
            return stacked.linear(parallel.bias(), 1, (o, row) -> row.add(o, 1f));
        }
        return stacked.linear(parallel.bias(), starts.length, (o, row) -> {
            for (int start : starts) {
                row.add(start + o, 1f);
            }
        });
    }

    // ---------------------------------------------------------------------------------------
    // What the certificate reads

    /**
     * Sound bounds of every value's range over the region: {@code lo[k] <= h_k(x) <= hi[k]} for
     * all x in R and every map in the enclosure. A value known to be an exact constant gets
     * {@code lo = hi = ac} (so an exact 0 is proved to be on both sides).
     *
     * @param region the region, of dimension {@link #dimension()}, centred where {@link #input} was
     * @return {@code {lo, hi}}, each with {@link #size()} entries
     */
    public double[][] bounds(SupportRegion region) {
        IntervalMapEval e = materialized();
        int n = e.size();
        double[] lo = new double[n];
        double[] hi = new double[n];
        IntStream.range(0, n).parallel().forEach(k -> {
            if (e.isExactConstant(k)) {
                lo[k] = e.ac[k];
                hi[k] = e.ac[k];
            } else {
                double h = region.halfWidthBound(e.ac(k), e.ar(k));
                double rad = up(e.ar[k] + h, 2);
                lo[k] = Math.nextDown(e.ac[k] - rad);
                hi[k] = Math.nextUp(e.ac[k] + rad);
            }
        });
        return new double[][] {lo, hi};
    }

    /**
     * {@return per value, the side of its midpoint at the region's centre (+1 for {@code ac >= 0},
     * else -1): the pattern of the centre, for values whose side is not proved}
     */
    public int[] centreSides() {
        int[] sides = new int[size()];
        for (int k = 0; k < sides.length; k++) {
            sides[k] = ac[k] >= 0 ? 1 : -1;
        }
        return sides;
    }

    /**
     * {@return per window, the position with the largest midpoint at the region's centre (the
     * lowest on ties): the candidate winner}
     *
     * @param pool the max-pool reading these values
     */
    public int[] centreWinners(MaxPool pool) {
        int[] winners = new int[pool.outputSize(size())];
        for (int u = 0; u < winners.length; u++) {
            int best = -1;
            for (int q = 0; q < pool.window(); q++) {
                int x = pool.position(u, q);
                if (x >= 0 && (best < 0 || ac[x] > ac[pool.position(u, best)])) {
                    best = q;
                }
            }
            winners[u] = best;
        }
        return winners;
    }

    /**
     * Sound bounds of each window's gap {@code h_w - max_{q != w} h_q} over the region, for its
     * given winner w: the winner is proved (the pool is {@code h_w} on all of R) when the low
     * bound is {@code >= 0}. A window of one position has gap [0, 0].
     *
     * @param pool the max-pool reading these values
     * @param winners per window, the candidate position
     * @param region the region, of dimension {@link #dimension()}
     * @return {@code {lo, hi}}, one entry per window
     */
    public double[][] gapBounds(MaxPool pool, int[] winners, SupportRegion region) {
        int n = pool.outputSize(size());
        checkLength("winners", winners.length, n);
        IntervalMapEval e = materialized();
        double[] lo = new double[n];
        double[] hi = new double[n];
        IntStream.range(0, n).parallel().forEach(u -> {
            double min = pool.window() == 1 ? 0 : Double.POSITIVE_INFINITY;
            double max = pool.window() == 1 ? 0 : Double.POSITIVE_INFINITY;
            int w = pool.position(u, winners[u]);
            for (int q = 0; q < pool.window(); q++) {
                int p = pool.position(u, q);
                if (p == w || p < 0) {
                    continue;
                }
                double[] range = e.differenceRange(w, p, region);
                min = Math.min(min, range[0]);
                max = Math.min(max, range[1]);
            }
            lo[u] = min;
            hi[u] = max;
        });
        return new double[][] {lo, hi};
    }

    /**
     * The affine map of the values as a whole, uncentred: {@code f(x) = A x + b} with {@code A =
     * Ac} and {@code b = fl(ac - Ac m)}, and how far it may be from the exact map.
     *
     * @param map K x D matrix
     * @param offset K entries
     * @param uncertainty the largest radius of the enclosures of the entries of A and b: every
     *     entry is within this of the exact real coefficient
     */
    public record AffineMap(double[][] map, double[] offset, double uncertainty) {}

    /**
     * {@return the values' affine map uncentred at the region's centre, with its uncertainty}
     *
     * @param centre the centre m given to {@link #input}
     */
    public AffineMap uncentred(double[] centre) {
        checkLength("centre", centre.length, d);
        IntervalMapEval e = materialized();
        double[] m = centre;
        int outputs = e.size();
        double[] b = new double[outputs];
        double uncertainty = 0;
        double g = gamma(d + 1);
        for (int k = 0; k < outputs; k++) {
            double s = e.ac[k];
            double mag = Math.abs(e.ac[k]);
            double prop = e.ar[k];
            double[] rowC = e.ac(k);
            double[] rowR = e.ar(k);
            for (int j = 0; j < d; j++) {
                s -= rowC[j] * m[j];
                double am = Math.abs(m[j]);
                mag += Math.abs(rowC[j]) * am;
                prop += rowR[j] * am;
                uncertainty = Math.max(uncertainty, rowR[j]);
            }
            b[k] = s;
            uncertainty = Math.max(uncertainty, up(prop + g * mag, d + 4));
        }
        double[][] a = new double[outputs][];
        for (int k = 0; k < outputs; k++) {
            a[k] = e.ac(k).clone();
        }
        return new AffineMap(a, b, uncertainty);
    }

    // ---------------------------------------------------------------------------------------
    // Rows

    /** Whether value k is known exactly to be the constant {@code ac[k]} on R. */
    private boolean isExactConstant(int k) {
        return acRows[k] == null && (arRows == null || arRows[k] == null) && ar[k] == 0;
    }

    /** Row k of Ac (a zero row if exactly zero). */
    private double[] ac(int k) {
        return acRows[k] == null ? new double[d] : acRows[k];
    }

    /** Row k of Ar (a zero row if exact). */
    private double[] ar(int k) {
        return arRows == null || arRows[k] == null ? new double[d] : arRows[k];
    }

    /** This enclosure with the identity written out (rows e_k, exact), for the layers that need rows. */
    private IntervalMapEval materialized() {
        if (!identity) {
            return this;
        }
        double[][] rows = new double[d][d];
        for (int k = 0; k < d; k++) {
            rows[k][k] = 1;
        }
        return new IntervalMapEval(rows, null, ac.clone(), new double[d], d, false);
    }

    /** Fills one value k of a new enclosure: its rows of Ac and Ar and its entries of ac and ar. */
    private interface RowFill {
        void row(int k, double[][] acRows, double[][] arRows, double[] ac, double[] ar);
    }

    /** A new enclosure of n values over d inputs, its values filled in parallel. */
    private static IntervalMapEval rows(int n, int d, RowFill fill) {
        double[][] rc = new double[n][];
        double[][] rr = new double[n][];
        double[] oc = new double[n];
        double[] or = new double[n];
        IntStream.range(0, n).parallel().forEach(k -> fill.row(k, rc, rr, oc, or));
        return new IntervalMapEval(rc, rr, oc, or, d, false);
    }

    /** Value k times the slope c, into value k of a new enclosure. */
    private void scaleRow(int k, double c, double[][] rc, double[][] rr, double[] oc, double[] or) {
        double[] row = acRows[k];
        double[] rad = arRows == null ? null : arRows[k];
        if (c == 1.0) {
            rc[k] = row;
            rr[k] = rad;
            oc[k] = ac[k];
            or[k] = ar[k];
        } else if (c == 0.0 || row == null && rad == null && ac[k] == 0 && ar[k] == 0) {
            // exact zero: the value is 0 on all of R
        } else if (c == -1.0) {
            rc[k] = row == null ? null : negate(row);
            rr[k] = rad;
            oc[k] = -ac[k];
            or[k] = ar[k];
        } else {
            double abs = Math.abs(c);
            if (row != null) {
                double[] sc = new double[d];
                double[] sr = new double[d];
                for (int j = 0; j < d; j++) {
                    sc[j] = c * row[j];
                    double r0 = rad == null ? 0 : rad[j];
                    sr[j] = up(abs * r0 + U * Math.abs(sc[j]), 4);
                }
                rc[k] = sc;
                rr[k] = sr;
            } else if (rad != null) {
                double[] sr = new double[d];
                for (int j = 0; j < d; j++) {
                    sr[j] = up(abs * rad[j], 2);
                }
                rr[k] = sr;
            }
            oc[k] = c * ac[k];
            or[k] = up(abs * ar[k] + U * Math.abs(oc[k]), 4);
        }
    }

    private static double[] negate(double[] row) {
        double[] r = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            r[j] = -row[j];
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------
    // Linear layers: a dense row, a conv stencil and a per-channel scale, written once

    /** The terms {@code w * input[in]} of one output of a linear layer, in a fixed order. */
    private interface Terms {
        void of(int out, Sum sum);
    }

    /** Receives the terms of one output. */
    private interface Sum {
        void add(int in, float w);
    }

    /**
     * {@code W h + b} enclosed, each output summing at most n terms given by {@code terms}: from
     * the input exactly ({@link #first}) or from an enclosure (two products, midpoints and radii).
     */
    private IntervalMapEval linear(float[] bias, int n, Terms terms) {
        return identity ? first(bias, n, terms) : next(bias, n, terms);
    }

    /** The first layer: {@code A = W} exactly, {@code a = fl(W m + b)} with its error bound. */
    private IntervalMapEval first(float[] bias, int n, Terms terms) {
        double[] m = ac;
        int k = bias.length;
        double[][] rows = new double[k][];
        double[] oc = new double[k];
        double[] or = new double[k];
        double g = gamma(n + 1);
        IntStream.range(0, k).parallel().forEach(i -> {
            FirstRow r = new FirstRow(m, bias[i]);
            terms.of(i, r);
            if (r.zero) {
                oc[i] = bias[i]; // constant value, exact: its row stays null
                return;
            }
            rows[i] = r.row;
            oc[i] = r.s;
            or[i] = up(g * r.mag, n + 3);
        });
        return new IntervalMapEval(rows, null, oc, or, d, false);
    }

    /** One output of the first layer: its exact row, its offset at m and the offset's magnitude. */
    private static final class FirstRow implements Sum {
        final double[] m;
        final double[] row;
        double s;
        double mag;
        boolean zero = true;

        FirstRow(double[] m, float bias) {
            this.m = m;
            this.row = new double[m.length];
            this.s = bias;
            this.mag = Math.abs(bias);
        }

        @Override
        public void add(int j, float w) {
            double wj = w;
            row[j] = wj;
            s += wj * m[j];
            mag += Math.abs(wj) * Math.abs(m[j]);
            zero &= w == 0;
        }
    }

    /** A later linear layer: two matrix products (midpoints and radii), row-parallel, ikj. */
    private IntervalMapEval next(float[] bias, int n, Terms terms) {
        double g = gamma(n + 1);
        // R = Ar + gamma |Ac| per input value (null for exact zero rows).
        double[][] r = new double[size()][];
        IntStream.range(0, size()).parallel().forEach(k -> {
            double[] row = acRows[k];
            double[] rad = arRows == null ? null : arRows[k];
            if (row == null && rad == null) {
                return;
            }
            double[] rk = new double[d];
            for (int j = 0; j < d; j++) {
                double c = row == null ? 0 : Math.abs(row[j]);
                double q = rad == null ? 0 : rad[j];
                rk[j] = q + g * c + Double.MIN_NORMAL;
            }
            r[k] = rk;
        });
        return rows(bias.length, d, (i, rc, rr, oc, or) -> {
            NextRow sum = new NextRow(this, r, bias[i]);
            terms.of(i, sum);
            if (sum.constant) {
                oc[i] = bias[i]; // every term is an exact 0: exact constant
                return;
            }
            double[] q = sum.q;
            for (int j = 0; j < d; j++) {
                q[j] = up(q[j], n + 5);
            }
            rc[i] = sum.c;
            rr[i] = q;
            oc[i] = sum.s;
            or[i] = up(sum.prop + g * sum.mag, n + 4);
        });
    }

    /** One output of a later linear layer, its terms accumulated in order (ikj). */
    private static final class NextRow implements Sum {
        final IntervalMapEval e;
        final double[][] r;
        final double[] c;
        final double[] q;
        double s;
        double mag;
        double prop;
        boolean constant = true;

        NextRow(IntervalMapEval e, double[][] r, float bias) {
            this.e = e;
            this.r = r;
            this.c = new double[e.d];
            this.q = new double[e.d];
            this.s = bias;
            this.mag = Math.abs(bias);
        }

        @Override
        public void add(int k, float w) {
            double wk = w;
            if (wk == 0) {
                return;
            }
            double[] ak = e.acRows[k];
            double[] rk = r[k];
            if (constant && (ak != null || rk != null || e.ac[k] != 0 || e.ar[k] != 0)) {
                constant = false;
            }
            double aw = Math.abs(wk);
            s += wk * e.ac[k];
            mag += aw * Math.abs(e.ac[k]);
            prop += aw * e.ar[k];
            double[] c = this.c;
            double[] q = this.q;
            int d = c.length;
            if (ak != null) {
                for (int j = 0; j < d; j++) {
                    c[j] += wk * ak[j];
                }
            }
            if (rk != null) {
                for (int j = 0; j < d; j++) {
                    q[j] += aw * rk[j];
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Global average pool and max-pool differences

    /**
     * Each channel's mean {@code fl(fl(sum) / n)}: {@code Ar' = up((sum_p (Ar_p + gamma_n |Ac_p| +
     * MIN_NORMAL)) / n)}, each term through at most n + 4 roundings; a channel of exact zeros
     * stays an exact zero (any other gets a radius, even of exact constants).
     */
    private IntervalMapEval average(
            int outputs, java.util.function.IntFunction<int[]> members, java.util.function.IntUnaryOperator divisors) {
        return rows(outputs, d, (ch, rc, rr, oc, or) -> {
            int[] terms = members.apply(ch);
            int area = terms.length;
            int divisor = divisors.applyAsInt(ch);
            double g = gamma(area);
            double[] c = new double[d];
            double[] q = new double[d];
            double s = 0;
            double mag = 0;
            double prop = 0;
            boolean exactZero = true;
            for (int k : terms) {
                double[] row = acRows[k];
                double[] rad = arRows == null ? null : arRows[k];
                exactZero &= row == null && rad == null && ac[k] == 0 && ar[k] == 0;
                s += ac[k];
                mag += Math.abs(ac[k]);
                prop += ar[k];
                for (int j = 0; j < d; j++) {
                    double cj = row == null ? 0 : row[j];
                    c[j] += cj;
                    q[j] += (rad == null ? 0 : rad[j]) + g * Math.abs(cj) + Double.MIN_NORMAL;
                }
            }
            if (exactZero) {
                return; // the mean of exact zeros: an exact zero
            }
            for (int j = 0; j < d; j++) {
                c[j] /= divisor;
                q[j] = up(q[j] / divisor, area + 5);
            }
            rc[ch] = c;
            rr[ch] = q;
            oc[ch] = s / divisor;
            or[ch] = up((prop + g * mag + Double.MIN_NORMAL) / divisor, area + 5);
        });
    }

    /** Sound {@code {lo, hi}} of {@code h_w - h_q} over the region. */
    private double[] differenceRange(int w, int q, SupportRegion region) {
        if (isExactConstant(w) && isExactConstant(q)) {
            double diff = ac[w] - ac[q]; // exact sign, and 0 only when equal
            return new double[] {diff, diff};
        }
        double[] cw = ac(w);
        double[] cq = ac(q);
        double[] rw = ar(w);
        double[] rq = ar(q);
        double[] dc = new double[d];
        double[] dr = new double[d];
        for (int j = 0; j < d; j++) {
            dc[j] = cw[j] - cq[j];
            dr[j] = up(rw[j] + rq[j] + U * Math.abs(dc[j]), 3);
        }
        double oc = ac[w] - ac[q];
        double or = up(ar[w] + ar[q] + U * Math.abs(oc), 3);
        double rad = up(or + region.halfWidthBound(dc, dr), 2);
        return new double[] {Math.nextDown(oc - rad), Math.nextUp(oc + rad)};
    }

    private static void checkLength(String what, int length, int expected) {
        if (length != expected) {
            throw new IllegalArgumentException(what + ": has " + length + " entries, expected " + expected);
        }
    }
}
