package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * The margin each unit needs so that the certificate, which evaluates the <em>folded float32
 * network exactly</em>, sees every vertex on the side the engine put it on. The engine decides on
 * rounded values; a fixed margin covers their rounding only while the values are small, so the
 * margin here follows the magnitude of what is rounded, layer by layer, for one region.
 *
 * <h2>The bound</h2>
 *
 * Let {@code u = 2^-24} be float32's unit roundoff (also when training in float64: the folded
 * network, which is certified, is float32, and rounding the weights to it costs one more {@code u}), {@code n} a layer's
 * fan-in, {@code gamma_m = m u / (1 - m u)}, {@code L = max(1, max_j |a_j|)} the activation's
 * Lipschitz constant (its largest slope; every kink gets the same per-unit margin, and kinks away
 * from 0 add {@code 4 u (max_i |t_i| + margin)} to it for the rounding of {@code t + m - lo}). For one region, {@code X_j} bounds {@code |z_j|} over the vertices as the
 * engine computed them and {@code Z_j} bounds {@code |z_j - z*_j|}, where {@code z*} is what the
 * folded network gives in exact arithmetic (layer 0: the region's coordinates, {@code Z_j = u X_j}
 * for the cast of double vertices to float32). With {@code H = fl(W z + b)}, the shift {@code c =
 * fl(s m - H[p*])} and the folded bias {@code b' = fl(b + c)}, the standard dot-product bound
 * (any summation order, with or without FMA) and one rounding each for the shift, the add and the
 * fold give, for every vertex and unit k,
 *
 * <pre>
 *   |fl(H + c) - (W z* + b')|  &lt;=  E_k = gamma_{n+t+8} (sum_j |W_kj| X_j + |b_k|) + sum_j |W_kj| Z_j
 * </pre>
 *
 * ({@code t = 0} for vertex rows; a tracked map's {@code V A^T + a} sums {@code t = D} more
 * products, which round the range the engine decides on but not the map it carries on, so the
 * error passed to the next layer takes {@code gamma_{n+8}}; the terms {@code u |c|}, {@code u |H +
 * c|}, {@code u |b + c|} are each at most {@code u} times the same magnitude plus the margin, and
 * are absorbed by the six extra units of {@code gamma}).
 * The engine puts every vertex at least {@code m_k} past the kink in the rounded values, so with
 * {@code m_k = margin + E_k} every exact value is still at least {@code margin > 0} past it: the
 * folded network is affine on R, and so certifiable, at every step. (The bound is rigorous and
 * pessimistic, a sum of absolute values; {@code margin} is the slack on top of it.) For the next layer, with
 * {@code M_k} a bound on {@code |H + c|} at the vertices (or, for a tracked affine map, on the
 * magnitudes the map's products handle, see {@link RegionPass#magnitudes}), {@code X_k = L M_k
 * (1 + 2u)} and {@code Z_k = |a_k| (E_k + u M_k)}, {@code a_k} the slope of the piece unit k holds
 * the region on ({@link #leave(double[], float[])}); the depth enters through {@code Z}.
 *
 * <p>At the paper's scale (inputs near 1, default initialisation) {@code E_k} is below the default
 * margin in the first layers and grows with depth (the sum over {@code |W|} of the error carried);
 * for inputs in the thousands it is what keeps the certificate. A margin of 0 is the paper's rule exactly and turns the guard off.
 *
 * <h2>Measured instead of carried (vertex rows)</h2>
 *
 * The carried term compounds through {@code |W|} (x4 to x8 per layer) while the actual error does
 * not, so deep networks got margins as large as their values. For a region carried as vertex rows
 * the caller passes {@code measured}: per unit, a rigorous bound of {@code |H - (W z* + b)|} at the
 * vertices from a {@link VertexReference}. It replaces the carried term and the products' rounding
 * ({@code gamma} then counts only the shift's and the fold's roundings, without the fan-in); the
 * magnitudes {@code X} are still carried for that term, which does not compound.
 */
public final class RoundingGuard {

    private final double base;
    private final double roundoff;
    private final double lipschitz;
    private final Cpa activation;
    private final int extraTerms;
    private double[] inMax;
    private double[] inError;
    private double[] error;

    /**
     * @param margin the engine's margin, kept in every unit on top of the rounding bound
     * @param activation the network's activation
     * @param regionMagnitude per input coordinate, the largest {@code |x_j|} over the region
     * @param extraTerms terms every value sums beyond a layer's fan-in: 0 for vertex rows, D for a
     *     tracked affine map (its {@code V A^T} adds D products)
     */
    public RoundingGuard(double margin, Cpa activation, double[] regionMagnitude, int extraTerms) {
        // float32 even when training in float64: the folded network, what is certified, is float32
        this(margin, activation, regionMagnitude, extraTerms, 0x1p-24);
    }

    /**
     * The same bound for a pass whose own arithmetic has unit roundoff {@code roundoff}: the
     * projection of a float64 pass in {@code docs/ROUNDING-DEPTH.md} (not used by the engine).
     *
     * @param margin the engine's margin
     * @param activation the network's activation
     * @param regionMagnitude per input coordinate, the largest {@code |x_j|} over the region
     * @param extraTerms terms every value sums beyond a layer's fan-in
     * @param roundoff the pass's unit roundoff
     */
    RoundingGuard(double margin, Cpa activation, double[] regionMagnitude, int extraTerms, double roundoff) {
        // Kinks away from 0: the engine's edge t + m and the shift t + m - lo round with t's
        // magnitude, which the products' bound does not see; every unit's margin carries it.
        this.base = activation.singleKinkAtZero() ? margin : margin + 4 * 0x1p-24 * (activation.largestKink() + margin);
        this.extraTerms = extraTerms;
        this.roundoff = roundoff;
        this.lipschitz = activation.lipschitz();
        this.activation = activation;
        this.inMax = regionMagnitude.clone();
        this.inError = new double[regionMagnitude.length];
        for (int j = 0; j < inError.length; j++) {
            inError[j] = roundoff * regionMagnitude[j]; // the double region cast to float32
        }
    }

    /** {@code gamma_m = m u / (1 - m u)}, the dot-product rounding factor. */
    private double gamma(long m) {
        double mu = m * roundoff;
        if (mu >= 0.5) {
            throw new IllegalArgumentException("fan-in " + m + " too large for a rounding bound in this dtype");
        }
        return mu / (1 - mu);
    }

    /**
     * The margin of every unit of the next layer.
     *
     * @param layer the layer's index, for messages
     * @param weight K x K_prev as the region pass uses it
     * @param bias K
     * @return K margins, float32 rounded up
     * @throws IllegalStateException when a weight or the region's values are not finite (training
     *     diverged)
     */
    public float[] margins(int layer, NDArray weight, NDArray bias) {
        return margins(layer, weight, bias, null);
    }

    /**
     * The margin of every unit of the next layer, with the error the values carry measured
     * against a {@link VertexReference} in place of the carried bound {@code sum_j |W_kj| Z_j} and
     * the products' rounding: {@code E_k = gamma_{t+8} (sum_j |W_kj| X_j + |b_k|) + measured_k},
     * the first term covering only the shift's and the fold's roundings (see {@link
     * VertexReference}).
     *
     * @param layer the layer's index, for messages
     * @param weight K x K_prev as the region pass uses it
     * @param bias K
     * @param measured K rigorous bounds of {@code |H_k - (W z* + b)_k|} over the vertices, or null
     *     for the a priori bound
     * @return K margins, float32 rounded up
     */
    public float[] margins(int layer, NDArray weight, NDArray bias, double[] measured) {
        // float32 copies (a float64 weight's magnitude rounded to float32 changes the bound by 2^-24)
        float[] w = LayerRange.floats(weight);
        float[] b = LayerRange.floats(bias);
        int k = b.length;
        int n = inMax.length;
        if (w.length != (long) k * n) {
            throw new IllegalArgumentException(
                    "weight: shape " + weight.getShape() + ", expected (" + k + ", " + n + ")");
        }
        int fanIn = measured == null ? n : 0;
        double[] errors = new double[k];
        float[] margins = new float[k];
        dense(w, b, measured, gamma(fanIn + extraTerms + 8L), errors);
        for (int q = 0; q < k; q++) {
            margins[q] = roundedUp(layer, q, base + errors[q], measured != null);
        }
        if (extraTerms == 0) {
            error = errors;
        } else {
            // the extra terms round the range the engine decides on, not the map it carries on
            error = new double[k];
            dense(w, b, measured, gamma(fanIn + 8L), error);
        }
        return margins;
    }

    /** {@code e_q = g |b_q| + sum_j |W_qj| (g X_j + Z_j)} (or {@code + measured_q}) into {@code out}. */
    private void dense(float[] w, float[] b, double[] measured, double g, double[] out) {
        int k = b.length;
        int n = inMax.length;
        double[] v = new double[n];
        for (int j = 0; j < n; j++) {
            v[j] = g * inMax[j] + (measured == null ? inError[j] : 0);
        }
        Loops.parallel(k, n, q -> { // each unit writes its own: the same bits on any threads
            double e = g * Math.abs(b[q]);
            int o = q * n;
            for (int j = 0; j < n; j++) {
                e += Math.abs(w[o + j]) * v[j];
            }
            if (measured != null) {
                e += measured[q];
            }
            out[q] = e;
        });
    }

    /**
     * The margins of a conv group {@code conv, [per-channel affine s x + t (batch-norm)], [max-pool
     * kh x kw], shift} for the same bound, summed over the stencil: per output position {@code q},
     * {@code S_q = sum_j |s W_qj| X_j + |s b| + |t|} and {@code E_q = 4 gamma_{n+t+16} S + sum_j
     * |s W_qj| Z_j}, with {@code S} the largest {@code S_q} of q's pool window. The factor 4 and the
     * eight more units of gamma cover what the dense bound does not have: the affine map's product
     * and sum, the folded weight {@code fl(s W)} and bias, and the pool shift, whose size is at most
     * twice a window's values plus the margin. A pooled unit's error is the largest of its window
     * (max is 1-Lipschitz); the window's winner must beat every other position by the margin plus
     * both their errors, so the pool margin is {@code margin + 2 E}.
     *
     * @param layer the layer's index, for messages
     * @param stencil the convolution's geometry
     * @param weightArray (C', C, kh, kw) as the region pass uses it
     * @param biasArray C' biases
     * @param scaleArray C' factors of the per-channel affine map, or null for none
     * @param offsetArray C' offsets of that map, or null
     * @param pool the max-pool's windows, or null for no pool
     * @return per pooled unit and per window (null without a pool), the margins, float32 rounded up
     */
    public ConvMargins margins(
            int layer, Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool) {
        return margins(layer, stencil, weightArray, biasArray, scaleArray, offsetArray, pool, null);
    }

    /**
     * The margins of a conv group with the error of its values before the pool measured against a
     * {@link VertexReference}: per position, {@code measured_q} replaces the carried bound and the
     * products', the affine map's and the folded weight's roundings, and {@code 4 gamma_{t+16} S}
     * covers the pool shift, the shift and their folds (as above, without the fan-in).
     *
     * @param layer the layer's index, for messages
     * @param stencil the convolution's geometry
     * @param weightArray (C', C, kh, kw) as the region pass uses it
     * @param biasArray C' biases
     * @param scaleArray C' factors of the per-channel affine map, or null for none
     * @param offsetArray C' offsets of that map, or null
     * @param pool the max-pool's windows, or null for no pool
     * @param measured per position before the pool, a rigorous bound of the values' distance to the
     *     folded network's (without its pool shift and shift), or null for the a priori bound
     * @return per pooled unit and per window (null without a pool), the margins, float32 rounded up
     */
    public ConvMargins margins(
            int layer, Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, double[] measured) {
        return margins(layer, stencil, weightArray, biasArray, scaleArray, offsetArray, pool, measured,
                stencil.sumsAcrossChannels());
    }

    /**
     * {@link #margins(int, Stencil, NDArray, NDArray, NDArray, NDArray, PoolWindows, double[])} with
     * the magnitudes summed across a group's output channels (a loop C2 vectorises, as in {@link
     * VertexReference}) or across a row's columns: the same sums in the same order (tested).
     */
    ConvMargins margins(
            int layer, Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, double[] measured, boolean byChannels) {
        Stencil g = stencil;
        float[] weight = LayerRange.floats(weightArray);
        float[] bias = LayerRange.floats(biasArray);
        float[] scale = scaleArray == null ? null : LayerRange.floats(scaleArray);
        float[] offset = offsetArray == null ? null : LayerRange.floats(offsetArray);
        if (inMax.length != g.inputs() || weight.length != g.weights()) {
            throw new IllegalArgumentException("weight: " + weight.length + " values for " + g + ", inputs " + inMax.length);
        }
        double gm = 4 * gamma((measured == null ? g.fanIn() : 0) + extraTerms + 16L);
        // the extra terms round the range the engine decides on, not the map it carries on
        double carriedGm = 4 * gamma((measured == null ? g.fanIn() : 0) + 16L);
        double[] sum = new double[g.outputs()];
        double[] carried = new double[g.outputs()];
        int outW = g.outW();
        int sw = g.strideW();
        double[] x = inMax;
        double[] z = inError;
        if (byChannels) {
            magnitudesByChannels(g, weight, bias, scale, offset, measured, sum, carried);
        } else {
        Loops.parallel(g.outC(), (long) g.outH() * outW * g.fanIn(), o -> { // each channel writes its own positions: the same bits on any threads
            double[] magnitude = new double[outW];
            double[] carriedRow = new double[outW];
            double s = scale == null ? 1 : Math.abs((double) scale[o]);
            double constant = s * Math.abs((double) bias[o]) + (offset == null ? 0 : Math.abs((double) offset[o]));
            for (int i = 0; i < g.outH(); i++) {
                java.util.Arrays.fill(magnitude, 0);
                java.util.Arrays.fill(carriedRow, 0);
                // each output's terms in the order of Stencil.taps, a row of outputs at a time
                g.rowTaps(o, i, (wi, base, j0, j1) -> {
                    double w = s * Math.abs((double) weight[wi]);
                    if (sw == 1) { // unit stride: a tight loop
                        for (int j = j0; j < j1; j++) {
                            magnitude[j] += w * x[base + j];
                        }
                    } else {
                        for (int j = j0; j < j1; j++) {
                            magnitude[j] += w * x[base + j * sw];
                        }
                    }
                    if (measured == null) {
                        for (int j = j0; j < j1; j++) {
                            carriedRow[j] += w * z[base + j * sw];
                        }
                    }
                });
                int row = (o * g.outH() + i) * outW;
                for (int j = 0; j < outW; j++) {
                    sum[row + j] = magnitude[j] + constant;
                    carried[row + j] = measured == null ? carriedRow[j] : measured[row + j];
                }
            }
        });
        }
        // without a pool, every position is its own window of one
        PoolWindows w = pool != null ? pool : new PoolWindows(g.outC(), g.outH(), g.outW(), 1, 1, 1, 1, 0, 0, false);
        error = new double[w.outputs()];
        float[] units = new float[error.length];
        float[] windows = pool != null ? new float[error.length] : null;
        for (int u = 0; u < error.length; u++) {
            double largest = 0;
            double worstCarried = 0;
            for (int q : w.members(u)) {
                largest = Math.max(largest, sum[q]);
                worstCarried = Math.max(worstCarried, carried[q]);
            }
            double e = gm * largest + worstCarried;
            error[u] = extraTerms == 0 ? e : carriedGm * largest + worstCarried;
            units[u] = roundedUp(layer, u, base + e, measured != null);
            if (windows != null) {
                windows[u] = roundedUp(layer, u, base + 2 * e, measured != null);
            }
        }
        return new ConvMargins(units, windows);
    }

    /**
     * The magnitudes {@code sum[q]} and carried errors of a conv's outputs, per output position a
     * tap at a time across the group's output channels, the factors {@code s |W|} one row per tap:
     * each output's terms in {@link Stencil#taps}'s order, as the row-wise loop adds them.
     */
    private void magnitudesByChannels(Stencil g, float[] weight, float[] bias, float[] scale, float[] offset,
            double[] measured, double[] sum, double[] carried) {
        int outH = g.outH();
        int outW = g.outW();
        int groups = g.groups();
        int cg = g.outC() / groups;
        int taps = g.fanIn();
        double[] factor = new double[g.outC()];
        double[] constant = new double[g.outC()];
        for (int o = 0; o < g.outC(); o++) {
            factor[o] = scale == null ? 1 : Math.abs((double) scale[o]);
            constant[o] = factor[o] * Math.abs((double) bias[o]) + (offset == null ? 0 : Math.abs((double) offset[o]));
        }
        double[][][] aT = g.tapRows((o, t) -> factor[o] * Math.abs((double) weight[o * taps + t]));
        double[] x = inMax;
        double[] z = inError;
        Loops.parallel(outH, (long) outW * g.outC() * taps, i -> {
            // each row of positions writes its own outputs: the same bits on any threads
            double[] magnitude = new double[cg];
            double[] carriedRow = new double[cg];
            int[] tapAt = new int[taps];
            int[] inputAt = new int[taps];
            for (int j = 0; j < outW; j++) {
                for (int gr = 0; gr < groups; gr++) {
                    java.util.Arrays.fill(magnitude, 0);
                    java.util.Arrays.fill(carriedRow, 0);
                    int n0 = g.positionTaps(gr, i, j, tapAt, inputAt);
                    for (int a = 0; a < n0; a++) {
                        double[] ar = aT[gr][tapAt[a]];
                        int in = inputAt[a];
                        double xm = x[in];
                        for (int ol = 0; ol < cg; ol++) {
                            magnitude[ol] += ar[ol] * xm;
                        }
                        if (measured == null) {
                            double ze = z[in];
                            for (int ol = 0; ol < cg; ol++) {
                                carriedRow[ol] += ar[ol] * ze;
                            }
                        }
                    }
                    for (int ol = 0; ol < cg; ol++) {
                        int o = gr * cg + ol;
                        int q = (o * outH + i) * outW + j;
                        sum[q] = magnitude[ol] + constant[o];
                        carried[q] = measured == null ? carriedRow[ol] : measured[q];
                    }
                }
            }
        });
    }

    /**
     * The margins of a conv group.
     *
     * @param units one per unit after the pool: the POLICE shift's margin
     * @param windows one per pool window: how far its winner must stay ahead, or null without a pool
     */
    public record ConvMargins(float[] units, float[] windows) {}

    /**
     * Moves through an average over {@code positions} values of each of {@code channels} channels
     * (global average pooling of the activated feature map): one window per channel, see {@link
     * #averagePool(PoolWindows)}.
     *
     * @param channels C
     * @param positions H * W
     */
    public void averagePool(int channels, int positions) {
        if (inMax.length != channels * positions) {
            throw new IllegalArgumentException(
                    "averagePool: " + inMax.length + " inputs, expected " + channels + " x " + positions);
        }
        averagePool(new PoolWindows(channels, 1, positions, 1, positions, 1, positions, 0, 0, false));
    }

    /**
     * Moves through an average pool, which has no units: the bound of a window's average is the
     * largest of its n inputs' (padding adds zeros and a divisor of at least n), and its error
     * the largest carried error plus the average's own rounding ({@code gamma_{n+1}} times the
     * largest magnitude: n - 1 additions and a division, in any order).
     *
     * @param windows the pool's windows
     */
    public void averagePool(PoolWindows windows) {
        if (inMax.length != windows.inputs()) {
            throw new IllegalArgumentException(
                    "averagePool: " + inMax.length + " inputs, expected " + windows.inputs() + " for " + windows);
        }
        int n = windows.outputs();
        double[] max = new double[n];
        double[] err = new double[n];
        for (int u = 0; u < n; u++) {
            int[] members = windows.members(u);
            double g = gamma(members.length + 1L);
            double m = 0;
            double e = 0;
            for (int i : members) {
                m = Math.max(m, inMax[i]);
                e = Math.max(e, inError[i]);
            }
            max[u] = m * (1 + g);
            err[u] = e + g * m;
        }
        inMax = max;
        inError = err;
    }

    private static float roundedUp(int layer, int unit, double m, boolean measured) {
        if (Double.isNaN(m)) {
            throw new RoundingBoundOverflowException(String.format(Locale.ROOT,
                    "layer %d, unit %d: the weights or the region's values are not finite (rounding bound %s);"
                            + " training diverged: lower the learning rate or rescale the inputs",
                    layer, unit, m));
        }
        if ((Double.isInfinite(m) || (float) m == Float.POSITIVE_INFINITY) && measured) {
            // the reference's own bound compounds by the ratio of sum |W||y| to |W y| of every layer
            throw new RoundingBoundOverflowException(String.format(Locale.ROOT,
                    "layer %d, unit %d: the rounding guard's bound of the float32 error is %s, beyond float32:"
                            + " either the weights or the region's values are not finite (training diverged: lower"
                            + " the learning rate or rescale the inputs), or the bound of the double-double reference"
                            + " at the region's vertices (or axis points) has compounded through ill-conditioned layers, whose sums"
                            + " cancel (sum |W| |y| far above |W y|; a batch-norm whose batch variance is tiny makes"
                            + " them, as on feature maps of 1 x 1 or 2 x 2 with small batches): use larger batches"
                            + " or inputs, or a shallower network (docs/ROUNDING-DEPTH.md)",
                    layer, unit, m));
        }
        if (Double.isInfinite(m) || (float) m == Float.POSITIVE_INFINITY) {
            // finite weights can still get here: the a priori bound compounds by the rows' L1 norms
            throw new RoundingBoundOverflowException(String.format(Locale.ROOT,
                    "layer %d, unit %d: the rounding guard's bound of the float32 error is %s, beyond float32:"
                            + " either the weights or the region's values are not finite (training diverged: lower"
                            + " the learning rate or rescale the inputs), or the network is too deep for the a priori"
                            + " bound a tracked affine map gets (a box, ball or zonotope, or more than D + 1 vertices;"
                            + " docs/ROUNDING-DEPTH.md): give the region by at most D + 1 vertices",
                    layer, unit, m));
        }
        float f = (float) m;
        return f < m ? Math.nextUp(f) : f;
    }

    /**
     * Moves to the next layer. Every unit has put the whole region on one piece of the activation
     * (its side), with a margin that covers the error: the engine's value and the exact one then
     * lie on that piece, and the error goes on times that piece's |slope| instead of the
     * Lipschitz constant. A ReLU unit on its flat side passes an exact 0: no error. (The magnitude
     * keeps the Lipschitz constant: it does not compound, and a flat piece's value is its
     * intercept.)
     * Why: about half a ReLU network's units are off, and with every one counted at slope 1 the
     * bound compounded through {@code |W|} twice as fast as the values' error can
     * (docs/ROUNDING-DEPTH.md, "Pieces, not Lipschitz").
     *
     * @param magnitudes per unit, a bound on {@code |H + c|} over the region as the engine computed
     *     it (see {@link RegionPass#magnitudes})
     * @param sides per unit, the side (+1/-1) or piece the shift put the region on ({@link
     *     Cpa#slope(int)}), or null for the Lipschitz constant everywhere
     */
    public void leave(double[] magnitudes, float[] sides) {
        int k = magnitudes.length;
        if (sides != null && sides.length != k) {
            throw new IllegalArgumentException("sides: " + sides.length + " units, expected " + k);
        }
        inMax = new double[k];
        inError = new double[k];
        for (int q = 0; q < k; q++) {
            // a side of 0 names no side for the one-kink families (+1/-1), piece 0 for the others
            boolean known = sides != null && (sides[q] != 0 || !activation.singleKinkAtZero());
            double slope = known ? Math.abs(activation.slope((int) sides[q])) : lipschitz;
            double[] rounding = activation.roundingTerms(magnitudes[q]); // null: exact, |f(x)| <= L |x|
            if (rounding != null && roundoff < 0x1p-24) {
                // a finer pass (a MapReference) evaluates a x + b on the unit's piece, not the
                // engine's float32 formula: b's rounding to double and the sum's, each within
                // roundoff of the value bound (which holds |b| too); the product is counted below
                rounding = new double[] {rounding[0], 3 * roundoff * rounding[0]};
            }
            // the magnitude keeps L: a flat piece's value is its intercept (ReLU6's 6), not 0
            inMax[q] = rounding == null ? lipschitz * magnitudes[q] * (1 + 2 * roundoff) : rounding[0] * (1 + 2 * roundoff);
            inError[q] = slope * (error[q] + roundoff * magnitudes[q]) + (rounding == null ? 0 : rounding[1]);
        }
    }

    /**
     * {@return per unit of the last layer entered, the error bound carried on (without the
     * margin and without the extra terms of the decided range): a {@link MapReference}'s own bound}
     */
    double[] errors() {
        return error.clone();
    }

    /** {@return a guard where this one is: the bound entering one branch of a parallel layer} */
    public RoundingGuard fork() {
        RoundingGuard copy = new RoundingGuard(base, roundoff, lipschitz, activation, extraTerms);
        copy.inMax = inMax;
        copy.inError = inError;
        return copy;
    }

    private RoundingGuard(double base, double roundoff, double lipschitz, Cpa activation, int extraTerms) {
        this.base = base;
        this.roundoff = roundoff;
        this.lipschitz = lipschitz;
        this.activation = activation;
        this.extraTerms = extraTerms;
    }

    /**
     * The margins of the units of a join: the dense bound with the join as the layer, weights 1
     * on the branches' values and a zero bias (the shift alone is folded into the join's bias). A
     * sum adds one term per branch ({@code n} = branches), a concatenation reads one value.
     *
     * @param layer the join's index, for messages
     * @param branches the guards that went through each branch, in branch order
     * @param join how the branches are combined
     * @return one margin per joined value, float32 rounded up
     */
    public float[] joinMargins(int layer, java.util.List<RoundingGuard> branches, Join join) {
        return joinMargins(layer, branches, join, null);
    }

    /**
     * The margins of a join's units with their values' error measured against a {@link
     * VertexReference}: {@code gamma_{t+8}} times the branches' magnitudes (the shift and its
     * fold) plus {@code measured}.
     *
     * @param layer the join's index, for messages
     * @param branches the guards that went through each branch, in branch order
     * @param join how the branches are combined
     * @param measured per joined value, a rigorous bound of its distance to the folded network's,
     *     or null for the a priori bound
     * @return one margin per joined value, float32 rounded up
     */
    public float[] joinMargins(int layer, java.util.List<RoundingGuard> branches, Join join, double[] measured) {
        int n = measured != null ? 0 : join == Join.SUM ? branches.size() : 1;
        double g = gamma(n + extraTerms + 8L);
        double carriedG = gamma(n + 8L); // the extra terms round the decided range, not the carried map
        int k = join == Join.SUM ? branches.get(0).inMax.length : 0;
        if (join == Join.CONCAT) {
            for (RoundingGuard b : branches) {
                k += b.inMax.length;
            }
        }
        double[] errors = joined(branches, join, measured, g, k);
        float[] margins = new float[k];
        for (int q = 0; q < k; q++) {
            margins[q] = roundedUp(layer, q, base + errors[q], measured != null);
        }
        error = extraTerms == 0 ? errors : joined(branches, join, measured, carriedG, k);
        return margins;
    }

    /** Per joined value, {@code g} times the branches' magnitudes plus their carried errors (or {@code measured}). */
    private static double[] joined(java.util.List<RoundingGuard> branches, Join join, double[] measured, double g, int k) {
        double[] e = new double[k];
        int at = 0;
        for (RoundingGuard b : branches) {
            for (int q = 0; q < b.inMax.length; q++) {
                e[at + q] += g * b.inMax[q] + (measured == null ? b.inError[q] : 0);
            }
            at = join == Join.SUM ? 0 : at + b.inMax.length;
        }
        if (measured != null) {
            for (int q = 0; q < k; q++) {
                e[q] += measured[q];
            }
        }
        return e;
    }

    /**
     * Moves past a layer left linear (no shift, no activation): a branch's last layer before an
     * activated join.
     *
     * @param magnitudes per unit, a bound on {@code |H|} over the region as computed
     */
    public void leaveLinear(double[] magnitudes) {
        int k = magnitudes.length;
        inMax = new double[k];
        inError = new double[k];
        for (int q = 0; q < k; q++) {
            inMax[q] = magnitudes[q] * (1 + 2 * roundoff);
            inError[q] = error[q] + roundoff * magnitudes[q];
        }
    }
}
