package org.police4j.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.engine.PoolWindows;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * An independent judge of the POLICE guarantee for tests and the guarantee battery: decides, in
 * exact rational arithmetic, whether a folded network is affine on the convex hull of a region's
 * points. It shares no code with {@code org.police4j.certify} nor with the folded network's
 * evaluators ({@code DoubleEval}, {@code BoundedEval}, {@code ExactEval}, {@code
 * IntervalMapEval}), so a bug there cannot hide here.
 *
 * <p><b>Written twice on purpose.</b> Every layer kind of {@link Layer} is evaluated here by its
 * own loops, written from the layer's documented semantics (PyTorch's {@code conv2d}, {@code
 * max_pool2d}, {@code avg_pool2d}): which inputs a conv output reads, the windows of a pool, their
 * output lengths and PyTorch's divisor rule are computed in this class and never by the project's
 * {@code Stencil}, {@code PoolWindows} or tap helpers, and a layer's geometry is read from its
 * record fields only. That duplication is the point of an independent judge: do not
 * "deduplicate" it into the code it checks.
 *
 * <p>Every number involved is a finite binary fraction (float32 weights and biases, double
 * vertices, double centres and radii), so {@link BigDecimal} addition and multiplication are
 * exact; nothing is ever divided or rounded. An average divides by a window's size: instead, the
 * values of a layer are carried as {@code v / S} with one positive integer scale {@code S} per
 * layer (the same for every point): an average pool multiplies its window sums by the integers
 * {@code L / d_u} ({@code L} the least common multiple of its divisors {@code d_u}) and multiplies
 * {@code S} by {@code L}; a global average pool multiplies {@code S} by its area; biases and
 * offsets are added times {@code S}. Signs, comparisons and the activation's pieces are invariant
 * under the positive scale (a kink {@code t} is compared as {@code t S}).
 *
 * <p>The activation's negative slope is taken as the float32 value {@code (double) (float)
 * slope}, which is what the deployed DJL network computes (DJL's leaky-ReLU takes a float). A
 * hidden unit is fine when all points' pre-activations are {@code >= 0} or all are {@code <= 0}
 * (a value exactly 0 is on both sides); for an activation with several kinks (ReLU6, hard-tanh,
 * any CPA), when no kink lies strictly between the points' smallest and largest value (all in
 * one closed piece), the activation evaluated from its kinks, slopes and first value. A max-pool window is fine when one of its positions is a
 * maximum of the window at every point (ties allowed; padding never competes). If every unit and
 * every window is fine, each layer is affine on the hull by induction (the differences between a
 * window's positions and each unit's pre-activation are affine on the hull, so their signs at the
 * points hold on the whole hull), and so is the network.
 *
 * <p>Support regions ({@link Box}, {@link L1Ball}, {@link Zonotope}) are turned into their exact
 * corners ({@code m +/- r} in BigDecimal, not in double), so a corner rounded into the region
 * cannot make a straddling unit look one-sided.
 *
 * <p>A graph ({@link Layer.Parallel}) is walked depth first, branch 0 first: hidden layers and
 * max-pools are numbered in that order, and a join's bias is added after the sum or concatenation.
 */
public final class ExactChecker {

    /** Regions needing more points than this are refused (the exact evaluation is per point). */
    public static final int MAX_POINTS = 1 << 14;

    private ExactChecker() {}

    /** What a violation is about. */
    public enum Where {
        /** A hidden unit whose points lie strictly on both sides of a kink. */
        KINK,
        /** A max-pool window none of whose positions is a maximum at every point. */
        POOL
    }

    /**
     * The first violation, in evaluation order: a unit whose points lie strictly on both sides of
     * the kink, or a max-pool window without one winner.
     *
     * @param where a kink or a pool window
     * @param layer for a kink, the hidden (activation) layer, 0-based; for a window, the max-pool
     *     layer, 0-based among the max-pools
     * @param unit the unit within the layer, or the window (pooled value)
     * @param min for a kink, the smallest pre-activation over the points (negative); for a window, 0
     * @param max for a kink, the largest pre-activation over the points (positive); for a window,
     *     the least over its positions of the most that position falls below the window's maximum
     *     at some point (positive). Exact when no average pool came before; else the exact scaled
     *     value divided by the scale to 34 digits (for reports only: the verdict never divides)
     */
    public record Straddle(Where where, int layer, int unit, BigDecimal min, BigDecimal max) {
        @Override
        public String toString() {
            return where == Where.KINK
                    ? "layer " + layer + " unit " + unit + " in [" + min.doubleValue() + ", " + max.doubleValue() + "]"
                    : "max-pool " + layer + " window " + unit + ": every position loses somewhere, the best by "
                            + max.doubleValue();
        }
    }

