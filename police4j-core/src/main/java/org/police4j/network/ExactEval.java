package org.police4j.network;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
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
 * <p>With a fixed pattern (a side per unit, a winner per window) every layer is affine: the
 * network's affine map for that pattern is computed backwards through the transposed layers,
 * one exact pass per output ({@link #affineMap}).
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
        run(z, p);
        return p;
    }

    /**
     * The exact affine map of the network with every unit held on its side and every window on
     * its winner, rounded to double at the end (correctly rounded without average pooling; else
     * the exact quotient by the pooled area, rounded twice).
     *
     * <p>Computed backwards, one pass per output (a row of A and its entry of b): the row vector
     * {@code e_k} is carried through the transposed layers, each held layer being linear, and
     * every bias met adds its dot product with the current row to the offset. K passes of the
     * cost of one forward pass, instead of D + 1 forward passes.
     *
     * @param sides per activation layer and unit, +1 or -1 (for an activation with several kinks:
     *     the piece, 0 to m)
     * @param winners per max-pool layer and window, the winning position
     * @param parallel whether to compute the K passes in parallel
     * @return {A (K x D), b (K)} as a two-element array: element 0 holds A's rows, element 1 holds
     *     b as a single row
     */
    public double[][][] affineMap(int[][] sides, int[][] winners, boolean parallel) {
        int outputs = net.outputDimension();
        IntStream rows = IntStream.range(0, outputs);
        if (parallel) {
            rows = rows.parallel();
        }
        double[][] map = rows.mapToObj(k -> backward(k, sides, winners)).toArray(double[][]::new);
        int d = net.inputDimension();
        double[][] a = new double[outputs][];
        double[] b = new double[outputs];
        for (int k = 0; k < outputs; k++) {
            a[k] = java.util.Arrays.copyOf(map[k], d);
            b[k] = map[k][d];
        }
        return new double[][][] {a, {b}};
    }

    /**
     * Row k of the held network's map: {@code g} is the row w.r.t. the current layer's output,
     * carried back to its input; the offset collects {@code g . bias}. Both are carried times
     * {@code scale}, the product of the average pools' areas passed so far (so that no division
     * happens before the end).
     *
     * @return the D coefficients, then the offset, as doubles
     */
    private double[] backward(int k, int[][] sides, int[][] winners) {
        List<Layer> layers = net.layers();
        int[] sizes = new int[layers.size()];
        int size = net.inputDimension();
        for (int i = 0; i < layers.size(); i++) {
            sizes[i] = size;
            size = layers.get(i).outputSize(size);
        }
        BigDecimal[] g = zeros(size);
        g[k] = BigDecimal.ONE;
        BigDecimal offset = BigDecimal.ZERO;
        BigDecimal scale = BigDecimal.ONE;
        int act = activations;
        int pool = pools;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            BigDecimal[] in = zeros(sizes[i]);
            if (layer instanceof Dense) {
                BigDecimal[][] w = (BigDecimal[][]) weights[i];
                BigDecimal[] b = (BigDecimal[]) biases[i];
                for (int o = 0; o < g.length; o++) {
                    if (g[o].signum() != 0) {
                        offset = offset.add(g[o].multiply(b[o]));
                        BigDecimal[] row = w[o];
                        for (int j = 0; j < in.length; j++) {
                            if (row[j].signum() != 0) {
                                in[j] = in[j].add(g[o].multiply(row[j]));
                            }
                        }
                    }
                }
            } else if (layer instanceof Conv c) {
                BigDecimal[] w = (BigDecimal[]) weights[i];
                BigDecimal[] b = (BigDecimal[]) biases[i];
                for (int o = 0; o < g.length; o++) {
                    BigDecimal go = g[o];
                    if (go.signum() != 0) {
                        offset = offset.add(go.multiply(b[o]));
                        c.taps(o, (x, wi) -> {
                            if (w[wi].signum() != 0) {
                                in[x] = in[x].add(go.multiply(w[wi]));
                            }
                        });
                    }
                }
            } else if (layer instanceof MaxPool p) {
                pool--;
                for (int u = 0; u < g.length; u++) {
                    int x = p.position(u, winners[pool][u]);
                    in[x] = in[x].add(g[u]);
                }
            } else if (layer instanceof ChannelAffine c) {
                BigDecimal[] s = (BigDecimal[]) weights[i];
                BigDecimal[] t = (BigDecimal[]) biases[i];
                for (int u = 0; u < g.length; u++) {
                    int ch = u / c.positions();
                    if (g[u].signum() != 0) {
                        offset = offset.add(g[u].multiply(t[ch]));
                        in[u] = g[u].multiply(s[ch]);
                    }
                }
            } else if (layer instanceof GlobalAvgPool avg) {
                BigDecimal area = BigDecimal.valueOf(avg.area());
                scale = scale.multiply(area);
                offset = offset.multiply(area);
                for (int ch = 0; ch < g.length; ch++) {
                    for (int p = 0; p < avg.area(); p++) {
                        in[ch * avg.area() + p] = g[ch];
                    }
                }
            } else if (layer instanceof Activation a && !a.cpa().singleKinkAtZero()) {
                act--;
                for (int u = 0; u < g.length; u++) { // held on its piece: a_j h + b_j, a bias-like offset
                    int piece = sides[act][u];
                    if (g[u].signum() != 0) {
                        offset = offset.add(g[u].multiply(a.cpa().exactIntercept(piece)));
                        in[u] = g[u].multiply(a.cpa().exactSlope(piece));
                    }
                }
            } else if (layer instanceof Activation a) {
                act--;
                double slope = a.cpa().negativeSlope();
                BigDecimal exactSlope = (BigDecimal) weights[i];
                for (int u = 0; u < g.length; u++) {
                    in[u] = sides[act][u] > 0 ? g[u] : belowKink(g[u], slope, exactSlope);
                }
            } else {
                System.arraycopy(g, 0, in, 0, g.length); // Flatten
            }
            g = in;
        }
        BigDecimal[] row = java.util.Arrays.copyOf(g, g.length + 1);
        row[g.length] = offset;
        return doubles(row, scale);
    }

    private static BigDecimal[] zeros(int n) {
        BigDecimal[] z = new BigDecimal[n];
        java.util.Arrays.fill(z, BigDecimal.ZERO);
        return z;
    }

    /** One exact forward pass of x, recording its pattern (signs, ties to +1; all maxima of each window). */
    private void run(BigDecimal[] x, Pattern record) {
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
                    h[k] = dot(w[k], z, scaled(b[k], scale));
                }
                z = h;
            } else if (layer instanceof Conv c) {
                z = conv(c, (BigDecimal[]) weights[i], (BigDecimal[]) biases[i], scale, z);
            } else if (layer instanceof MaxPool p) {
                BigDecimal[] out = new BigDecimal[p.outputSize(z.length)];
                long[] mask = new long[out.length];
                for (int u = 0; u < out.length; u++) {
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
                record.maxima[pool] = mask;
                record.poolInput[pool] = doubles(z, scale);
                z = out;
                pool++;
            } else if (layer instanceof ChannelAffine c) {
                BigDecimal[] s = (BigDecimal[]) weights[i];
                BigDecimal[] t = (BigDecimal[]) biases[i];
                BigDecimal[] out = new BigDecimal[z.length];
                for (int u = 0; u < out.length; u++) {
                    int ch = u / c.positions();
                    BigDecimal v = z[u].signum() == 0 ? BigDecimal.ZERO : z[u].multiply(s[ch]);
                    out[u] = v.add(scaled(t[ch], scale));
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
            } else if (layer instanceof Activation a && !a.cpa().singleKinkAtZero()) {
                BigDecimal[] out = new BigDecimal[z.length];
                record.sign[act] = new byte[z.length];
                record.pre[act] = doubles(z, scale);
                for (int u = 0; u < out.length; u++) {
                    record.sign[act][u] = (byte) a.cpa().position(z[u], scale);
                    out[u] = a.cpa().exact(z[u], scale);
                }
                z = out;
                act++;
            } else if (layer instanceof Activation a) {
                double slope = a.cpa().negativeSlope();
                BigDecimal exactSlope = (BigDecimal) weights[i];
                BigDecimal[] out = new BigDecimal[z.length];
                record.sign[act] = new byte[z.length];
                record.pre[act] = doubles(z, scale);
                for (int u = 0; u < out.length; u++) {
                    int s = z[u].signum();
                    record.sign[act][u] = (byte) s;
                    out[u] = s >= 0 ? z[u] : belowKink(z[u], slope, exactSlope);
                }
                z = out;
                act++;
            }
            // Flatten: the layout is already flat
        }
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
            sum[0] = scaled(b[o], scale);
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
