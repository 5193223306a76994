package org.police4j.network;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
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
 * The exact evaluation of every layer kind, written once, in {@link BigDecimal}: the judge of the
 * certificates.
 *
 * <p>Every float32 parameter, every double input coordinate and every activation slope is a
 * binary fraction, and {@code new BigDecimal(double)} represents it exactly. The pass only
 * multiplies, adds and negates (no division, no rounding): global average pooling is computed as
 * a sum, and every later value is carried multiplied by the pooled area (the {@code scale}; a
 * windowed average pool: each window's sum times {@code L / divisor}, L the divisors' least
 * common multiple, the scale times L), later biases being multiplied by it too. CPA activations are positively homogeneous and
 * max-pool commutes with a positive factor, so every sign and every comparison is that of the
 * true network. Exact zeros are skipped, which keeps ReLU's inactive units free.
 *
 * <p>A point's values are computed on demand ({@link Point}), each at most once: the whole
 * pattern ({@link #pattern}) asks for every one, the rigorous double path ({@link BoundedEval})
 * only for the units and windows its error bound cannot decide, after telling the point the sides
 * and winners it has proved (a ReLU unit proved negative is then an exact zero without being
 * computed, a window with a proved winner reads only that position). Parameters are converted to
 * exact numbers when first used (a dense layer row by row), so a network whose units the double
 * path decides costs no conversion at all.
 *
 * <p>With a fixed pattern (a side per unit, a winner per window) every layer is affine: the
 * network's affine map for that pattern is computed backwards through the transposed layers,
 * one exact pass per output ({@link #affineMap}).
 *
 * <p>Layers are indexed as the nodes of the network's {@link Graph}: a {@link Parallel} layer's
 * branches come in place of it, then a join node that adds (or concatenates) the branches' values
 * and its bias; backwards, the join hands its row (or a slice) to each branch, and the rows of
 * the branches meet, added, at the parallel layer's input.
 */
public final class ExactEval {

    private final FoldedNetwork net;
    private final Graph graph;
    /** Per layer: a dense layer's rows (converted on first use), else null. */
    private final AtomicReferenceArray<BigDecimal[]>[] denseRows;
    /** Per layer: the other parameters' exact values (conv weight, channel scale), converted on first use. */
    private final AtomicReferenceArray<BigDecimal[]> weights;
    /** Per layer: the biases (dense, conv, channel offset), converted on first use. */
    private final AtomicReferenceArray<BigDecimal[]> biases;
    /** Per layer: the exact slope below the kink of an activation. */
    private final BigDecimal[] slopes;
    /**
     * Per layer: the factor its outputs are carried times (the product of the global average pools'
     * areas and the windowed ones' common divisors so far).
     */
    private final BigDecimal[] scales;
    /** Per layer: a windowed average pool's common divisor ({@link #commonDivisor}), else 0. */
    private final long[] commons;
    /**
     * Per join node, per branch: what the branch's end value is multiplied by to reach the join's
     * scale (the least common multiple of the branches' scales), so branches with different average
     * pools add and concatenate at one scale; null for other nodes or when every factor is 1.
     */
    private final BigDecimal[][] joinFactors;
    private final int activations;
    private final int pools;

    /**
     * Prepares the exact evaluation; parameters are converted to exact numbers when first used.
     *
     * @param net the network
     */
    @SuppressWarnings("unchecked")
    public ExactEval(FoldedNetwork net) {
        this.net = net;
        this.graph = Graph.of(net);
        int n = graph.size();
        denseRows = new AtomicReferenceArray[n];
        weights = new AtomicReferenceArray<>(n);
        biases = new AtomicReferenceArray<>(n);
        slopes = new BigDecimal[n];
        scales = new BigDecimal[n];
        commons = new long[n];
        joinFactors = new BigDecimal[n][];
        int a = 0;
        int p = 0;
        for (int i = 0; i < n; i++) {
            Layer layer = graph.layers[i];
            BigDecimal scale = graph.input[i] < 0 ? BigDecimal.ONE : scales[graph.input[i]];
            if (layer instanceof Dense d) {
                denseRows[i] = new AtomicReferenceArray<>(d.outputs());
            } else if (layer instanceof Activation act) {
                slopes[i] = new BigDecimal(act.cpa().negativeSlope());
                a++;
            } else if (layer instanceof MaxPool) {
                p++;
            } else if (layer instanceof GlobalAvgPool g) {
                scale = scale.multiply(BigDecimal.valueOf(g.area()));
            } else if (layer instanceof AvgPool avg) {
                commons[i] = commonDivisor(avg);
                scale = scale.multiply(BigDecimal.valueOf(commons[i]));
            } else if (layer instanceof Parallel) {
                scale = commonScale(graph.ends[i]);
                joinFactors[i] = factors(graph.ends[i], scale);
            }
            scales[i] = scale;
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
        Point point = point(x);
        Pattern p = new Pattern(new byte[activations][], new double[activations][], new long[pools][], new double[pools][], true);
        int act = 0;
        int pool = 0;
        for (int i = 0; i < graph.size(); i++) {
            Layer layer = graph.layers[i];
            int in = graph.input[i];
            if (layer instanceof Activation a) {
                int n = graph.inputSizeOf(i);
                p.sign[act] = new byte[n];
                p.pre[act] = new double[n];
                for (int u = 0; u < n; u++) {
                    p.sign[act][u] = (byte) point.position(i, u);
                    p.pre[act][u] = point.doubleValue(in, u);
                }
                act++;
            } else if (layer instanceof MaxPool m) {
                int n = point.size(i);
                p.maxima[pool] = new long[n];
                for (int u = 0; u < n; u++) {
                    p.maxima[pool][u] = point.maxima(i, u, -1L);
                }
                p.poolInput[pool] = new double[graph.inputSizeOf(i)];
                for (int k = 0; k < p.poolInput[pool].length; k++) {
                    p.poolInput[pool][k] = point.doubleValue(in, k);
                }
                pool++;
            }
        }
        return p;
    }

    /**
     * {@return the exact values of the network at x, each computed when first asked for}
     *
     * @param x one flattened input
     */
    public Point point(double[] x) {
        return new Point(x, Long.MAX_VALUE);
    }

    /**
     * {@return the exact values of the network at x, each computed when first asked for, at most
     * {@code budget} exact multiply-adds in all}
     *
     * @param x one flattened input
     * @param budget the most exact multiply-adds; beyond it {@link ExactBudgetException}
     */
    public Point point(double[] x, long budget) {
        return new Point(x, budget);
    }

    /**
     * One point's exact values, computed on demand and kept: {@code value(i, k)} is output k of
     * layer i (layer -1 is the input), carried times the layer's scale. Sides and winners proved
     * elsewhere (by a rigorous bound) may be handed in first ({@link #proveSides}, {@link
     * #proveWinners}); they spare the computation of what they already decide. Not thread-safe:
     * one point per thread.
     */
    public final class Point {

        private final BigDecimal[][] values;
        private final byte[][] sides;
        private final int[][] winners;
        private final double[] x;
        private final long budget;
        private long spent;

        private Point(double[] x, long budget) {
            this.x = x;
            this.budget = budget;
            int n = graph.size();
            values = new BigDecimal[n][];
            sides = new byte[n][];
            winners = new int[n][];
        }

        /**
         * Hands in the proved sides of an activation's units: +1 when the exact pre-activation is
         * above 0, -1 below, 0 when it is exactly 0.
         *
         * @param layer the activation's index in the network's layers
         * @param proved one entry per unit, used as given (not copied)
         */
        public void proveSides(int layer, byte[] proved) {
            sides[layer] = proved;
        }

        /**
         * Hands in the proved winners of a max-pool's windows: a position holding the window's exact maximum.
         *
         * @param layer the max-pool's index in the network's layers
         * @param proved one position per window, used as given (not copied)
         */
        public void proveWinners(int layer, int[] proved) {
            winners[layer] = proved;
        }

        /**
         * {@return the exact output k of layer i (i = -1: the input), times the layer's scale}
         *
         * @param i the layer's index, or -1
         * @param k the value's index
         */
        public BigDecimal value(int i, int k) {
            if (i < 0) {
                return new BigDecimal(x[k]);
            }
            BigDecimal[] layer = values[i];
            if (layer == null) {
                layer = new BigDecimal[size(i)];
                values[i] = layer;
            }
            BigDecimal v = layer[k];
            if (v == null) {
                v = compute(i, k);
                layer[k] = v;
            }
            return v;
        }

        /**
         * {@return where unit k of activation layer i lies, exactly: its position code (piece 0,
         * kink 0, piece 1, ..., numbered {@code -m..m}, {@link org.police4j.engine.Cpa#position}; the sign for one kink)}
         *
         * @param i the activation's index in the network's layers
         * @param k the unit
         */
        public int position(int i, int k) {
            Activation a = (Activation) graph.layers[i];
            BigDecimal v = value(graph.input[i], k);
            return a.cpa().singleKinkAtZero() ? v.signum() : a.cpa().position(v, scales[i]);
        }

        /**
         * {@return the exact output k of layer i rounded to double (the scale divided out)}
         *
         * @param i the layer's index, or -1
         * @param k the value's index
         */
        public double doubleValue(int i, int k) {
            BigDecimal v = value(i, k);
            BigDecimal scale = i < 0 ? BigDecimal.ONE : scales[i];
            return scale.equals(BigDecimal.ONE) ? v.doubleValue() : v.divide(scale, MathContext.DECIMAL128).doubleValue();
        }

        /**
         * {@return the positions of a max-pool's window holding its exact maximum, as a bit set (never a padded one)}
         *
         * @param i the max-pool's index in the network's layers
         * @param u the window (pooled value)
         * @param candidates the positions that may hold the maximum (a bit set; every other one is
         *     known to be below one of them)
         */
        public long maxima(int i, int u, long candidates) {
            MaxPool p = (MaxPool) graph.layers[i];
            BigDecimal best = null;
            long mask = 0;
            for (int q = 0; q < p.window(); q++) {
                int at = p.position(u, q);
                if ((candidates & (1L << q)) == 0 || at < 0) {
                    continue; // not a candidate, or padding (-infinity, never a maximum)
                }
                BigDecimal v = value(graph.input[i], at);
                int cmp = best == null ? 1 : v.compareTo(best);
                if (cmp > 0) {
                    best = v;
                    mask = 1L << q;
                } else if (cmp == 0) {
                    mask |= 1L << q;
                }
            }
            return mask;
        }

        private int size(int i) {
            return i < 0 ? graph.inputSize : graph.sizes[i];
        }

        /** Counts n exact multiply-adds against the budget. */
        private void spend(int i, int k, long n) {
            spent += n;
            if (spent > budget) {
                throw new ExactBudgetException(String.format(java.util.Locale.ROOT,
                        "the certificate could not decide layer %d, value %d within rounding: its exact"
                                + " evaluation passed the budget of %d exact multiply-adds at one vertex (values"
                                + " within the rigorous bound of a kink or tie, in a network too deep for exact"
                                + " arithmetic); neither certified nor refuted",
                        i, k, budget));
            }
        }

        /** Output k of layer i, from the layer's inputs (asked for on demand). */
        private BigDecimal compute(int i, int k) {
            Layer layer = graph.layers[i];
            BigDecimal scale = scales[i];
            int in0 = graph.input[i];
            if (layer instanceof Dense d) {
                BigDecimal[] row = denseRow(i, d, k);
                spend(i, k, row.length);
                BigDecimal s = scaled(bias(i, d.bias())[k], scale);
                for (int j = 0; j < row.length; j++) {
                    if (row[j].signum() != 0) {
                        BigDecimal z = value(in0, j);
                        if (z.signum() != 0) {
                            s = s.add(row[j].multiply(z));
                        }
                    }
                }
                return s;
            } else if (layer instanceof Conv c) {
                BigDecimal[] w = weight(i, c.weight());
                spend(i, k, c.fanIn());
                BigDecimal[] sum = {scaled(bias(i, c.bias())[k], scale)};
                c.taps(k, (in, wi) -> {
                    if (w[wi].signum() != 0) {
                        BigDecimal z = value(in0, in);
                        if (z.signum() != 0) {
                            sum[0] = sum[0].add(w[wi].multiply(z));
                        }
                    }
                });
                return sum[0];
            } else if (layer instanceof MaxPool p) {
                int q = winners[i] != null ? winners[i][k] : Long.numberOfTrailingZeros(maxima(i, k, -1L));
                BigDecimal best = value(in0, p.position(k, q));
                return p.bias() == null ? best : best.add(scaled(bias(i, p.bias())[k], scale));
            } else if (layer instanceof ChannelAffine c) {
                int ch = k / c.positions();
                BigDecimal z = value(in0, k);
                BigDecimal v = z.signum() == 0 ? BigDecimal.ZERO : z.multiply(weight(i, c.scale())[ch]);
                return v.add(scaled(bias(i, c.offset())[ch], scale));
            } else if (layer instanceof GlobalAvgPool g) {
                BigDecimal s = BigDecimal.ZERO;
                for (int p = 0; p < g.area(); p++) {
                    s = s.add(value(in0, k * g.area() + p));
                }
                return s;
            } else if (layer instanceof AvgPool avg) {
                BigDecimal s = BigDecimal.ZERO;
                for (int m : avg.members(k)) {
                    s = s.add(value(in0, m));
                }
                long factor = commons[i] / avg.divisor(k);
                return factor == 1 ? s : s.multiply(BigDecimal.valueOf(factor));
            } else if (layer instanceof Activation a && !a.cpa().singleKinkAtZero()) {
                return a.cpa().exact(value(in0, k), scales[i]);
            } else if (layer instanceof Activation a) {
                double slope = a.cpa().negativeSlope();
                int side = sides[i] == null ? 2 : sides[i][k];
                if (side == 0 || side < 0 && slope == 0.0) {
                    return BigDecimal.ZERO; // proved: exactly 0, or below ReLU's kink
                }
                BigDecimal h = value(in0, k);
                boolean above = side == 2 ? h.signum() >= 0 : side > 0;
                return above ? h : belowKink(h, slope, slopes[i]);
            } else if (layer instanceof Parallel par) {
                BigDecimal b = scaled(bias(i, par.bias())[k], scale);
                if (par.join() == org.police4j.engine.Join.CONCAT) {
                    int[] at = graph.branchOf(i, k);
                    return atJoin(i, at[0], value(graph.ends[i][at[0]], at[1])).add(b);
                }
                for (int branch = 0; branch < graph.ends[i].length; branch++) {
                    b = b.add(atJoin(i, branch, value(graph.ends[i][branch], k)));
                }
                return b;
            } else if (layer instanceof Flatten) {
                return value(in0, k); // the layout is already flat
            }
            throw BoundedEval.unknown(layer);
        }
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
        int n = graph.size();
        BigDecimal[][] rows = new BigDecimal[n][];
        BigDecimal[][] inputRow = new BigDecimal[1][];
        rows[n - 1] = zeros(graph.sizes[n - 1]);
        rows[n - 1][k] = BigDecimal.ONE;
        BigDecimal offset = BigDecimal.ZERO;
        BigDecimal scale = BigDecimal.ONE;
        int act = activations;
        int pool = pools;
        for (int i = n - 1; i >= 0; i--) {
            Layer layer = graph.layers[i];
            BigDecimal[] g = rows[i] != null ? rows[i] : zeros(graph.sizes[i]); // null: no output depends on it
            BigDecimal[] in = zeros(graph.inputSizeOf(i));
            if (layer instanceof Dense d) {
                BigDecimal[] b = bias(i, d.bias());
                for (int o = 0; o < g.length; o++) {
                    if (g[o].signum() != 0) {
                        offset = offset.add(g[o].multiply(b[o]));
                        BigDecimal[] row = denseRow(i, d, o);
                        for (int j = 0; j < in.length; j++) {
                            if (row[j].signum() != 0) {
                                in[j] = in[j].add(g[o].multiply(row[j]));
                            }
                        }
                    }
                }
            } else if (layer instanceof Conv c) {
                BigDecimal[] w = weight(i, c.weight());
                BigDecimal[] b = bias(i, c.bias());
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
                BigDecimal[] b = p.bias() == null ? null : bias(i, p.bias());
                for (int u = 0; u < g.length; u++) {
                    int x = p.position(u, winners[pool][u]);
                    in[x] = in[x].add(g[u]);
                    if (b != null && g[u].signum() != 0) {
                        offset = offset.add(g[u].multiply(b[u])); // the bias after the max
                    }
                }
            } else if (layer instanceof ChannelAffine c) {
                BigDecimal[] s = weight(i, c.scale());
                BigDecimal[] t = bias(i, c.offset());
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
                rescalePending(rows, i, inputRow, area);
                for (int ch = 0; ch < g.length; ch++) {
                    for (int p = 0; p < avg.area(); p++) {
                        in[ch * avg.area() + p] = g[ch];
                    }
                }
            } else if (layer instanceof AvgPool avg) {
                BigDecimal common = BigDecimal.valueOf(commons[i]);
                scale = scale.multiply(common);
                offset = offset.multiply(common);
                rescalePending(rows, i, inputRow, common);
                for (int u = 0; u < g.length; u++) {
                    if (g[u].signum() != 0) {
                        BigDecimal share = g[u].multiply(BigDecimal.valueOf(commons[i] / avg.divisor(u)));
                        for (int x : avg.members(u)) {
                            in[x] = in[x].add(share);
                        }
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
                BigDecimal exactSlope = slopes[i];
                for (int u = 0; u < g.length; u++) {
                    in[u] = sides[act][u] > 0 ? g[u] : belowKink(g[u], slope, exactSlope);
                }
            } else if (layer instanceof Parallel par) {
                BigDecimal[] b = bias(i, par.bias());
                for (int o = 0; o < g.length; o++) {
                    if (g[o].signum() != 0) {
                        offset = offset.add(g[o].multiply(b[o]));
                    }
                }
                int at = 0;
                for (int end : graph.ends[i]) {
                    int size = end < 0 ? graph.inputSize : graph.sizes[end];
                    BigDecimal[] part = par.join() == org.police4j.engine.Join.SUM ? g
                            : java.util.Arrays.copyOfRange(g, at, at + size);
                    at += size;
                    accumulate(rows, end, part, inputRow);
                }
                continue;
            } else if (layer instanceof Flatten) {
                System.arraycopy(g, 0, in, 0, g.length); // the layout is already flat
            } else {
                throw BoundedEval.unknown(layer);
            }
            accumulate(rows, graph.input[i], in, inputRow);
        }
        BigDecimal[] g = inputRow[0] == null ? zeros(graph.inputSize) : inputRow[0];
        BigDecimal[] row = java.util.Arrays.copyOf(g, g.length + 1);
        row[g.length] = offset;
        return doubles(row, scale);
    }

    /** The least common multiple of the scales the branches of a join end at (the input's is 1). */
    private BigDecimal commonScale(int[] ends) {
        java.math.BigInteger common = java.math.BigInteger.ONE;
        for (int end : ends) {
            java.math.BigInteger s = end < 0 ? java.math.BigInteger.ONE : scales[end].toBigIntegerExact();
            common = common.divide(common.gcd(s)).multiply(s);
        }
        return new BigDecimal(common);
    }

    /** {@return per branch, the join's scale over the branch end's scale, or null when all are 1} */
    private BigDecimal[] factors(int[] ends, BigDecimal scale) {
        BigDecimal[] f = new BigDecimal[ends.length];
        boolean any = false;
        for (int b = 0; b < ends.length; b++) {
            BigDecimal s = ends[b] < 0 ? BigDecimal.ONE : scales[ends[b]];
            f[b] = new BigDecimal(scale.toBigIntegerExact().divide(s.toBigIntegerExact()));
            any |= f[b].compareTo(BigDecimal.ONE) != 0;
        }
        return any ? f : null;
    }

    /** A branch's end value brought to the join's scale. */
    private BigDecimal atJoin(int join, int branch, BigDecimal v) {
        BigDecimal[] f = joinFactors[join];
        return f == null || v.signum() == 0 ? v : v.multiply(f[branch]);
    }

    /**
     * Backwards, an average pool multiplies the scale everything is carried at: the rows other
     * branches have already handed down (pending at nodes before {@code i}, or at the input) are
     * multiplied too, so that rows meeting at a parallel layer's input share one scale.
     */
    private static void rescalePending(BigDecimal[][] rows, int i, BigDecimal[][] inputRow, BigDecimal factor) {
        for (int j = 0; j < i; j++) {
            rows[j] = times(rows[j], factor);
        }
        inputRow[0] = times(inputRow[0], factor);
    }

    private static BigDecimal[] times(BigDecimal[] row, BigDecimal factor) {
        if (row == null) {
            return null;
        }
        BigDecimal[] r = new BigDecimal[row.length];
        for (int j = 0; j < row.length; j++) {
            r[j] = row[j].signum() == 0 ? row[j] : row[j].multiply(factor);
        }
        return r;
    }

    /** Adds a row to what node {@code to} (-1: the input) has received so far. */
    private static void accumulate(BigDecimal[][] rows, int to, BigDecimal[] row, BigDecimal[][] inputRow) {
        BigDecimal[][] target = to < 0 ? inputRow : rows;
        int at = to < 0 ? 0 : to;
        BigDecimal[] have = target[at];
        if (have == null) {
            target[at] = row;
            return;
        }
        BigDecimal[] sum = new BigDecimal[have.length];
        for (int j = 0; j < sum.length; j++) {
            sum[j] = row[j].signum() == 0 ? have[j] : have[j].add(row[j]);
        }
        target[at] = sum;
    }

    /**
     * The least common multiple of an average pool's divisors: the pool's outputs are carried
     * times it (each window's sum times {@code common / divisor}), so that no division happens.
     */
    private static long commonDivisor(AvgPool avg) {
        long common = 1;
        int n = avg.windows().outputs();
        for (int u = 0; u < n; u++) {
            long d = avg.divisor(u);
            common = common / java.math.BigInteger.valueOf(common).gcd(java.math.BigInteger.valueOf(d)).longValue() * d;
        }
        return common;
    }

    private static BigDecimal[] zeros(int n) {
        BigDecimal[] z = new BigDecimal[n];
        java.util.Arrays.fill(z, BigDecimal.ZERO);
        return z;
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

    /** Row k of dense layer i in exact numbers, converted on first use. */
    private BigDecimal[] denseRow(int i, Dense d, int k) {
        return converted(denseRows[i], k, d.weight()[k]);
    }

    /** The weights (conv) or scales (channel affine) of layer i in exact numbers, converted on first use. */
    private BigDecimal[] weight(int i, float[] values) {
        return converted(weights, i, values);
    }

    /** The biases (or offsets) of layer i in exact numbers, converted on first use. */
    private BigDecimal[] bias(int i, float[] values) {
        return converted(biases, i, values);
    }

    /** Entry {@code at} of a cache of exact arrays, converted from {@code values} the first time (any thread may). */
    private static BigDecimal[] converted(AtomicReferenceArray<BigDecimal[]> cache, int at, float[] values) {
        BigDecimal[] e = cache.get(at);
        if (e == null) {
            e = exact(values);
            cache.set(at, e);
        }
        return e;
    }

    private static BigDecimal[] exact(float[] v) {
        BigDecimal[] e = new BigDecimal[v.length];
        for (int i = 0; i < v.length; i++) {
            e[i] = new BigDecimal((double) v[i]);
        }
        return e;
    }
}
