package org.police4j.engine;

import static org.police4j.numeric.DoubleDouble.twoSumError;

import java.util.Arrays;
import org.police4j.numeric.DoubleDouble;

/**
 * A convolution of double-double pairs at several points at once, each output {@code b + sum_taps
 * w (hi + lo)} as {@link DoubleDouble.Dot} computes it, its terms in {@link Stencil#taps}'s order,
 * with {@link DoubleDouble.Dot#bound} from the largest {@code |hi| + |lo|} of each input over the
 * points. Why one kernel: the guard's {@link VertexReference} runs it on a region's vertices, the
 * certificate's rigorous forward ({@code network.BoundedEval}) on one point, and a second copy is
 * where the two would drift apart.
 *
 * <p>Two loop orders give the same sums, so the same bits (tested): per output channel and row,
 * one walk of the row's taps across its columns ({@link Stencil#rowTaps}); or, when a group has
 * enough output channels ({@link Stencil#sumsAcrossChannels}), per output position one
 * multiply-add across the group's channels per tap, which HotSpot's C2 vectorises because the
 * sums, the weights and the bound terms share their index (docs/ROUNDING-DEPTH.md, "Cost").
 */
public final class PairConv {

    private PairConv() {}

    /**
     * Points as pairs with a bound per input, the outputs of a convolution.
     *
     * @param hi the high parts, {@code points x inputs}, one point after the other
     * @param lo the low parts, the same layout
     * @param err per input, a bound of its distance to the exact value at every point
     */
    public record Pairs(double[] hi, double[] lo, double[] err) {

        /** {@return the number of points} */
        public int points() {
            return hi.length / err.length;
        }
    }

    /**
     * {@return the convolution's outputs at every point, {@code points x outputs}, with a rigorous
     * bound per output (the largest over the points), 0 for an exact zero}
     *
     * @param st the geometry
     * @param weight (C', C / groups, kh, kw) flat, float32 values
     * @param bias per output position (its channel's bias, or the fold's per-position bias)
     * @param in the inputs
     * @param acrossChannels whether to sum across a group's channels where the stencil allows it
     */
    public static Pairs apply(Stencil st, float[] weight, float[] bias, Pairs in, boolean acrossChannels) {
        if (in.err().length != st.inputs() || weight.length != st.weights() || bias.length != st.outputs()) {
            throw new IllegalArgumentException("conv " + st + ": " + in.err().length + " inputs, "
                    + weight.length + " weights, " + bias.length + " biases");
        }
        int k = st.outputs();
        int points = in.points();
        Pairs out = new Pairs(new double[points * k], new double[points * k], new double[k]);
        double[] xMax = magnitudes(in);
        if (acrossChannels && st.sumsAcrossChannels()) {
            byChannels(st, weight, bias, in, xMax, out);
        } else {
            byRows(st, weight, bias, in, xMax, out);
        }
        return out;
    }

    /** {@return per input, the largest {@code |hi| + |lo|} over the points} */
    static double[] magnitudes(Pairs in) {
        int width = in.err().length;
        double[] xMax = new double[width];
        for (int i = 0; i < in.hi().length; i++) {
            int j = i % width;
            xMax[j] = Math.max(xMax[j], Math.abs(in.hi()[i]) + Math.abs(in.lo()[i]));
        }
        return xMax;
    }

