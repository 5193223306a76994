package org.police4j.conv;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.police4j.certify.Certificate;
import org.police4j.certify.Deviation;
import org.police4j.certify.Violation;
import org.police4j.fold.DenseLayer;
import org.police4j.fold.FoldedWeights;

/**
 * The exact certificate for a {@link FoldedConvNet}: decides whether the CNN is affine on the
 * convex polytope given by its vertices.
 *
 * <p>Each vertex is pushed through the network in exact {@link BigDecimal} arithmetic (float32
 * weights and double coordinates are exact binary fractions; only additions and multiplications
 * are used, global average pooling being carried as a sum times a positive scale, see {@code
 * ConvEval}). The network is certified when
 *
 * <ul>
 *   <li>in every max-pool window, one position is a maximum at every vertex (exact comparison;
 *       ties allowed), and
 *   <li>no unit that feeds the activation (after the pool) has one vertex strictly above the kink
 *       and another strictly below.
 * </ul>
 *
 * By induction over the layers: if the layer's input is affine on R, every conv output position
 * is affine on R; a window's common winner w has {@code h_w - h_q >= 0} at the vertices, hence on
 * R (an affine function on a convex hull), so the pool is {@code h_w} on R; a unit with all
 * vertices on one side stays on that side on R, so the activation is affine there. The conditions
 * are sufficient; they are necessary up to degenerate cases (two positions or units computing the
 * same affine function on R), exactly as for {@link org.police4j.certify.Certifier}.
 *
 * <p>The result is the library's {@link Certificate}: {@code unitsChecked} counts the activation
 * units plus the pool windows, {@code offendingUnits} the straddling units plus the windows
 * without a common winner. A window belongs to the pooled unit it feeds, so a {@link Violation}
 * {@code (layer, unit)} names that unit; for a window violation its range is that of {@code h_w -
 * max_{q != w} h_q} over the vertices for the majority winner w (negative somewhere). The affine
 * map is that of the (common or majority) pattern, computed in double by carrying each unit's
 * affine form through the network with the pattern held fixed (not correctly rounded, unlike the
 * dense certifier's exact map); the
 * deviations are double diagnostics as there.
 *
 * <p>Without max-pool, {@link #unroll} turns the CNN into dense {@link FoldedWeights} for the
 * existing {@link org.police4j.certify.Certifier}; the tests check both verdicts agree.
 */
public final class ConvCertifier {

    private ConvCertifier() {}

