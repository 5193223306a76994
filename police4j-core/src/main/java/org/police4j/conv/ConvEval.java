package org.police4j.conv;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * One forward pass of a {@link FoldedConvNet} over a number type: double (evaluation, affine
 * map) or exact {@link BigDecimal} (the certificate). Only additions and multiplications, no
 * division: global average pooling is computed as a sum, and every later value is carried
 * multiplied by the pooled area ({@code scale}), later biases being multiplied by it too. CPA
 * activations are positively homogeneous and max-pool commutes with a positive factor, so every
 * sign and every comparison is that of the true network; outputs are divided by the scale at the
 * very end (in double).
 *
 * <p>With a fixed pattern (sides per unit, winner per window), the pass holds every unit on its
 * side and every window on its winner: the network's affine map for that pattern; without
 * biases, its linear part.
 */
final class ConvEval<T> {

    /** The arithmetic. */
    interface Num<T> {
        T zero();

        T of(double v);

        T add(T a, T b);

        T mul(T a, T b);

        int signum(T a);

        int compare(T a, T b);

        double toDouble(T a);

        /** a times the activation's negative slope. */
        T belowKink(T a);

        T[] array(int n);
    }

    /** What one pass produced. */
    static final class Record<T> {
        /** per activation layer, the pre-activations (after the pool), times {@code scale} */
        final List<T[]> pre = new ArrayList<>();
        /** per activation layer, the conv output before the pool (null when no pool) */
        final List<T[]> prePool = new ArrayList<>();
        /** per activation layer, per window, the bit set of maximal positions (null when no pool) */
        final List<long[]> maxima = new ArrayList<>();
        /** per activation layer, the scale its pre-activations carry */
        final List<T> preScale = new ArrayList<>();
        T[] out;
        T scale;
    }

    private final FoldedConvNet net;
    private final Num<T> num;
    private final List<T[]> weights = new ArrayList<>();
    private final List<T[]> biases = new ArrayList<>();

    ConvEval(FoldedConvNet net, Num<T> num) {
        this.net = net;
        this.num = num;
        for (FoldedConvNet.Op op : net.ops()) {
            if (op instanceof FoldedConvNet.ConvOp cv) {
                weights.add(convert(cv.weight()));
                biases.add(convert(cv.bias()));
            } else if (op instanceof FoldedConvNet.DenseOp d) {
                int in = d.weight().length == 0 ? 0 : d.weight()[0].length;
                float[] flat = new float[d.bias().length * in];
                for (int k = 0; k < d.bias().length; k++) {
                    System.arraycopy(d.weight()[k], 0, flat, k * in, in);
                }
                weights.add(convert(flat));
                biases.add(convert(d.bias()));
            } else {
                weights.add(null);
                biases.add(null);
            }
        }
    }

    private T[] convert(float[] f) {
        T[] t = num.array(f.length);
        for (int i = 0; i < f.length; i++) {
            t[i] = num.of(f[i]);
        }
        return t;
    }

    /**
     * @param x the input, C*H*W
     * @param sides fixed side per activation layer and unit, or null to follow the signs
     * @param winners fixed winner per activation layer and window (null entries for layers without
     *     pool), or null to take the maximum
     * @param withBias false for the linear part only
     */
    Record<T> run(T[] x, int[][] sides, int[][] winners, boolean withBias) {
        Record<T> rec = new Record<>();
        T[] z = x;
        T scale = num.of(1);
        int layer = 0;
        List<FoldedConvNet.Op> ops = net.ops();
        for (int i = 0; i < ops.size(); i++) {
            FoldedConvNet.Op op = ops.get(i);
            if (op instanceof FoldedConvNet.ConvOp cv) {
                T[] conv = conv(cv, weights.get(i), withBias ? biases.get(i) : null, scale, z);
                T[] pre = conv;
                long[] maxima = null;
                if (cv.pool() > 0) {
                    int k = cv.pool();
                    int ph = cv.actH();
                    int pw = cv.actW();
                    pre = num.array(cv.outC() * ph * pw);
                    maxima = new long[pre.length];
                    for (int o = 0; o < cv.outC(); o++) {
                        for (int a = 0; a < ph; a++) {
                            for (int b = 0; b < pw; b++) {
                                int u = (o * ph + a) * pw + b;
                                if (winners != null) {
                                    int q = winners[layer][u];
                                    pre[u] = conv[(o * cv.outH() + a * k + q / k) * cv.outW() + b * k + q % k];
                                    continue;
                                }
                                T best = null;
                                long mask = 0;
                                for (int q = 0; q < k * k; q++) {
                                    T val = conv[(o * cv.outH() + a * k + q / k) * cv.outW() + b * k + q % k];
                                    int cmp = best == null ? 1 : num.compare(val, best);
                                    if (cmp > 0) {
                                        best = val;
                                        mask = 1L << q;
                                    } else if (cmp == 0) {
                                        mask |= 1L << q;
                                    }
                                }
                                pre[u] = best;
                                maxima[u] = mask;
                            }
                        }
                    }
                }
                rec.prePool.add(cv.pool() > 0 ? conv : null);
                rec.maxima.add(maxima);
                rec.pre.add(pre);
                rec.preScale.add(scale);
                z = activate(pre, sides == null ? null : sides[layer]);
                layer++;
            } else if (op instanceof FoldedConvNet.GapOp g) {
                int area = g.h() * g.w();
                T[] pooled = num.array(g.c());
                for (int ch = 0; ch < g.c(); ch++) {
                    T s = num.zero();
                    for (int p = 0; p < area; p++) {
                        s = num.add(s, z[ch * area + p]);
                    }
                    pooled[ch] = s;
                }
                z = pooled;
                scale = num.mul(scale, num.of(area));
            } else if (op instanceof FoldedConvNet.DenseOp d) {
                T[] w = weights.get(i);
                T[] b = biases.get(i);
                int outs = d.bias().length;
                int in = z.length;
                T[] pre = num.array(outs);
                for (int k = 0; k < outs; k++) {
                    T s = withBias ? num.mul(b[k], scale) : num.zero();
                    for (int j = 0; j < in; j++) {
                        if (num.signum(z[j]) != 0) {
                            s = num.add(s, num.mul(w[k * in + j], z[j]));
                        }
                    }
                    pre[k] = s;
                }
                if (!d.hidden()) {
                    rec.out = pre;
                    break;
                }
                rec.prePool.add(null);
                rec.maxima.add(null);
                rec.pre.add(pre);
                rec.preScale.add(scale);
                z = activate(pre, sides == null ? null : sides[layer]);
                layer++;
            }
            // FlattenOp: the layout is already channel-major and flat
        }
        rec.scale = scale;
        return rec;
    }

