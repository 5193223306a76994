package org.police4j.engine;

import static org.police4j.numeric.DoubleDouble.add;
import static org.police4j.numeric.DoubleDouble.compare;
import static org.police4j.numeric.DoubleDouble.twoSumError;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.UnaryOperator;
import org.police4j.numeric.DoubleDouble;
import org.police4j.numeric.Rounding;
import org.police4j.region.AxisPoints;

/**
 * The folded float32 network at one region's vertices, carried next to the engine's float32
 * vertex rows in double-double, with a rigorous bound of its distance to the exact values: what
 * lets the {@link RoundingGuard} measure the engine's rounding instead of bounding it a priori.
 *
 * <p>Why: the a priori bound compounds through {@code sum_j |W_kj|} (x4 to x8 per layer) while the
 * actual float32 error stays ~1e-7 of the values, so deep networks got margins, and shifts, as
 * large as their values (docs/ROUNDING-DEPTH.md). Here, for every unit k, {@code |H_pk - z*_pk| <=
 * max_p |H_pk - r_pk| + B_k}: the first term is measured (H the engine's value, r this reference's),
 * the second is this reference's own bound, which obeys the guard's recursion with a unit
 * roundoff near {@code n 2^-106} instead of {@code n 2^-24}, so it stays negligible for dozens of
 * layers.
 *
 * <p>The reference computes what the certificate checks: the region's double vertices (not their
 * float32 cast), the fold's float32 weights ({@code fl(s W)} with batch-norm) and its float32
 * biases, formed by the fold's own rule ({@link FoldedParameters}) from the engine's float32 shifts
 * once each layer is decided. Each value is an unevaluated sum {@code
 * hi + lo} with {@code |lo| <= 2^-53 |hi|}:
 *
 * <ul>
 *   <li>a product of a float32 weight and {@code hi} is exact as {@code p + fma(w, hi, -p)}; the
 *       products are summed with TwoSum, whose errors, the products' low parts and {@code w lo}
 *       go to a second double. Against the exact sum {@code b + sum_j w_j y_j} the result is off
 *       by at most {@code rho(n) (|b| + sum_j |w_j| |y_j|)}, {@code rho(n) = gamma_{2n+4} (n + 3)
 *       u (1 + gamma_n)}, {@code u = 2^-53} ({@link Rounding#gamma});
 *   <li>a bias or shift is added as an exact TwoSum pair, a sum of two pairs is off by at most
 *       {@code 8 u^2} of the addends, an average's division by {@code 8 u^2} of the quotient;
 *   <li>comparisons (activation pieces, max-pool winners) are exact, falling back to BigDecimal
 *       when the double parts do not decide; an activation's piece is then applied with its
 *       exact slope and its intercept as a pair ({@code 8 u^2} of the value);
 *   <li>every operation adds at most {@code 2^-1074} in the subnormal range ({@link #TINY} per
 *       term, generously).
 * </ul>
 *
 * The carried bound {@code Z} (largest over the vertices) then goes through each layer as in
 * {@link RoundingGuard}: {@code sum_j |W_kj| Z_j}, the largest of a window, the activation's
 * Lipschitz constant.
 */
public final class VertexReference implements RegionReference {

    /**
     * The most vertices a reference is carried for. Its Java double-double forward costs, per
     * multiply-add and vertex, tens of times what the engine's native float32 rows cost: a few
     * steps' worth on a deep CNN at 3 vertices, but 177 times a step of Table 1's MLP (784, 2, 1024) at 785
     * (docs/ROUNDING-DEPTH.md, "Cost"). Regions with more vertices keep the a priori bound, as
     * tracked maps do. A constant, not an option: the shifts depend on it, and a saved model must
     * compute the same ones when loaded.
     */
    public static final int MAX_VERTICES = 64;

    private static final double U = Rounding.U;
    /** Per term, more than any error of the subnormal range. */
    private static final double TINY = DoubleDouble.TINY;
    private static final double UU = DoubleDouble.UU;

    private final Cpa activation;
    /** The region's axis points when the rows are they (a box or an l1 ball tracked as a map), else null. */
    private final AxisPoints axes;
    private final int rows;
    private int width;
    private double[] hi;
    private double[] lo;
    private double[] err;

    // the layer entered, until it is left: its values before the fold's shift, pool and activation
    private int units;
    private double[] preHi;
    private double[] preLo;
    private double[] preErr;
    private float[] preBias;
    private PoolWindows pool;