    /**
     * The verdict on one region.
     *
     * @param affine true iff no hidden unit straddles a kink and every max-pool window has one
     *     winner over the points
     * @param points how many points were evaluated
     * @param units how many hidden units and max-pool windows were checked
     * @param straddles how many of them failed
     * @param first the first failing one, null when affine
     */
    public record Result(boolean affine, int points, int units, int straddles, Straddle first) {
        @Override
        public String toString() {
            return affine
                    ? "affine (" + units + " units, " + points + " points)"
                    : "NOT affine: " + straddles + " of " + units + " units straddle, first " + first;
        }
    }

    /**
     * The slope below the kink as the deployed float32 network applies it, exactly.
     *
     * @param activation the activation
     * @return its negative slope as the float32 value it is deployed as
     */
    public static BigDecimal deployedSlope(Cpa activation) {
        return new BigDecimal((double) (float) activation.negativeSlope());
    }

    /**
     * Checks {@code net} on every region separately, in order.
     *
     * @param net the folded network
     * @param regions the regions
     * @return one verdict per region
     */
    public static List<Result> checkAll(FoldedNetwork net, List<? extends Region> regions) {
        List<Result> out = new ArrayList<>(regions.size());
        for (Region r : regions) {
            out.add(check(net, r));
        }
        return out;
    }

    /**
     * Checks {@code net} on the exact points of {@code region} (see {@link #exactPoints}).
     *
     * @param net the folded network
     * @param region the region
     * @return the verdict
     */
    public static Result check(FoldedNetwork net, Region region) {
        return check(net, exactPoints(region, MAX_POINTS));
    }

    /**
     * Checks {@code net} on the convex hull of the given double points.
     *
     * @param net the folded network
     * @param points P rows of D coordinates
     * @return the verdict
     */
    public static Result check(FoldedNetwork net, double[][] points) {
        return check(net, exact(points));
    }

    /**
     * Checks {@code net} on the convex hull of the given exact points.
     *
     * @param net the folded network
     * @param points P rows of D exact coordinates, P &gt;= 1
     * @return the verdict
     */
    public static Result check(FoldedNetwork net, BigDecimal[][] points) {
        if (points.length == 0) {
            throw new IllegalArgumentException("points: none; expected at least one");
        }
        int d = net.inputDimension();
        for (int p = 0; p < points.length; p++) {
            if (points[p].length != d) {
                throw new IllegalArgumentException(
                        "points: row " + p + " has " + points[p].length + " coordinates, expected " + d);
            }
        }
        Walk walk = new Walk();
        walk.chain(net.layers(), new Values(points, BigInteger.ONE));
        return new Result(walk.failures == 0, points.length, walk.units, walk.failures, walk.first);
    }

    /**
     * The exact outputs of {@code net} at the given points, each the exact rational output
     * rounded to double once (for interpolation checks; max-pools take the window maximum).
     *
     * @param net the folded network
     * @param points P rows of D coordinates
     * @return P rows of K outputs
     */
    public static double[][] outputs(FoldedNetwork net, double[][] points) {
        Walk walk = new Walk();
        Values out = walk.chain(net.layers(), new Values(exact(points), BigInteger.ONE));
        BigDecimal s = new BigDecimal(out.scale);
        double[][] y = new double[out.v.length][];
        for (int p = 0; p < y.length; p++) {
            y[p] = new double[out.v[p].length];
            for (int k = 0; k < y[p].length; k++) {
                y[p][k] = out.v[p][k].divide(s, MathContext.DECIMAL128).doubleValue();
            }
        }
        return y;
    }

    /** P points' values after some layer, each the exact {@code v / scale}. */
    private record Values(BigDecimal[][] v, BigInteger scale) {
        int points() {
            return v.length;
        }

        int size() {
            return v[0].length;
        }

        BigDecimal scaled(float bias) {
            return scale.equals(BigInteger.ONE) ? exact(bias) : exact(bias).multiply(new BigDecimal(scale));
        }