    /**
     * Certifies the folded CNN on the convex hull of {@code vertices}: common max-pool winners and
     * no straddling unit (see the class comment), with the affine map of the (common or majority)
     * pattern.
     *
     * @param net the folded network
     * @param vertices P x D, the region's vertices, D = {@code net.inputDimension()}
     * @param interiorPoints points of R at which the map's deviation is measured; may be null or empty
     * @return the certificate
     * @throws IllegalArgumentException if a point has the wrong dimension or is not finite
     */
    public static Certificate certify(FoldedConvNet net, double[][] vertices, double[][] interiorPoints) {
        int d = net.inputDimension();
        check("vertices", vertices, d, false);
        double[][] interior = interiorPoints == null ? new double[0][] : interiorPoints;
        check("interiorPoints", interior, d, true);
        ConvEval<BigDecimal> exact = new ConvEval<>(net, ConvEval.exact(net.activation().negativeSlope()));
        List<ConvEval.Record<BigDecimal>> records =
                IntStream.range(0, vertices.length)
                        .parallel()
                        .mapToObj(i -> {
                            BigDecimal[] x = new BigDecimal[d];
                            for (int j = 0; j < d; j++) {
                                x[j] = new BigDecimal(vertices[i][j]);
                            }
                            return exact.run(x, null, null, true);
                        })
                        .toList();
        ConvEval.Record<BigDecimal> first = records.get(0);
        int layers = first.pre.size();
        int[][] sides = new int[layers][];
        int[][] winners = new int[layers][];
        int units = 0;
        int offending = 0;
        Violation violation = null;
        for (int l = 0; l < layers; l++) {
            int width = first.pre.get(l).length;
            sides[l] = new int[width];
            boolean pooled = first.maxima.get(l) != null;
            if (pooled) {
                winners[l] = new int[width];
            }
            for (int u = 0; u < width; u++) {
                if (pooled) {
                    units++;
                    long common = -1L;
                    int[] votes = new int[64];
                    for (ConvEval.Record<BigDecimal> r : records) {
                        long m = r.maxima.get(l)[u];
                        common &= m;
                        votes[Long.numberOfTrailingZeros(m)]++;
                    }
                    if (common != 0) {
                        winners[l][u] = Long.numberOfTrailingZeros(common);
                    } else {
                        int best = 0;
                        for (int q = 1; q < 64; q++) {
                            if (votes[q] > votes[best]) {
                                best = q;
                            }
                        }
                        winners[l][u] = best;
                        offending++;
                        if (violation == null) {
                            violation = windowViolation(net, records, l, u, best);
                        }
                    }
                }
                units++;
                int pos = 0;
                int neg = 0;
                for (ConvEval.Record<BigDecimal> r : records) {
                    int s = r.pre.get(l)[u].signum();
                    pos += s > 0 ? 1 : 0;
                    neg += s < 0 ? 1 : 0;
                }
                if (pos > 0 && neg > 0) {
                    offending++;
                    if (violation == null) {
                        double min = Double.POSITIVE_INFINITY;
                        double max = Double.NEGATIVE_INFINITY;
                        for (ConvEval.Record<BigDecimal> r : records) {
                            double v = r.pre.get(l)[u].doubleValue() / r.preScale.get(l).doubleValue();
                            min = Math.min(min, v);
                            max = Math.max(max, v);
                        }
                        violation = new Violation(l, u, min, max);
                    }
                }
                sides[l][u] = pos >= neg ? 1 : -1;
            }
        }
        double[][][] map = affineMap(net, sides, winners);
        double[][] a = map[0];
        double[] b = map[1][0];
        return new Certificate(
                violation == null,
                layers,
                units,
                offending,
                violation,
                a,
                b,
                Deviation.max(net::evaluate, a, b, interior),
                Deviation.max(net::evaluate, a, b, vertices),
                interior.length);
    }

    private static Violation windowViolation(
            FoldedConvNet net, List<ConvEval.Record<BigDecimal>> records, int l, int u, int w) {
        FoldedConvNet.ConvOp cv = convOp(net, l);
        int k = cv.pool();
        int ph = cv.actH();
        int pw = cv.actW();
        int o = u / (ph * pw);
        int a = (u / pw) % ph;
        int b = u % pw;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (ConvEval.Record<BigDecimal> r : records) {
            BigDecimal[] conv = r.prePool.get(l);
            BigDecimal hw = conv[(o * cv.outH() + a * k + w / k) * cv.outW() + b * k + w % k];
            BigDecimal other = null;
            for (int q = 0; q < k * k; q++) {
                if (q != w) {
                    BigDecimal v = conv[(o * cv.outH() + a * k + q / k) * cv.outW() + b * k + q % k];
                    other = other == null || v.compareTo(other) > 0 ? v : other;
                }
            }
            double gap = other == null ? 0 : hw.subtract(other).doubleValue();
            min = Math.min(min, gap);
            max = Math.max(max, gap);
        }
        return new Violation(l, u, min, max);
    }

    private static FoldedConvNet.ConvOp convOp(FoldedConvNet net, int layer) {
        int l = 0;
        for (FoldedConvNet.Op op : net.ops()) {
            if (op instanceof FoldedConvNet.ConvOp cv) {
                if (l == layer) {
                    return cv;
                }
                l++;
            } else if (op instanceof FoldedConvNet.DenseOp d && d.hidden()) {
                l++;
            }
        }
        throw new IllegalStateException("no conv layer " + layer);
    }

    /**
     * {A (K x D), {b}} of the given pattern, in double: every unit carries its affine form (D
     * coefficients and a constant) through the network with each unit held on its side and each
     * window on its winner.
     */
    static double[][][] affineMap(FoldedConvNet net, int[][] sides, int[][] winners) {
        int d = net.inputDimension();
        double[][] z = new double[d][d + 1];
        for (int j = 0; j < d; j++) {
            z[j][j] = 1;
        }
        z = propagate(net, z, sides, winners);
        double[][] a = new double[z.length][d];
        double[] b = new double[z.length];
        for (int o = 0; o < z.length; o++) {
            System.arraycopy(z[o], 0, a[o], 0, d);
            b[o] = z[o][d];
        }
        return new double[][][] {a, {b}};
    }