    /**
     * @param vertices P x D, the region's vertices as given (double)
     * @param activation the network's activation
     */
    public VertexReference(double[][] vertices, Cpa activation) {
        this(vertices, null, activation);
    }

    /**
     * A reference at a box's or an l1 ball's axis points, measuring the engine's tracked map
     * ({@link #dense(NDArray, NDArray, AxisPoints, NDArray, NDArray)}).
     *
     * @param axes the region's axis points
     * @param activation the network's activation
     */
    public VertexReference(AxisPoints axes, Cpa activation) {
        this(axes.points(), axes, activation);
    }

    private VertexReference(double[][] vertices, AxisPoints axes, Cpa activation) {
        this.activation = activation;
        this.axes = axes;
        this.rows = vertices.length;
        this.width = vertices[0].length;
        this.hi = new double[rows * width];
        this.lo = new double[rows * width];
        this.err = new double[width];
        for (int p = 0; p < rows; p++) {
            System.arraycopy(vertices[p], 0, hi, p * width, width);
        }
    }

    private VertexReference(VertexReference parent) {
        this.activation = parent.activation;
        this.axes = parent.axes;
        this.rows = parent.rows;
        this.width = parent.width;
        this.hi = parent.hi;
        this.lo = parent.lo;
        this.err = parent.err;
    }

    @Override
    public VertexReference fork() {
        return new VertexReference(this);
    }

    /** At the vertices, or for a tracked map at its axis points. */
    @Override
    public double[] dense(int layer, NDArray weight, NDArray bias, RegionPass pass, LayerRange range) {
        if (axes == null) {
            return dense(weight, bias, range);
        }
        NDArray[] map = pass.enteredMap();
        return dense(weight, bias, axes, map[0], map[1]);
    }

    @Override
    public double[] conv(int layer, Stencil stencil, NDArray weight, NDArray bias, NDArray scale, NDArray offset,
            PoolWindows pool, NDArray affine, NDArray linear) {
        return axes == null ? conv(stencil, weight, bias, scale, offset, pool, affine)
                : conv(stencil, weight, bias, scale, offset, pool, axes, affine, linear);
    }

    @Override
    public double[] join(int layer, List<RegionReference> branches, Join join, RegionPass pass, LayerRange range) {
        List<VertexReference> entering = branches.stream().map(b -> (VertexReference) b).toList();
        if (axes == null) {
            return join(entering, join, range);
        }
        NDArray[] map = pass.enteredMap();
        return join(entering, join, axes, map[0], map[1]);
    }

    /** The sides are not needed: the reference proves each vertex's piece itself. */
    @Override
    public void leave(float[] shift, NDArray poolShift, float[] sides, boolean activated) {
        leave(shift, poolShift, activated);
    }

    @Override
    public void averagePool(UnaryOperator<NDArray> layer, PoolWindows windows, boolean countIncludePad) {
        averagePool(windows, countIncludePad);
    }

    /**
     * Enters a dense layer of the folded network.
     *
     * @param weightArray K x K_prev (its float32 values are the fold's)
     * @param biasArray K, as before the shift
     * @param range the engine's pre-activations of the layer at the vertices
     * @return K rigorous bounds of {@code max_p |H_pk - z*_pk|}, z* the exact folded values
     *     before the shift (the guard's {@code measured})
     */
    public double[] dense(NDArray weightArray, NDArray biasArray, LayerRange range) {
        enterDense(weightArray, biasArray);
        return measured(engineValues(range));
    }

    /**
     * Enters a dense layer for a region the engine carries as an affine map {@code h(x) = a + A^T
     * (x - c)}, this reference's rows being the region's {@link AxisPoints}: {@code f = h - z*} is
     * affine on R (the layers before hold R on one piece), so with {@code m_p} the measured {@code
     * f} at the points, {@code |f(x)| <= |f(c)| + sum_i k_i |f(p_i) - f(c)|} everywhere on R, each
     * term widened by the reference's own bound. Why: a deep network on a box otherwise keeps the
     * a priori bound, which compounds through {@code |W|} to margins the size of the values
     * (docs/ROUNDING-DEPTH.md, "Boxes of few coordinates").
     *
     * @param weightArray K x K_prev (its float32 values are the fold's)
     * @param biasArray K, as before the shift
     * @param axes the region's axis points, as this reference's rows
     * @param centre the engine's map at the centre, {@code a} (1 x K)
     * @param directions the engine's {@code A^T} (D x K)
     * @return K rigorous bounds of {@code max_{x in R} |h_k(x) - z*_k(x)|} before the shift
     */
    public double[] dense(NDArray weightArray, NDArray biasArray, AxisPoints axes, NDArray centre, NDArray directions) {
        enterDense(weightArray, biasArray);
        return measuredOnAxes(axes, doubles(centre), doubles(directions));
    }