        BigDecimal report(BigDecimal value) {
            return scale.equals(BigInteger.ONE) ? value : value.divide(new BigDecimal(scale), MathContext.DECIMAL128);
        }
    }

    /** One pass over the layers: the evaluation and what failed, counted in evaluation order. */
    private static final class Walk {
        int hidden;
        int pools;
        int units;
        int failures;
        Straddle first;

        void fail(Straddle s) {
            failures++;
            if (first == null) {
                first = s;
            }
        }

        Values chain(List<Layer> layers, Values in) {
            Values z = in;
            for (Layer layer : layers) {
                z = layer(layer, z);
            }
            return z;
        }

        Values layer(Layer layer, Values z) {
            if (layer instanceof Layer.Dense l) {
                return dense(l, z);
            }
            if (layer instanceof Layer.Conv l) {
                return conv(l, z);
            }
            if (layer instanceof Layer.MaxPool l) {
                return maxPool(l, z);
            }
            if (layer instanceof Layer.ChannelAffine l) {
                return channelAffine(l, z);
            }
            if (layer instanceof Layer.Flatten) {
                return z;
            }
            if (layer instanceof Layer.GlobalAvgPool l) {
                return globalAvgPool(l, z);
            }
            if (layer instanceof Layer.AvgPool l) {
                return avgPool(l, z);
            }
            if (layer instanceof Layer.Activation l) {
                return activation(l.cpa(), z);
            }
            if (layer instanceof Layer.Parallel l) {
                return parallel(l, z);
            }
            throw new IllegalArgumentException(
                    "layer: " + layer.getClass().getSimpleName() + " is a kind the exact checker does not know");
        }

        Values dense(Layer.Dense l, Values z) {
            BigDecimal[][] w = exact(l.weight());
            BigDecimal[] b = new BigDecimal[l.bias().length];
            for (int k = 0; k < b.length; k++) {
                b[k] = z.scaled(l.bias()[k]);
            }
            BigDecimal[][] h = new BigDecimal[z.points()][];
            for (int p = 0; p < h.length; p++) {
                h[p] = affine(w, b, z.v[p]);
            }
            return new Values(h, z.scale);
        }

