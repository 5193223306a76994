package org.police4j.network;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.stream.IntStream;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;

/**
 * The exact evaluation of every layer kind, written once, in {@link BigDecimal}: the judge of the
 * certificates.
 *
 * <p>Every float32 parameter, every double input coordinate and every activation slope is a
 * binary fraction, and {@code new BigDecimal(double)} represents it exactly. The pass only
 * multiplies, adds and negates (no division, no rounding): global average pooling is computed as
 * a sum, and every later value is carried multiplied by the pooled area (the {@code scale}),
 * later biases being multiplied by it too. CPA activations are positively homogeneous and
 * max-pool commutes with a positive factor, so every sign and every comparison is that of the
 * true network. Exact zeros are skipped, which keeps ReLU's inactive units free.
 *
 * <p>With a fixed pattern (a side per unit, a winner per window) the pass holds every unit on its
 * side and every window on its winner: the network's affine map for that pattern, computed as D + 1
 * exact passes (the D columns of A and the offset b).
 */
public final class ExactEval {

    private final FoldedNetwork net;
    private final Object[] weights;
    private final Object[] biases;
    private final int activations;
    private final int pools;

    /**
     * Converts the network's parameters to exact numbers once.
     *
     * @param net the network
     */
    public ExactEval(FoldedNetwork net) {
        this.net = net;
        int n = net.layers().size();
        weights = new Object[n];
        biases = new Object[n];
        int a = 0;
        int p = 0;
        for (int i = 0; i < n; i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Dense d) {
                BigDecimal[][] w = new BigDecimal[d.outputs()][];
                for (int k = 0; k < w.length; k++) {
                    w[k] = exact(d.weight()[k]);
                }
                weights[i] = w;
                biases[i] = exact(d.bias());
            } else if (layer instanceof Conv c) {
                weights[i] = exact(c.weight());
                biases[i] = exact(c.bias());
            } else if (layer instanceof ChannelAffine c) {
                weights[i] = exact(c.scale());
                biases[i] = exact(c.offset());
            } else if (layer instanceof Activation act) {
                weights[i] = new BigDecimal(act.cpa().negativeSlope());
                a++;
            } else if (layer instanceof MaxPool) {
                p++;
            }
        }
        activations = a;
        pools = p;
    }

    /**
     * {@return the exact pattern of x: signs and pre-activations of every hidden unit, maxima of every window}
     *
     * @param x one flattened input
     */
    public Pattern pattern(double[] x) {
        BigDecimal[] z = new BigDecimal[x.length];
        for (int j = 0; j < x.length; j++) {
            z[j] = new BigDecimal(x[j]);
        }
        Pattern p = new Pattern(new byte[activations][], new double[activations][], new long[pools][], new double[pools][], true);
        run(z, null, null, true, p);
        return p;
    }

    /**
     * The exact affine map of the network with every unit held on its side and every window on
     * its winner, rounded to double at the end (correctly rounded without average pooling; else
     * the exact quotient by the pooled area, rounded twice).
     *
     * @param sides per activation layer and unit, +1 or -1
     * @param winners per max-pool layer and window, the winning position
     * @param parallel whether to compute the D + 1 passes in parallel
     * @return {A (K x D), b (K)} as a two-element array: element 0 holds A's rows, element 1 holds
     *     b as a single row
     */
    public double[][][] affineMap(int[][] sides, int[][] winners, boolean parallel) {
        int d = net.inputDimension();
        IntStream columns = IntStream.rangeClosed(0, d);
        if (parallel) {
            columns = columns.parallel();
        }
        double[][] passes =
                columns.mapToObj(j -> {
                            BigDecimal[] z = new BigDecimal[d];
                            for (int i = 0; i < d; i++) {
                                z[i] = i == j ? BigDecimal.ONE : BigDecimal.ZERO;
                            }
                            return run(z, sides, winners, j == d, null);
                        })
                        .toArray(double[][]::new);
        int outputs = passes[d].length;
        double[][] a = new double[outputs][d];
        double[] b = new double[outputs];
        for (int k = 0; k < outputs; k++) {
            for (int j = 0; j < d; j++) {
                a[k][j] = passes[j][k];
            }
            b[k] = passes[d][k];
        }
        return new double[][][] {a, {b}};
    }

    /**
     * One exact pass. Records the pattern into {@code record} when given; holds the given sides
     * and winners when given (else follows the signs, ties to +1, and the first maximum).
     *
     * @return the outputs divided by the scale, as doubles
     */
    private double[] run(BigDecimal[] x, int[][] sides, int[][] winners, boolean withBias, Pattern record) {
        BigDecimal[] z = x;
        BigDecimal scale = BigDecimal.ONE;
        int act = 0;
        int pool = 0;
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Dense d) {
                BigDecimal[][] w = (BigDecimal[][]) weights[i];
                BigDecimal[] b = (BigDecimal[]) biases[i];
                BigDecimal[] h = new BigDecimal[d.outputs()];
                for (int k = 0; k < h.length; k++) {
                    h[k] = dot(w[k], z, withBias ? scaled(b[k], scale) : BigDecimal.ZERO);
                }
                z = h;
            } else if (layer instanceof Conv c) {
                z = conv(c, (BigDecimal[]) weights[i], withBias ? (BigDecimal[]) biases[i] : null, scale, z);
            } else if (layer instanceof MaxPool p) {
                BigDecimal[] out = new BigDecimal[p.outputSize(z.length)];
                long[] mask = new long[out.length];
                for (int u = 0; u < out.length; u++) {
                    if (winners != null) {
                        out[u] = z[p.position(u, winners[pool][u])];
                        continue;
                    }
                    BigDecimal best = null;
                    for (int q = 0; q < p.window(); q++) {
                        BigDecimal v = z[p.position(u, q)];
                        int cmp = best == null ? 1 : v.compareTo(best);
                        if (cmp > 0) {
                            best = v;
                            mask[u] = 1L << q;
                        } else if (cmp == 0) {
                            mask[u] |= 1L << q;
                        }
                    }
                    out[u] = best;
                }
                if (record != null) {
                    record.maxima[pool] = mask;
                    record.poolInput[pool] = doubles(z, scale);
                }
                z = out;
                pool++;
            } else if (layer instanceof ChannelAffine c) {
                BigDecimal[] s = (BigDecimal[]) weights[i];
                BigDecimal[] t = (BigDecimal[]) biases[i];
                BigDecimal[] out = new BigDecimal[z.length];
                for (int u = 0; u < out.length; u++) {
                    int ch = u / c.positions();
                    BigDecimal v = z[u].signum() == 0 ? BigDecimal.ZERO : z[u].multiply(s[ch]);
                    out[u] = withBias ? v.add(scaled(t[ch], scale)) : v;
                }
                z = out;
            } else if (layer instanceof GlobalAvgPool g) {
                BigDecimal[] out = new BigDecimal[g.c()];
                for (int ch = 0; ch < g.c(); ch++) {
                    BigDecimal s = BigDecimal.ZERO;
                    for (int p = 0; p < g.area(); p++) {
                        s = s.add(z[ch * g.area() + p]);
                    }
                    out[ch] = s;
                }
                z = out;
                scale = scale.multiply(BigDecimal.valueOf(g.area()));
            } else if (layer instanceof Activation a) {
                double slope = a.cpa().negativeSlope();
                BigDecimal exactSlope = (BigDecimal) weights[i];
                BigDecimal[] out = new BigDecimal[z.length];
                if (record != null) {
                    record.sign[act] = new byte[z.length];
                    record.pre[act] = doubles(z, scale);
                }
                for (int u = 0; u < out.length; u++) {
                    int s = z[u].signum();
                    if (record != null) {
                        record.sign[act][u] = (byte) s;
                    }
                    int side = sides != null ? sides[act][u] : s >= 0 ? 1 : -1;
                    out[u] = side > 0 ? z[u] : belowKink(z[u], slope, exactSlope);
                }
                z = out;
                act++;
            }
            // Flatten: the layout is already flat
        }
        return doubles(z, scale);
    }

    /**
     * The activation's branch below the kink, applied exactly: multiplication by the exact
     * double slope (0 for ReLU, -1 for abs, the leak for leaky-ReLU).
     */
    private static BigDecimal belowKink(BigDecimal h, double slope, BigDecimal exactSlope) {
        if (h.signum() == 0 || slope == 0.0) {
            return BigDecimal.ZERO;
        }
        if (slope == -1.0) {
            return h.negate();
        }
        if (slope == 1.0) {
            return h;
        }
        return h.multiply(exactSlope);
    }

    private static BigDecimal[] conv(Conv c, BigDecimal[] w, BigDecimal[] b, BigDecimal scale, BigDecimal[] z) {
        BigDecimal[] out = new BigDecimal[c.bias().length];
        BigDecimal[] sum = new BigDecimal[1];
        for (int o = 0; o < out.length; o++) {
            sum[0] = b == null ? BigDecimal.ZERO : scaled(b[o], scale);
            c.taps(o, (in, wi) -> {
                if (z[in].signum() != 0 && w[wi].signum() != 0) {
                    sum[0] = sum[0].add(w[wi].multiply(z[in]));
                }
            });
            out[o] = sum[0];
        }
        return out;
    }

    private static BigDecimal dot(BigDecimal[] row, BigDecimal[] z, BigDecimal start) {
        BigDecimal s = start;
        for (int j = 0; j < z.length; j++) {
            if (z[j].signum() != 0 && row[j].signum() != 0) {
                s = s.add(row[j].multiply(z[j]));
            }
        }
        return s;
    }

    private static BigDecimal scaled(BigDecimal b, BigDecimal scale) {
        return scale.equals(BigDecimal.ONE) ? b : b.multiply(scale);
    }

    private static double[] doubles(BigDecimal[] z, BigDecimal scale) {
        double[] d = new double[z.length];
        boolean one = scale.equals(BigDecimal.ONE);
        for (int i = 0; i < d.length; i++) {
            d[i] = one ? z[i].doubleValue() : z[i].divide(scale, MathContext.DECIMAL128).doubleValue();
        }
        return d;
    }

    private static BigDecimal[] exact(float[] v) {
        BigDecimal[] e = new BigDecimal[v.length];
        for (int i = 0; i < v.length; i++) {
            e[i] = new BigDecimal((double) v[i]);
        }
        return e;
    }
}