    private void enterDense(NDArray weightArray, NDArray biasArray) {
        float[] weight = LayerRange.floats(weightArray);
        float[] bias = LayerRange.floats(biasArray);
        int n = width;
        if (weight.length != (long) bias.length * n) {
            throw new IllegalArgumentException("weight: " + weight.length + " values, expected " + bias.length + " x " + n);
        }
        denseSums(bias.length, weight, bias);
    }

    /**
     * Enters a conv group of the folded network: the convolution with the fold's weights {@code
     * fl(s W)} and per-channel bias {@code fl(fl(s b) + t)} (batch-norm folded as {@code
     * conv.ConvFold} folds it), the pool applied when the group is left.
     *
     * @param stencil the convolution's geometry
     * @param weightArray (C', C / groups, kh, kw) as the layer holds it
     * @param biasArray C' biases
     * @param scaleArray C' factors of the per-channel affine map, or null for none
     * @param offsetArray C' offsets of that map, or null
     * @param pool the max-pool's windows, or null for no pool
     * @param engine the engine's values before the pool shift, (P, C', H', W')
     * @return per position before the pool, a rigorous bound of {@code max_p |a_pq - z*_pq|}
     */
    public double[] conv(
            Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, NDArray engine) {
        return conv(stencil, weightArray, biasArray, scaleArray, offsetArray, pool, engine, stencil.sumsAcrossChannels());
    }

    /**
     * {@link #conv(Stencil, NDArray, NDArray, NDArray, NDArray, PoolWindows, NDArray)} with the sums
     * run across a group's output channels or across a row's columns ({@link PairConv}): the same
     * sums in the same order, so the same bits (tested).
     */
    double[] conv(
            Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, NDArray engine, boolean byChannels) {
        enterConv(stencil, weightArray, biasArray, scaleArray, offsetArray, pool, byChannels);
        return measured(doubles(engine));
    }

    /**
     * {@link #conv(Stencil, NDArray, NDArray, NDArray, NDArray, PoolWindows, NDArray)} for a region
     * carried as an affine map, this reference's rows being its {@link AxisPoints}, as {@link
     * #dense(NDArray, NDArray, AxisPoints, NDArray, NDArray)} measures a dense layer: per position
     * before the pool (the window margins keep each window's winner the same over R, so the error
     * after the pool is affine on R too).
     *
     * @param stencil the convolution's geometry
     * @param weightArray (C', C / groups, kh, kw) as the layer holds it
     * @param biasArray C' biases
     * @param scaleArray C' factors of the per-channel affine map, or null for none
     * @param offsetArray C' offsets of that map, or null
     * @param pool the max-pool's windows, or null for no pool
     * @param axes the region's axis points, as this reference's rows
     * @param centre the engine's map at the centre before the pool shift, (1, C', H', W')
     * @param directions the engine's directions before the pool, (D, C', H', W')
     * @return per position before the pool, a rigorous bound of {@code max_{x in R} |h_q(x) - z*_q(x)|}
     */
    public double[] conv(
            Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, AxisPoints axes, NDArray centre, NDArray directions) {
        enterConv(stencil, weightArray, biasArray, scaleArray, offsetArray, pool, stencil.sumsAcrossChannels());
        return measuredOnAxes(axes, doubles(centre), doubles(directions));
    }