    private T[] conv(FoldedConvNet.ConvOp cv, T[] w, T[] b, T scale, T[] z) {
        int k = cv.kernel();
        T[] out = num.array(cv.outC() * cv.outH() * cv.outW());
        for (int o = 0; o < cv.outC(); o++) {
            for (int i = 0; i < cv.outH(); i++) {
                for (int j = 0; j < cv.outW(); j++) {
                    int idx = (o * cv.outH() + i) * cv.outW() + j;
                    T s = b == null ? num.zero() : num.mul(b[idx], scale);
                    for (int ci = 0; ci < cv.inC(); ci++) {
                        for (int u = 0; u < k; u++) {
                            int r = i * cv.stride() + u - cv.padding();
                            if (r < 0 || r >= cv.inH()) {
                                continue;
                            }
                            for (int v = 0; v < k; v++) {
                                int col = j * cv.stride() + v - cv.padding();
                                if (col < 0 || col >= cv.inW()) {
                                    continue;
                                }
                                T xv = z[(ci * cv.inH() + r) * cv.inW() + col];
                                if (num.signum(xv) != 0) {
                                    s = num.add(s, num.mul(w[((o * cv.inC() + ci) * k + u) * k + v], xv));
                                }
                            }
                        }
                    }
                    out[idx] = s;
                }
            }
        }
        return out;
    }

    private T[] activate(T[] pre, int[] sides) {
        T[] out = num.array(pre.length);
        for (int u = 0; u < pre.length; u++) {
            int side = sides != null ? sides[u] : num.signum(pre[u]) > 0 ? 1 : -1;
            out[u] = side > 0 ? pre[u] : num.belowKink(pre[u]);
        }
        return out;
    }

    // ------------------------------------------------------------------ number types

    static Num<Double> doubles(double slope) {
        return new Num<>() {
            public Double zero() {
                return 0.0;
            }

            public Double of(double v) {
                return v;
            }

            public Double add(Double a, Double b) {
                return a + b;
            }

            public Double mul(Double a, Double b) {
                return a * b;
            }

            public int signum(Double a) {
                return a > 0 ? 1 : a < 0 ? -1 : 0;
            }

            public int compare(Double a, Double b) {
                return Double.compare(a, b);
            }

            public double toDouble(Double a) {
                return a;
            }

            public Double belowKink(Double a) {
                return a * slope;
            }

            public Double[] array(int n) {
                return new Double[n];
            }
        };
    }

    static Num<BigDecimal> exact(double slope) {
        BigDecimal s = new BigDecimal(slope);
        return new Num<>() {
            public BigDecimal zero() {
                return BigDecimal.ZERO;
            }

            public BigDecimal of(double v) {
                return new BigDecimal(v);
            }

            public BigDecimal add(BigDecimal a, BigDecimal b) {
                return a.add(b);
            }

            public BigDecimal mul(BigDecimal a, BigDecimal b) {
                return a.signum() == 0 || b.signum() == 0 ? BigDecimal.ZERO : a.multiply(b);
            }

            public int signum(BigDecimal a) {
                return a.signum();
            }

            public int compare(BigDecimal a, BigDecimal b) {
                return a.compareTo(b);
            }

            public double toDouble(BigDecimal a) {
                return a.doubleValue();
            }

            public BigDecimal belowKink(BigDecimal a) {
                if (slope == 0.0 || a.signum() == 0) {
                    return BigDecimal.ZERO;
                }
                if (slope == -1.0) {
                    return a.negate();
                }
                return a.multiply(s);
            }

            public BigDecimal[] array(int n) {
                return new BigDecimal[n];
            }
        };
    }

    static Double[] boxed(double[] x) {
        Double[] d = new Double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    static double[] outputs(Record<Double> r) {
        double[] y = new double[r.out.length];
        for (int k = 0; k < y.length; k++) {
            y[k] = r.out[k] / r.scale;
        }
        return y;
    }

    static double[] evaluate(FoldedConvNet net, double[] x) {
        return ConvCertifier.evaluate(net, x);
    }

    static List<double[]> preActivations(FoldedConvNet net, double[] x) {
        ConvEval<Double> e = new ConvEval<>(net, doubles(net.activation().negativeSlope()));
        Record<Double> r = e.run(boxed(x), null, null, true);
        List<double[]> out = new ArrayList<>();
        for (int l = 0; l < r.pre.size(); l++) {
            Double[] pre = r.pre.get(l);
            double scale = r.preScale.get(l);
            double[] d = new double[pre.length];
            for (int u = 0; u < d.length; u++) {
                d[u] = pre[u] / scale;
            }
            out.add(d);
        }
        return out;
    }
}