    private static void byChannels(Stencil st, float[] weight, float[] bias, Pairs in, double[] xMax, Pairs out) {
        int k = st.outputs();
        int outH = st.outH();
        int outW = st.outW();
        int groups = st.groups();
        int cg = st.outC() / groups; // output channels per group
        int taps = st.fanIn();
        double[][][] wT = st.tapRows((o, t) -> weight[o * taps + t]); // per group and tap, its channels' weights
        double[][][] aT = st.tapRows((o, t) -> Math.abs((double) weight[o * taps + t])); // and their magnitudes
        int[] terms = st.termCounts();
        double[] x = in.hi();
        double[] xl = in.lo();
        double[] z = in.err();
        int wd = z.length;
        int p0 = in.points();
        double[] h = out.hi();
        double[] l = out.lo();
        double[] e = out.err();
        Loops.parallel(outH, (long) outW * st.outC() * taps * (p0 + 1), i -> {
            // each row of positions writes its own outputs: the same bits on any threads
            double[][] sum = new double[p0][cg];
            double[][] low = new double[p0][cg];
            double[] magnitude = new double[cg];
            double[] carried = new double[cg];
            int[] tapAt = new int[taps];
            int[] inputAt = new int[taps];
            for (int j = 0; j < outW; j++) {
                for (int g = 0; g < groups; g++) {
                    int o0 = g * cg;
                    for (int ol = 0; ol < cg; ol++) {
                        double b = bias[((o0 + ol) * outH + i) * outW + j];
                        magnitude[ol] = Math.abs(b);
                        carried[ol] = 0;
                        for (int p = 0; p < p0; p++) {
                            sum[p][ol] = b;
                            low[p][ol] = 0;
                        }
                    }
                    int n0 = st.positionTaps(g, i, j, tapAt, inputAt);
                    for (int a = 0; a < n0; a++) {
                        double[] wr = wT[g][tapAt[a]];
                        double[] ar = aT[g][tapAt[a]];
                        int at = inputAt[a];
                        double xm = xMax[at];
                        double ze = z[at];
                        double xh0 = x[at];
                        double xlo0 = xl[at];
                        double[] s0 = sum[0];
                        double[] l0 = low[0];
                        for (int ol = 0; ol < cg; ol++) { // the bound terms and the first point in one loop
                            magnitude[ol] += ar[ol] * xm;
                            carried[ol] += ar[ol] * ze;
                            DoubleDouble.multiplyAdd(wr[ol], xh0, xlo0, s0, l0, ol);
                        }
                        for (int p = 1; p < p0; p++) {
                            double xh = x[p * wd + at];
                            double xlo = xl[p * wd + at];
                            double[] sp = sum[p];
                            double[] lp = low[p];
                            for (int ol = 0; ol < cg; ol++) {
                                DoubleDouble.multiplyAdd(wr[ol], xh, xlo, sp, lp, ol);
                            }
                        }
                    }
                    int n = terms[i * outW + j];
                    double rho = DoubleDouble.rho(n);
                    for (int ol = 0; ol < cg; ol++) {
                        int q = ((o0 + ol) * outH + i) * outW + j;
                        e[q] = DoubleDouble.Dot.bound(rho, magnitude[ol], carried[ol], n);
                        for (int p = 0; p < p0; p++) {
                            store(sum[p][ol], low[p][ol], h, l, p * k + q);
                        }
                    }
                }
            }
        });
    }

    private static void byRows(Stencil st, float[] weight, float[] bias, Pairs in, double[] xMax, Pairs out) {
        int k = st.outputs();
        int outW = st.outW();
        int sw = st.strideW();
        int[] terms = st.termCounts();
        double[] x = in.hi();
        double[] xl = in.lo();
        double[] z = in.err();
        int wd = z.length;
        int p0 = in.points();
        double[] h = out.hi();
        double[] l = out.lo();
        double[] e = out.err();
        Loops.parallel(st.outC(), (long) st.outH() * outW * st.fanIn() * (p0 + 1), o -> {
            // each channel writes its own outputs: the same bits on any threads
            double[] sum = new double[p0 * outW]; // per point, a row of sums
            double[] low = new double[p0 * outW];
            double[] magnitude = new double[outW];
            double[] carried = new double[outW];
            for (int i = 0; i < st.outH(); i++) {
                int row = (o * st.outH() + i) * outW;
                for (int j = 0; j < outW; j++) {
                    magnitude[j] = Math.abs((double) bias[row + j]);
                    for (int p = 0; p < p0; p++) {
                        sum[p * outW + j] = bias[row + j];
                    }
                }
                Arrays.fill(carried, 0);
                Arrays.fill(low, 0);
                // one walk: each tap's bound terms (which no point changes), then its term at every point
                st.rowTaps(o, i, (wi, base, j0, j1) -> {
                    double w = weight[wi];
                    double aw = Math.abs(w);
                    if (sw == 1) { // unit stride: tight loops
                        for (int j = j0; j < j1; j++) {
                            magnitude[j] += aw * xMax[base + j];
                            carried[j] += aw * z[base + j];
                        }
                        for (int p = 0; p < p0; p++) {
                            int at = p * wd + base;
                            int to = p * outW;
                            for (int j = j0; j < j1; j++) {
                                DoubleDouble.multiplyAdd(w, x[at + j], xl[at + j], sum, low, to + j);
                            }
                        }
                    } else {
                        for (int j = j0; j < j1; j++) {
                            int at = base + j * sw;
                            magnitude[j] += aw * xMax[at];
                            carried[j] += aw * z[at];
                        }
                        for (int p = 0; p < p0; p++) {
                            int at = p * wd + base;
                            int to = p * outW;
                            for (int j = j0; j < j1; j++) {
                                DoubleDouble.multiplyAdd(w, x[at + j * sw], xl[at + j * sw], sum, low, to + j);
                            }
                        }
                    }
                });
                for (int j = 0; j < outW; j++) {
                    e[row + j] = DoubleDouble.Dot.bound(magnitude[j], carried[j], terms[i * outW + j]);
                    for (int p = 0; p < p0; p++) {
                        store(sum[p * outW + j], low[p * outW + j], h, l, p * k + row + j);
                    }
                }
            }
        });
    }

    /** The running sum and its low part renormalised into one output pair. */
    private static void store(double sum, double low, double[] h, double[] l, int at) {
        double s = sum + low;
        h[at] = s;
        l[at] = twoSumError(sum, low, s);
    }
}