    private void enterConv(
            Stencil stencil, NDArray weightArray, NDArray biasArray, NDArray scaleArray, NDArray offsetArray,
            PoolWindows pool, boolean byChannels) {
        float[] weight = LayerRange.floats(weightArray);
        float[] bias = LayerRange.floats(biasArray);
        float[] scale = scaleArray == null ? null : LayerRange.floats(scaleArray);
        float[] offset = offsetArray == null ? null : LayerRange.floats(offsetArray);
        if (width != stencil.inputs() || weight.length != stencil.weights()) {
            throw new IllegalArgumentException("weight: " + weight.length + " values for " + stencil + ", inputs " + width);
        }
        FoldedParameters.Conv folded = FoldedParameters.conv(weight, bias, scale, offset, stencil.outH() * stencil.outW());
        PairConv.Pairs out = PairConv.apply(
                stencil, folded.weights(), folded.positionBias(), new PairConv.Pairs(hi, lo, err), byChannels);
        entered(stencil.outputs(), out.hi(), out.lo(), out.err(), folded.positionBias(), pool);
    }

    /**
     * Enters the units of a join: the branches' references, summed or concatenated (the join's
     * folded bias is its shift alone).
     *
     * @param branches the references that went through each branch, in branch order
     * @param join how they are combined
     * @param range the engine's joined values at the vertices
     * @return per joined value, a rigorous bound of {@code max_p |H_pk - z*_pk|}
     */
    public double[] join(List<VertexReference> branches, Join join, LayerRange range) {
        enterJoin(branches, join);
        return measured(engineValues(range));
    }

    /**
     * {@link #join(List, Join, LayerRange)} for a region carried as an affine map, this
     * reference's rows being its {@link AxisPoints}, as {@link #dense(NDArray, NDArray, AxisPoints,
     * NDArray, NDArray)} measures a dense layer.
     *
     * @param branches the references that went through each branch, in branch order
     * @param join how they are combined
     * @param axes the region's axis points, as this reference's rows
     * @param centre the engine's joined map at the centre (1 x K)
     * @param directions the engine's joined {@code A^T} (D x K)
     * @return per joined value, a rigorous bound of {@code max_{x in R} |h_k(x) - z*_k(x)|}
     */
    public double[] join(List<VertexReference> branches, Join join, AxisPoints axes, NDArray centre, NDArray directions) {
        enterJoin(branches, join);
        return measuredOnAxes(axes, doubles(centre), doubles(directions));
    }

    private void enterJoin(List<VertexReference> branches, Join join) {
        int k = 0;
        for (VertexReference b : branches) {
            k = join == Join.SUM ? b.width : k + b.width;
        }
        double[] h = new double[rows * k];
        double[] l = new double[rows * k];
        double[] e = new double[k];
        double[] pair = new double[2];
        int at = 0;
        for (VertexReference b : branches) {
            for (int q = 0; q < b.width; q++) {
                double added = 0;
                for (int p = 0; p < rows; p++) {
                    int to = p * k + at + q;
                    int from = p * b.width + q;
                    if (join == Join.SUM && at == 0 && b != branches.get(0)) {
                        added = Math.max(added, add(h[to], l[to], b.hi[from], b.lo[from], pair));
                        h[to] = pair[0];
                        l[to] = pair[1];
                    } else {
                        h[to] = b.hi[from];
                        l[to] = b.lo[from];
                    }
                }
                e[at + q] += b.err[q] + added;
            }
            at = join == Join.SUM ? 0 : at + b.width;
        }
        entered(k, h, l, e, new float[k], null);
    }