        /** PyTorch's conv2d: output (o, i, j) sums x[g * inC/groups + c, i sH + u dH - pH, j sW + v dW - pW] w[o, c, u, v]. */
        Values conv(Layer.Conv l, Values z) {
            int oh = (l.inH() + 2 * l.padH() - l.dilationH() * (l.kernelH() - 1) - 1) / l.strideH() + 1;
            int ow = (l.inW() + 2 * l.padW() - l.dilationW() * (l.kernelW() - 1) - 1) / l.strideW() + 1;
            if (l.bias().length != l.outC() * oh * ow) {
                throw new IllegalStateException("conv: bias has " + l.bias().length + " values, the checker expects "
                        + l.outC() + " x " + oh + " x " + ow);
            }
            int perGroupIn = l.inC() / l.groups();
            int perGroupOut = l.outC() / l.groups();
            BigDecimal[] w = exact(l.weight());
            BigDecimal[][] h = new BigDecimal[z.points()][l.bias().length];
            for (int o = 0; o < l.outC(); o++) {
                int g = o / perGroupOut;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int out = (o * oh + i) * ow + j;
                        BigDecimal bias = z.scaled(l.bias()[out]);
                        for (int p = 0; p < h.length; p++) {
                            BigDecimal s = bias;
                            for (int c = 0; c < perGroupIn; c++) {
                                int ch = g * perGroupIn + c;
                                for (int u = 0; u < l.kernelH(); u++) {
                                    int r = i * l.strideH() + u * l.dilationH() - l.padH();
                                    if (r < 0 || r >= l.inH()) {
                                        continue;
                                    }
                                    for (int v = 0; v < l.kernelW(); v++) {
                                        int col = j * l.strideW() + v * l.dilationW() - l.padW();
                                        if (col < 0 || col >= l.inW()) {
                                            continue;
                                        }
                                        BigDecimal wt = w[((o * perGroupIn + c) * l.kernelH() + u) * l.kernelW() + v];
                                        BigDecimal x = z.v[p][(ch * l.inH() + r) * l.inW() + col];
                                        if (wt.signum() != 0 && x.signum() != 0) {
                                            s = s.add(wt.multiply(x));
                                        }
                                    }
                                }
                            }
                            h[p][out] = s;
                        }
                    }
                }
            }
            return new Values(h, z.scale);
        }

        /**
         * PyTorch's max_pool2d (floor or ceil mode): window (a, b) of a channel covers rows {@code a
         * sH - pH ..} and columns {@code b sW - pW ..}; positions in the padding or beyond the map's
         * edge never compete. The window's winner must be one position that is a maximum at every
         * point.
         */
        Values maxPool(Layer.MaxPool l, Values z) {
            int oh = outLength(l.h(), l.kernelH(), l.strideH(), l.padH(), l.ceilMode());
            int ow = outLength(l.w(), l.kernelW(), l.strideW(), l.padW(), l.ceilMode());
            int pool = pools++;
            BigDecimal[][] h = new BigDecimal[z.points()][l.c() * oh * ow];
            int[] members = new int[l.kernelH() * l.kernelW()];
            for (int ch = 0; ch < l.c(); ch++) {
                for (int a = 0; a < oh; a++) {
                    for (int b = 0; b < ow; b++) {
                        int out = (ch * oh + a) * ow + b;
                        int n = 0;
                        for (int du = 0; du < l.kernelH(); du++) {
                            int r = a * l.strideH() - l.padH() + du;
                            for (int dv = 0; dv < l.kernelW(); dv++) {
                                int col = b * l.strideW() - l.padW() + dv;
                                if (r >= 0 && r < l.h() && col >= 0 && col < l.w()) {
                                    members[n++] = (ch * l.h() + r) * l.w() + col;
                                }
                            }
                        }
                        if (n == 0) {
                            throw new IllegalStateException("maxPool: window " + out + " lies wholly in the padding");
                        }
                        BigDecimal[] max = new BigDecimal[z.points()];
                        for (int p = 0; p < max.length; p++) {
                            max[p] = z.v[p][members[0]];
                            for (int q = 1; q < n; q++) {
                                max[p] = max[p].max(z.v[p][members[q]]);
                            }
                        }
                        units++;
                        BigDecimal best = null;
                        for (int q = 0; q < n && (best == null || best.signum() > 0); q++) {
                            BigDecimal worst = BigDecimal.ZERO;
                            for (int p = 0; p < max.length; p++) {
                                worst = worst.max(max[p].subtract(z.v[p][members[q]]));
                            }
                            best = best == null ? worst : best.min(worst);
                        }
                        if (best.signum() > 0) {
                            fail(new Straddle(Where.POOL, pool, out, BigDecimal.ZERO, z.report(best)));
                        }
                        float bias = l.bias() == null ? 0f : l.bias()[out];
                        BigDecimal shift = bias == 0f ? null : z.scaled(bias);
                        for (int p = 0; p < max.length; p++) {
                            h[p][out] = shift == null ? max[p] : max[p].add(shift);
                        }
                    }
                }
            }
            return new Values(h, z.scale);
        }

        Values channelAffine(Layer.ChannelAffine l, Values z) {
            BigDecimal[][] h = new BigDecimal[z.points()][l.c() * l.positions()];
            for (int ch = 0; ch < l.c(); ch++) {
                BigDecimal a = exact(l.scale()[ch]);
                BigDecimal b = z.scaled(l.offset()[ch]);
                for (int k = ch * l.positions(); k < (ch + 1) * l.positions(); k++) {
                    for (int p = 0; p < h.length; p++) {
                        h[p][k] = a.multiply(z.v[p][k]).add(b);
                    }
                }
            }
            return new Values(h, z.scale);
        }

        /** The mean of each channel: its sum, with the scale times the area. */
        Values globalAvgPool(Layer.GlobalAvgPool l, Values z) {
            int area = l.h() * l.w();
            BigDecimal[][] h = new BigDecimal[z.points()][l.c()];
            for (int p = 0; p < h.length; p++) {
                for (int ch = 0; ch < l.c(); ch++) {
                    BigDecimal s = BigDecimal.ZERO;
                    for (int k = ch * area; k < (ch + 1) * area; k++) {
                        s = s.add(z.v[p][k]);
                    }
                    h[p][ch] = s;
                }
            }
            return new Values(h, z.scale.multiply(BigInteger.valueOf(area)));
        }

        /**
         * PyTorch's avg_pool2d: output lengths {@code floor((n + 2p - k) / s) + 1}, or with ceil
         * mode the ceiling less one when the last window would start in the right padding; each
         * window sums its positions within the map (padding adds zeros) and divides by its size
         * clipped to the padded map ({@code count_include_pad}) or to the map. Here the sums are
         * multiplied by {@code L / d_u} and the scale by {@code L}.
         */
        Values avgPool(Layer.AvgPool l, Values z) {
            PoolWindows pw = l.windows();
            int oh = outLength(pw.h(), pw.kernelH(), pw.strideH(), pw.padH(), pw.ceilMode());
            int ow = outLength(pw.w(), pw.kernelW(), pw.strideW(), pw.padW(), pw.ceilMode());
            int outs = pw.c() * oh * ow;
            long[] divisor = new long[outs];
            List<int[]> members = new ArrayList<>(outs);
            BigInteger lcm = BigInteger.ONE;
            for (int ch = 0; ch < pw.c(); ch++) {
                for (int a = 0; a < oh; a++) {
                    for (int b = 0; b < ow; b++) {
                        int r0 = a * pw.strideH() - pw.padH();
                        int c0 = b * pw.strideW() - pw.padW();
                        int r1 = r0 + pw.kernelH();
                        int c1 = c0 + pw.kernelW();
                        int rLo = Math.max(r0, 0);
                        int rHi = Math.min(r1, pw.h());
                        int cLo = Math.max(c0, 0);
                        int cHi = Math.min(c1, pw.w());
                        int[] m = new int[Math.max(0, rHi - rLo) * Math.max(0, cHi - cLo)];
                        int n = 0;
                        for (int r = rLo; r < rHi; r++) {
                            for (int col = cLo; col < cHi; col++) {
                                m[n++] = (ch * pw.h() + r) * pw.w() + col;
                            }
                        }
                        long d = l.countIncludePad()
                                ? (long) (Math.min(r1, pw.h() + pw.padH()) - r0) * (Math.min(c1, pw.w() + pw.padW()) - c0)
                                : m.length;
                        if (d <= 0) {
                            throw new IllegalStateException("avgPool: window " + members.size() + " averages no position");
                        }
                        divisor[members.size()] = d;
                        members.add(m);
                        BigInteger bd = BigInteger.valueOf(d);
                        lcm = lcm.divide(lcm.gcd(bd)).multiply(bd);
                    }
                }
            }
            BigDecimal[][] h = new BigDecimal[z.points()][outs];
            for (int u = 0; u < outs; u++) {
                BigDecimal factor = new BigDecimal(lcm.divide(BigInteger.valueOf(divisor[u])));
                for (int p = 0; p < h.length; p++) {
                    BigDecimal s = BigDecimal.ZERO;
                    for (int x : members.get(u)) {
                        s = s.add(z.v[p][x]);
                    }
                    h[p][u] = s.multiply(factor);
                }
            }
            return new Values(h, z.scale.multiply(lcm));
        }

        /**
         * DJL's ParallelBlock: every branch (a chain, empty for the identity) reads the same
         * values, their outputs are summed elementwise or concatenated in branch order, then the
         * bias is added per joined value. Branches that carry different scales are brought to
         * their least common multiple first (exact integer multiples).
         */
        Values parallel(Layer.Parallel l, Values z) {
            List<Values> outs = new ArrayList<>();
            BigInteger lcm = BigInteger.ONE;
            for (List<Layer> branch : l.branches()) {
                Values out = chain(branch, z);
                outs.add(out);
                lcm = lcm.divide(lcm.gcd(out.scale)).multiply(out.scale);
            }
            int size = 0;
            for (Values out : outs) {
                size = l.join() == Join.SUM ? out.size() : size + out.size();
            }
            if (l.bias().length != size) {
                throw new IllegalStateException("parallel: bias has " + l.bias().length + " values, the checker expects " + size);
            }
            BigDecimal[][] h = new BigDecimal[z.points()][size];
            for (int p = 0; p < h.length; p++) {
                int at = 0;
                for (Values out : outs) {
                    BigDecimal factor = new BigDecimal(lcm.divide(out.scale));
                    if (out.size() != size && l.join() == Join.SUM) {
                        throw new IllegalStateException("parallel: a sum of branches of " + out.size() + " and " + size + " values");
                    }
                    for (int k = 0; k < out.size(); k++) {
                        BigDecimal v = factor.equals(BigDecimal.ONE) ? out.v[p][k] : out.v[p][k].multiply(factor);
                        if (l.join() == Join.SUM) {
                            h[p][k] = h[p][k] == null ? v : h[p][k].add(v);
                        } else {
                            h[p][at + k] = v;
                        }
                    }
                    at += out.size();
                }
            }
            Values joined = new Values(h, lcm);
            for (int k = 0; k < size; k++) {
                if (l.bias()[k] != 0f) {
                    BigDecimal b = joined.scaled(l.bias()[k]);
                    for (BigDecimal[] row : h) {
                        row[k] = row[k].add(b);
                    }
                }
            }
            return joined;
        }

        /**
         * A unit is fine when its points lie in one closed piece (no kink strictly between its
         * smallest and largest value; a kink {@code t} is compared as {@code t S}); then the
         * activation is applied from its definition.
         */
        Values activation(Cpa cpa, Values z) {
            int layer = hidden++;
            boolean one = cpa.singleKinkAtZero();
            BigDecimal slope = one ? deployedSlope(cpa) : null;
            BigDecimal scale = new BigDecimal(z.scale);
            BigDecimal[] kinks = new BigDecimal[one ? 1 : cpa.kinkCount()];
            for (int i = 0; i < kinks.length; i++) {
                kinks[i] = one ? BigDecimal.ZERO : new BigDecimal(cpa.kink(i)).multiply(scale);
            }
            BigDecimal[][] h = new BigDecimal[z.points()][z.size()];
            for (int k = 0; k < z.size(); k++) {
                units++;
                BigDecimal min = z.v[0][k];
                BigDecimal max = z.v[0][k];
                for (int p = 1; p < h.length; p++) {
                    min = min.min(z.v[p][k]);
                    max = max.max(z.v[p][k]);
                }
                for (BigDecimal t : kinks) {
                    if (min.compareTo(t) < 0 && max.compareTo(t) > 0) {
                        fail(new Straddle(Where.KINK, layer, k, z.report(min), z.report(max)));
                        break;
                    }
                }
                for (int p = 0; p < h.length; p++) {
                    BigDecimal x = z.v[p][k];
                    h[p][k] = one ? (x.signum() < 0 ? x.multiply(slope) : x) : severalKinks(cpa, kinks, scale, x);
                }
            }
            return new Values(h, z.scale);
        }
    }

    /**
     * {@code S f(x / S)} for a continuous piecewise-affine f given by its kinks {@code t_i}, the
     * slope of each piece and {@code f(t_0)} (the float32 values the network holds): on piece 0,
     * {@code f(t_0) + a_0 (x - t_0)}; above, walk from {@code t_0} along the pieces up to x.
     *
     * @param kinks the kinks times S
     * @param scale S
     * @param x the value times S
     */
    static BigDecimal severalKinks(Cpa cpa, BigDecimal[] kinks, BigDecimal scale, BigDecimal x) {
        BigDecimal value = new BigDecimal(cpa.valueAtFirstKink()).multiply(scale);
        if (x.compareTo(kinks[0]) <= 0) {
            return value.add(new BigDecimal(cpa.slope(0)).multiply(x.subtract(kinks[0])));
        }
        BigDecimal at = kinks[0];
        for (int j = 1; j <= kinks.length; j++) {
            boolean last = j == kinks.length;
            BigDecimal stop = last || x.compareTo(kinks[j]) < 0 ? x : kinks[j];
            value = value.add(new BigDecimal(cpa.slope(j)).multiply(stop.subtract(at)));
            if (stop == x) {
                return value;
            }
            at = stop;
        }
        return value;
    }

    /** PyTorch's pooling output length along one axis (floor, or ceil not starting in the right padding). */
    private static int outLength(int n, int k, int s, int pad, boolean ceil) {
        int span = n + 2 * pad - k;
        int out = (ceil ? Math.floorDiv(span + s - 1, s) : Math.floorDiv(span, s)) + 1;
        if (ceil && (out - 1) * s >= n + pad) {
            out--;
        }
        return out;
    }

    private static BigDecimal[] affine(BigDecimal[][] w, BigDecimal[] b, BigDecimal[] z) {
        BigDecimal[] out = new BigDecimal[b.length];
        for (int k = 0; k < out.length; k++) {
            BigDecimal s = b[k];
            BigDecimal[] row = w[k];
            for (int j = 0; j < z.length; j++) {
                if (row[j].signum() != 0 && z[j].signum() != 0) {
                    s = s.add(row[j].multiply(z[j]));
                }
            }
            out[k] = s;
        }
        return out;
    }

    /**
     * The exact points whose convex hull is {@code region}: a vertex region's vertices; a box's
     * corners {@code m_j +/- r_j}; an l1 ball's {@code m +/- rho e_j}; a zonotope's {@code m + G u},
     * u in {-1, 1}^g; all computed in BigDecimal.
     *
     * @param region the region
     * @param maxPoints refuse beyond this many points
     * @return P rows of D exact coordinates
     * @throws IllegalArgumentException if the region needs more than {@code maxPoints} points or
     *     is of a kind this checker does not know
     */
    public static BigDecimal[][] exactPoints(Region region, int maxPoints) {
        if (region instanceof VertexRegion v) {
            return exact(v.vertices());
        }
        int d = region.dimension();
        BigDecimal[] m = exact(region.center());
        if (region instanceof Box box) {
            BigDecimal[] r = exact(box.radii());
            if (d > 30 || (1L << d) > maxPoints) {
                throw new IllegalArgumentException("region: a box in " + d + "-D has 2^" + d + " corners, above " + maxPoints);
            }
            BigDecimal[][] out = new BigDecimal[1 << d][d];
            for (int code = 0; code < out.length; code++) {
                for (int j = 0; j < d; j++) {
                    out[code][j] = ((code >> j) & 1) == 1 ? m[j].add(r[j]) : m[j].subtract(r[j]);
                }
            }
            return out;
        }
        if (region instanceof L1Ball ball) {
            if (2L * d > maxPoints) {
                throw new IllegalArgumentException("region: an l1 ball in " + d + "-D has " + 2 * d + " corners, above " + maxPoints);
            }
            BigDecimal rho = new BigDecimal(finite(ball.radius()));
            BigDecimal[][] out = new BigDecimal[2 * d][];
            for (int j = 0; j < d; j++) {
                out[2 * j] = m.clone();
                out[2 * j][j] = m[j].add(rho);
                out[2 * j + 1] = m.clone();
                out[2 * j + 1][j] = m[j].subtract(rho);
            }
            return out;
        }
        if (region instanceof Zonotope z) {
            BigDecimal[][] g = exact(z.generators());
            int count = z.generatorCount();
            if (count > 30 || (1L << count) > maxPoints) {
                throw new IllegalArgumentException(
                        "region: a zonotope with " + count + " generators has 2^" + count + " points, above " + maxPoints);
            }
            BigDecimal[][] out = new BigDecimal[1 << count][];
            for (int code = 0; code < out.length; code++) {
                BigDecimal[] x = m.clone();
                for (int k = 0; k < count; k++) {
                    boolean plus = ((code >> k) & 1) == 1;
                    for (int j = 0; j < d; j++) {
                        x[j] = plus ? x[j].add(g[j][k]) : x[j].subtract(g[j][k]);
                    }
                }
                out[code] = x;
            }
            return out;
        }
        throw new IllegalArgumentException(
                "region: " + region.describe() + " is neither a vertex region nor a box, l1 ball or zonotope");
    }

    /** Exact copies of double rows. */
    public static BigDecimal[][] exact(double[][] rows) {
        BigDecimal[][] out = new BigDecimal[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = exact(rows[i]);
        }
        return out;
    }

    private static BigDecimal[] exact(double[] row) {
        BigDecimal[] out = new BigDecimal[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = new BigDecimal(finite(row[j]));
        }
        return out;
    }

    private static double finite(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("exact checker: a weight, bias or coordinate is " + v + ", not finite");
        }
        return v;
    }

    private static BigDecimal[][] exact(float[][] rows) {
        BigDecimal[][] out = new BigDecimal[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = exact(rows[i]);
        }
        return out;
    }

    private static BigDecimal exact(float v) {
        return new BigDecimal(finite(v));
    }

    private static BigDecimal[] exact(float[] row) {
        BigDecimal[] out = new BigDecimal[row.length];
        for (int j = 0; j < row.length; j++) {
            out[j] = new BigDecimal(finite(row[j]));
        }
        return out;
    }
}