    /** The network in double at x (the pattern followed, not held). */
    static double[] evaluate(FoldedConvNet net, double[] x) {
        double[][] z = new double[x.length][];
        for (int j = 0; j < x.length; j++) {
            z[j] = new double[] {x[j]};
        }
        z = propagate(net, z, null, null);
        double[] y = new double[z.length];
        for (int o = 0; o < y.length; o++) {
            y[o] = z[o][0];
        }
        return y;
    }

    /**
     * Carries affine forms (coefficients, then the constant last) through the network. With
     * {@code sides}/{@code winners} null, forms must be plain values (width 1) and the pattern
     * follows their signs and maxima (ties to the lowest position): a double evaluation.
     */
    private static double[][] propagate(FoldedConvNet net, double[][] z, int[][] sides, int[][] winners) {
        int width = z[0].length;
        int d = width - 1;
        int layer = 0;
        double slope = net.activation().negativeSlope();
        for (FoldedConvNet.Op op : net.ops()) {
            if (op instanceof FoldedConvNet.ConvOp cv) {
                int k = cv.kernel();
                double[][] out = new double[cv.outC() * cv.outH() * cv.outW()][];
                for (int o = 0; o < cv.outC(); o++) {
                    for (int i = 0; i < cv.outH(); i++) {
                        for (int j = 0; j < cv.outW(); j++) {
                            int idx = (o * cv.outH() + i) * cv.outW() + j;
                            double[] form = new double[width];
                            form[d] = cv.bias()[idx];
                            for (int ci = 0; ci < cv.inC(); ci++) {
                                for (int u = 0; u < k; u++) {
                                    int r = i * cv.stride() + u - cv.padding();
                                    for (int v = 0; v < k && r >= 0 && r < cv.inH(); v++) {
                                        int col = j * cv.stride() + v - cv.padding();
                                        float w = cv.weight()[((o * cv.inC() + ci) * k + u) * k + v];
                                        if (col >= 0 && col < cv.inW() && w != 0) {
                                            axpy(w, z[(ci * cv.inH() + r) * cv.inW() + col], form);
                                        }
                                    }
                                }
                            }
                            out[idx] = form;
                        }
                    }
                }
                double[][] pre = out;
                if (cv.pool() > 0) {
                    int p = cv.pool();
                    pre = new double[cv.units()][];
                    for (int u = 0; u < pre.length; u++) {
                        int o = u / (cv.actH() * cv.actW());
                        int a = (u / cv.actW()) % cv.actH();
                        int b = u % cv.actW();
                        int best = 0;
                        if (winners != null) {
                            best = winners[layer][u];
                        } else {
                            for (int q = 1; q < p * p; q++) {
                                if (out[(o * cv.outH() + a * p + q / p) * cv.outW() + b * p + q % p][0]
                                        > out[(o * cv.outH() + a * p + best / p) * cv.outW() + b * p + best % p][0]) {
                                    best = q;
                                }
                            }
                        }
                        pre[u] = out[(o * cv.outH() + a * p + best / p) * cv.outW() + b * p + best % p];
                    }
                }
                z = hold(pre, sides == null ? null : sides[layer], slope);
                layer++;
            } else if (op instanceof FoldedConvNet.GapOp g) {
                int area = g.h() * g.w();
                double[][] pooled = new double[g.c()][width];
                for (int ch = 0; ch < g.c(); ch++) {
                    for (int p = 0; p < area; p++) {
                        axpy(1.0, z[ch * area + p], pooled[ch]);
                    }
                    for (int i = 0; i < width; i++) {
                        pooled[ch][i] /= area;
                    }
                }
                z = pooled;
            } else if (op instanceof FoldedConvNet.DenseOp dn) {
                double[][] pre = new double[dn.bias().length][width];
                for (int o = 0; o < pre.length; o++) {
                    pre[o][d] = dn.bias()[o];
                    for (int j = 0; j < z.length; j++) {
                        if (dn.weight()[o][j] != 0) {
                            axpy(dn.weight()[o][j], z[j], pre[o]);
                        }
                    }
                }
                if (dn.hidden()) {
                    z = hold(pre, sides == null ? null : sides[layer], slope);
                    layer++;
                } else {
                    z = pre;
                }
            }
        }
        return z;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    private static double[][] hold(double[][] pre, int[] sides, double slope) {
        double[][] out = new double[pre.length][];
        for (int u = 0; u < pre.length; u++) {
            if (sides != null ? sides[u] > 0 : pre[u][0] > 0) {
                out[u] = pre[u];
            } else {
                out[u] = new double[pre[u].length];
                axpy(slope, pre[u], out[u]);
            }
        }
        return out;
    }


    private static void check(String name, double[][] points, int d, boolean mayBeEmpty) {
        if (points == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        if (points.length == 0 && !mayBeEmpty) {
            throw new IllegalArgumentException(name + ": got 0 points, expected at least one vertex");
        }
        for (int i = 0; i < points.length; i++) {
            if (points[i] == null || points[i].length != d) {
                throw new IllegalArgumentException(
                        name + "[" + i + "]: has dimension " + (points[i] == null ? "null" : points[i].length)
                                + ", expected C*H*W = " + d);
            }
            for (double v : points[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(name + "[" + i + "]: has a non-finite coordinate " + v);
                }
            }
        }
    }

    /**
     * The CNN without max-pool as a dense network for {@link org.police4j.certify.Certifier}:
     * every conv op becomes a (C'H'W' x CHW) matrix with its per-position bias, flatten vanishes,
     * and a global average pool is merged into the next dense layer as weights {@code W[o][c] *
     * (1 / area)}, which is exact only when the area is a power of two (else refused).
     *
     * @param net the folded CNN, without max-pool
     * @return the same function as plain dense layers
     * @throws IllegalArgumentException with max-pool or a non-power-of-two average area
     */
    public static FoldedWeights unroll(FoldedConvNet net) {
        if (net.hasMaxPool()) {
            throw new IllegalArgumentException(
                    "unroll: max-pool is not a dense layer; use ConvCertifier.certify");
        }
        List<DenseLayer> hidden = new ArrayList<>();
        int pendingArea = 0;
        DenseLayer head = null;
        for (FoldedConvNet.Op op : net.ops()) {
            if (op instanceof FoldedConvNet.ConvOp cv) {
                int in = cv.inC() * cv.inH() * cv.inW();
                int k = cv.kernel();
                float[][] m = new float[cv.bias().length][in];
                for (int o = 0; o < cv.outC(); o++) {
                    for (int i = 0; i < cv.outH(); i++) {
                        for (int j = 0; j < cv.outW(); j++) {
                            float[] row = m[(o * cv.outH() + i) * cv.outW() + j];
                            for (int ci = 0; ci < cv.inC(); ci++) {
                                for (int u = 0; u < k; u++) {
                                    for (int v = 0; v < k; v++) {
                                        int r = i * cv.stride() + u - cv.padding();
                                        int col = j * cv.stride() + v - cv.padding();
                                        if (r >= 0 && r < cv.inH() && col >= 0 && col < cv.inW()) {
                                            row[(ci * cv.inH() + r) * cv.inW() + col] =
                                                    cv.weight()[((o * cv.inC() + ci) * k + u) * k + v];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                hidden.add(new DenseLayer(m, cv.bias().clone()));
            } else if (op instanceof FoldedConvNet.GapOp g) {
                int area = g.h() * g.w();
                if (Integer.bitCount(area) != 1) {
                    throw new IllegalArgumentException(
                            "unroll: global average pool over " + area + " positions; 1/" + area
                                    + " is not a float, so the dense form would not be exact");
                }
                pendingArea = area;
            } else if (op instanceof FoldedConvNet.DenseOp dn) {
                float[][] w = dn.weight();
                if (pendingArea > 0) {
                    float inv = 1f / pendingArea;
                    float[][] spread = new float[w.length][w[0].length * pendingArea];
                    for (int o = 0; o < w.length; o++) {
                        for (int ch = 0; ch < w[o].length; ch++) {
                            for (int p = 0; p < pendingArea; p++) {
                                spread[o][ch * pendingArea + p] = w[o][ch] * inv;
                            }
                        }
                    }
                    w = spread;
                    pendingArea = 0;
                }
                DenseLayer layer = new DenseLayer(w, dn.bias().clone());
                if (dn.hidden()) {
                    hidden.add(layer);
                } else {
                    head = layer;
                }
            }
        }
        return new FoldedWeights(hidden, head, net.activation());
    }
}