    /**
     * Leaves the layer entered: the fold's biases formed from the engine's float32 shifts (and
     * pool shift), the pool, the activation.
     *
     * @param shift one float32 shift per unit (after the pool), zeros for a layer left linear
     * @param poolShiftArray the pool shift per position before the pool, or null without a pool
     * @param activated whether the units are activated (false: a layer left linear)
     */
    public void leave(float[] shift, NDArray poolShiftArray, boolean activated) {
        float[] poolShift = pool == null ? null : LayerRange.floats(poolShiftArray);
        int k = units;
        float[] bias = FoldedParameters.shifted(preBias, pool, shift, poolShift);
        boolean tiles = pool == null || pool.tiles();
        double[] pair = new double[2];
        double[] h = new double[rows * k];
        double[] l = new double[rows * k];
        double[] e = preErr.clone();
        for (int q = 0; q < k; q++) {
            double dh = (double) bias[q] - preBias[q];
            double dl = twoSumError(bias[q], -(double) preBias[q], dh);
            double added = 0;
            for (int p = 0; p < rows; p++) {
                int i = p * k + q;
                added = Math.max(added, add(preHi[i], preLo[i], dh, dl, pair));
                h[i] = pair[0];
                l[i] = pair[1];
            }
            e[q] += added + TINY;
        }
        if (pool != null) {
            int n = pool.outputs();
            double[] ph = new double[rows * n];
            double[] pl = new double[rows * n];
            double[] pe = new double[n];
            for (int u = 0; u < n; u++) {
                int[] members = pool.members(u);
                double worst = 0;
                for (int q : members) {
                    worst = Math.max(worst, e[q]);
                }
                double added = 0;
                for (int p = 0; p < rows; p++) {
                    int best = p * k + members[0];
                    for (int m = 1; m < members.length; m++) {
                        int i = p * k + members[m];
                        if (compare(h[i], l[i], h[best], l[best]) > 0) {
                            best = i;
                        }
                    }
                    double bh = h[best];
                    double bl = l[best];
                    if (!tiles) {
                        // overlapping windows: the unit's shift is the pool's bias, after the max
                        added = Math.max(added, add(bh, bl, shift[u], 0, pair));
                        bh = pair[0];
                        bl = pair[1];
                    }
                    ph[p * n + u] = bh;
                    pl[p * n + u] = bl;
                }
                pe[u] = worst + added + TINY;
            }
            h = ph;
            l = pl;
            e = pe;
            k = n;
        }
        if (activated) {
            activate(h, l, e, k);
        }
        width = k;
        hi = h;
        lo = l;
        err = e;
        preHi = null;
        preLo = null;
        preErr = null;
    }

    /**
     * Moves through an average pool (windowed or global), which has no units: each window's
     * pairs summed, then divided by its divisor as PyTorch's rule gives it.
     *
     * @param windows the pool's windows
     * @param countIncludePad whether padded positions count in the divisor
     */
    public void averagePool(PoolWindows windows, boolean countIncludePad) {
        if (width != windows.inputs()) {
            throw new IllegalArgumentException("averagePool: " + width + " inputs, expected " + windows.inputs());
        }
        int n = windows.outputs();
        double[] h = new double[rows * n];
        double[] l = new double[rows * n];
        double[] e = new double[n];
        double[] pair = new double[2];
        for (int u = 0; u < n; u++) {
            int[] members = windows.members(u);
            int divisor = windows.divisor(u, countIncludePad);
            double worst = 0;
            for (int i : members) {
                worst = Math.max(worst, err[i]);
            }
            double rounding = 0;
            for (int p = 0; p < rows; p++) {
                double sh = 0;
                double sl = 0;
                double added = 0;
                for (int i : members) {
                    added += add(sh, sl, hi[p * width + i], lo[p * width + i], pair);
                    sh = pair[0];
                    sl = pair[1];
                }
                // (sh + sl) / divisor: q1 + (remainder + sl) / divisor, the remainder exact by fma
                double q1 = sh / divisor;
                double r = Math.fma(-q1, divisor, sh);
                double q2 = (r + sl) / divisor;
                double s = q1 + q2;
                h[p * n + u] = s;
                l[p * n + u] = twoSumError(q1, q2, s);
                rounding = Math.max(rounding, added / divisor + UU * (Math.abs(q1) + Math.abs(q2)));
            }
            // an average of values each off by at most `worst` is off by at most `worst`
            e[u] = worst + rounding + TINY * (members.length + 4);
        }
        width = n;
        hi = h;
        lo = l;
        err = e;
    }

    /**
     * The sums {@code bias_q + sum_j W_qj y_j} of every vertex, as pairs, and their bound. The
     * vertices' inputs are laid out input by input first ({@code y_j} of every vertex side by
     * side), so each weight's multiply-add runs over contiguous values at every vertex, a loop C2
     * vectorises; each sum's terms are still added in input order, so the bits are those of one
     * vertex at a time.
     */
    private void denseSums(int k, float[] weight, float[] bias) {
        double[] xMax = PairConv.magnitudes(new PairConv.Pairs(hi, lo, err));
        double[] h = new double[rows * k];
        double[] l = new double[rows * k];
        double[] e = new double[k];
        double[] z = err;
        int wd = width;
        int p0 = rows;
        double[] x = new double[p0 * wd]; // input-major: x[j * P + p]
        double[] xl = new double[p0 * wd];
        for (int p = 0; p < p0; p++) {
            for (int j = 0; j < wd; j++) {
                x[j * p0 + p] = hi[p * wd + j];
                xl[j * p0 + p] = lo[p * wd + j];
            }
        }
        Loops.parallel(k, (long) wd * (p0 + 1), q -> { // each unit writes its own outputs: the same bits on any threads
            double[] sum = new double[p0];
            double[] low = new double[p0];
            double b = bias[q];
            java.util.Arrays.fill(sum, b);
            double magnitude = Math.abs(b);
            double carried = 0;
            int o = q * wd;
            for (int j = 0; j < wd; j++) {
                double w = weight[o + j];
                double aw = Math.abs(w);
                magnitude += aw * xMax[j];
                carried += aw * z[j];
                int at = j * p0;
                for (int p = 0; p < p0; p++) {
                    DoubleDouble.multiplyAdd(w, x[at + p], xl[at + p], sum, low, p);
                }
            }
            for (int p = 0; p < p0; p++) {
                double s = sum[p] + low[p];
                h[p * k + q] = s;
                l[p * k + q] = twoSumError(sum[p], low[p], s);
            }
            e[q] = DoubleDouble.Dot.bound(magnitude, carried, wd);
        });
        entered(k, h, l, e, bias, null);
    }

    /** The layer entered: its K values per vertex before the fold's bias change, their bound, bias and pool. */
    private void entered(int k, double[] h, double[] l, double[] e, float[] bias, PoolWindows windows) {
        units = k;
        preHi = h;
        preLo = l;
        preErr = e;
        preBias = bias;
        pool = windows;
    }

    /**
     * Per unit (position before a pool), {@code max_p |engine_pk - r_pk| + B_k}, rounded up: with
     * {@code d = fl(engine - hi)} and {@code v = fl(d - lo)}, {@code |engine - hi - lo| <= (|v| + u
     * |d|)(1 + u)}.
     */
    private double[] measured(double[] engine) {
        int k = units;
        if (engine.length != (long) rows * k) {
            throw new IllegalArgumentException("engine values: " + engine.length + ", expected " + rows + " x " + k);
        }
        double[] m = new double[k];
        for (int p = 0; p < rows; p++) {
            for (int q = 0; q < k; q++) {
                int i = p * k + q;
                double d = engine[i] - preHi[i];
                double v = d - preLo[i];
                m[q] = Math.max(m[q], (Math.abs(v) + U * Math.abs(d)) * (1 + 4 * U));
            }
        }
        for (int q = 0; q < k; q++) {
            m[q] = Rounding.up(m[q] + preErr[q] + TINY);
        }
        return m;
    }

    /**
     * Per unit, {@code |m_c| + e_c + B + sum_i k_i (|m_i - m_c| (1 + 2u) + e_i + e_c + 2 B)}, rounded
     * up: {@code m_p} the engine's map at row p less this reference's pair ({@code e_p} bounds
     * that subtraction's rounding and the engine value's own), {@code B} the reference's bound.
     */
    private double[] measuredOnAxes(AxisPoints axes, double[] a, double[] at) {
        int k = units;
        if (rows != axes.spanned() + 1) {
            throw new IllegalArgumentException("axes: " + axes.spanned() + " points and the centre, for " + rows + " rows");
        }
        if (a.length != k || at.length != (long) axes.dimension() * k) {
            throw new IllegalArgumentException("engine map: " + a.length + " values and " + at.length
                    + " directions, expected " + k + " and " + axes.dimension() + " x " + k);
        }
        int g = axes.spanned();
        double[] bound = new double[k];
        double[] e = new double[2];
        for (int q = 0; q < k; q++) {
            double mc = difference(a[q], 0, 0, q, e);
            double ec = e[0];
            double b = preErr[q];
            double sum = Math.abs(mc) + ec + b;
            for (int i = 0; i < g; i++) {
                // the engine's map at p_i, exactly a + A^T (p_i - c) = a + at d_i, d_i = step + stepLow
                double w = at[axes.axes()[i] * k + q];
                double step = axes.steps()[i];
                double ph = w * step;
                double pl = Math.fma(w, step, -ph);
                double t = w * axes.stepLows()[i];
                double sh = a[q] + ph;
                double se = DoubleDouble.twoSumError(a[q], ph, sh);
                double low = (se + pl) + t;
                double engineError = 2 * U * (Math.abs(se) + Math.abs(pl) + Math.abs(t)) + U * Math.abs(t);
                double mi = difference(sh, low, engineError, (i + 1) * k + q, e);
                double diff = mi - mc;
                sum += axes.factors()[i] * (Math.abs(diff) * (1 + 2 * U) + e[0] + ec + 2 * b);
            }
            bound[q] = Rounding.up(sum + TINY);
        }
        return bound;
    }

    /**
     * {@return {@code m = (eh + el) - (hi_i + lo_i)} rounded, and into {@code error[0]} a bound of
     * its distance to the exact difference plus {@code engineError}}
     */
    private double difference(double eh, double el, double engineError, int i, double[] error) {
        double s1 = eh - preHi[i];
        double s2 = el - preLo[i];
        double m = s1 + s2;
        error[0] = 2 * U * (Math.abs(s1) + Math.abs(s2) + Math.abs(m)) + engineError;
        return m;
    }

    /**
     * The activation on every pair, exactly up to {@code 8 u^2} of the value, and the bound through
     * it: where every vertex's exact value is proved on one piece ({@link Cpa#position(double,
     * double, double)}), the pair and the exact value share that piece and the bound goes on times
     * its |slope| (0 on ReLU's flat side: an exact 0); else times the Lipschitz constant. Why: the
     * bound compounds through {@code |W|} of every unit it passes, and half a ReLU network's units
     * are off (docs/ROUNDING-DEPTH.md, "Pieces, not Lipschitz").
     */
    private void activate(double[] h, double[] l, double[] e, int k) {
        double lip = activation.lipschitz();
        double[] pair = new double[2];
        double[] added = new double[k];
        double[] slope = new double[k];
        for (int p = 0; p < rows; p++) {
            for (int q = 0; q < k; q++) {
                int i = p * k + q;
                int code = activation.position(h[i], l[i], e[q]);
                slope[q] = code == Cpa.UNDECIDED ? lip : Math.max(slope[q], activation.slopeBound(code));
                added[q] = Math.max(added[q], apply(h[i], l[i], pair));
                h[i] = pair[0];
                l[i] = pair[1];
            }
        }
        for (int q = 0; q < k; q++) {
            double carried = slope[q] * e[q];
            e[q] = carried + added[q] == 0 ? 0 : Rounding.up(carried + added[q]) + TINY;
        }
    }

    /** f(hi + lo) into {@code out}; returns a bound of the error. */
    private double apply(double h, double l, double[] out) {
        int piece;
        if (activation.singleKinkAtZero()) {
            int sign = compare(h, l, 0, 0);
            if (sign >= 0 || activation.kind() == Cpa.Kind.RELU) {
                out[0] = sign >= 0 ? h : 0;
                out[1] = sign >= 0 ? l : 0;
                return 0;
            }
            if (activation.kind() == Cpa.Kind.ABS) {
                out[0] = -h;
                out[1] = -l;
                return 0;
            }
            piece = 0;
        } else {
            piece = 0;
            while (piece < activation.kinkCount() && compare(h, l, activation.kink(piece), 0) > 0) {
                piece++;
            }
        }
        return activation.applyPiece(piece, h, l, out); // a_j x + b_j
    }

    /** The engine's values as doubles, from the range's float32 copy when it holds float32. */
    private static double[] engineValues(LayerRange range) {
        NDArray v = range.hostVertices() == null ? range.vertices() : null;
        return v != null && v.getDataType() == DataType.FLOAT64 ? v.toDoubleArray() : widen(range.hostValues());
    }

    private static double[] doubles(NDArray a) {
        return a.getDataType() == DataType.FLOAT64 ? a.toDoubleArray() : widen(LayerRange.floats(a));
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** {@return the number of values the reference holds per vertex} */
    public int width() {
        return width;
    }

    /**
     * {@return the reference's values at vertex p, rounded to double (for tests and evidence)}
     *
     * @param p the vertex
     */
    public double[] values(int p) {
        double[] v = new double[width];
        for (int j = 0; j < width; j++) {
            v[j] = hi[p * width + j] + lo[p * width + j];
        }
        return v;
    }

    /**
     * {@return value j at vertex p exactly, {@code hi + lo} (for tests)}
     *
     * @param p the vertex
     * @param j the value
     */
    BigDecimal exactValue(int p, int j) {
        return new BigDecimal(hi[p * width + j]).add(new BigDecimal(lo[p * width + j]));
    }

    /** {@return per value, the bound of its distance to the exact folded network's, over the vertices} */
    public double[] bounds() {
        return err.clone();
    }
}
