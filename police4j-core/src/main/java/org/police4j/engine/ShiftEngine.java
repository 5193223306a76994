package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;

/**
 * Algorithm 1 of the paper, for one hidden layer: given what a region's vertices (or its support)
 * make of the layer's pre-activations, pick a side of the kink for every unit and compute the
 * smallest bias shift that puts the whole region on that side. Training, fold and the tests all
 * call this one class, so the rule lives in exactly one place.
 *
 * <p>With the paper's {@link SignRule#MAJORITY} rule, {@code s_k = +1} when at least half of the
 * P vertices have a strictly positive pre-activation, else -1. Votes are counted as integers and
 * compared with {@code ceil(P/2)}; the authors' code counted in half precision, where its
 * tie-breaking constant vanished and tied units (common for even P) were left unshifted, breaking
 * the guarantee. The sign carries no gradient (it comes from a comparison); the shift {@code c_k =
 * s_k max_p ReLU(margin - s_k H[p,k])} does, through the max over the vertices, so the optimiser
 * sees how the constraint moves with the weights.
 *
 * <p>The margin pushes every vertex at least {@code margin} past the kink instead of exactly
 * onto it. With margin 0 (the paper's rule) the constrained forward is exact in float32, but once
 * the shift is folded into a float32 bias, rounding leaves a vertex a few ulps on the wrong side
 * in most networks (measured: 198 of 200 random networks failed the exact certificate), so the
 * default is {@link #DEFAULT_MARGIN}, which certified all 200.
 *
 * <p>Float32 vertex arrays are decided in Java (one copy out, row-major loops) and only the
 * differentiable part is rebuilt in the engine, from the worst vertex of each unit; the dense form
 * stays as the reference (float64, support regions) and the tests hold the two to each other bit
 * for bit. See {@link #onHost} for the measured reason.
 */
public final class ShiftEngine {

    /** Default margin, in units of pre-activation. */
    public static final double DEFAULT_MARGIN = 1e-4;

    /**
     * Vertex arrays up to this many entries (256 MB as floats) are decided in Java (see {@link
     * #onHost}); larger ones stay in the engine rather than strain the Java heap. (3073 x 4096,
     * the largest of Table 1, is 12.6 M.)
     */
    static final long MAX_HOST_ENTRIES = 1L << 26;

    private final double margin;
    private final SignRule rule;

    /**
     * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
     * @param rule how the side of each unit is chosen
     */
    public ShiftEngine(double margin, SignRule rule) {
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("margin must be finite and >= 0, got " + margin);
        }
        if (rule == null) {
            throw new IllegalArgumentException("rule: null; expected a SignRule");
        }
        this.margin = margin;
        this.rule = rule;
    }

    /**
     * The paper's majority rule with the given margin.
     *
     * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
     */
    public ShiftEngine(double margin) {
        this(margin, SignRule.MAJORITY);
    }

    /** {@return the paper's rule exactly: majority sign, vertices pushed onto the kink, no margin} */
    public static ShiftEngine paper() {
        return new ShiftEngine(0);
    }

    /** {@return how far past the kink every vertex is pushed} */
    public double margin() {
        return margin;
    }

    /** {@return how the side of each unit is chosen} */
    public SignRule rule() {
        return rule;
    }

    /**
     * The signs and shifts of one layer. Signs decided in Java become an engine array only when
     * asked for (a trace, the fold, a tracked map): a training step through vertex rows never
     * needs them, and each array costs a native call to make and one to free.
     */
    public static final class Shift {
        private final NDArray shift;
        private NDArray signs;
        private final float[] hostSigns;
        private final NDManager manager;
        private float[] hostShift;

        /**
         * @param signs K values +1/-1, without gradient
         * @param shift K shifts, differentiable
         */
        public Shift(NDArray signs, NDArray shift) {
            this.signs = signs;
            this.shift = shift;
            this.hostSigns = null;
            this.manager = null;
        }

        private Shift(float[] hostSigns, NDManager manager, NDArray shift, float[] hostShift) {
            this.hostSigns = hostSigns;
            this.manager = manager;
            this.shift = shift;
            this.hostShift = hostShift;
        }

        /** {@return the K shifts as float32 values (computed in Java where the engine decided there)} */
        public float[] hostShift() {
            if (hostShift == null) {
                hostShift = LayerRange.floats(shift);
            }
            return hostShift;
        }

        /** {@return the K shifts, differentiable} */
        public NDArray shift() {
            return shift;
        }

        /** {@return the K signs (+1/-1), without gradient} */
        public NDArray signs() {
            if (signs == null) {
                signs = manager.create(hostSigns);
            }
            return signs;
        }
    }

    /**
     * The side and shift of every unit for a single region.
     *
     * @param range the region's pre-activations for this layer
     * @return K signs (no gradient) and K shifts (differentiable)
     */
    public Shift shift(LayerRange range) {
        if (range.hostVertices() != null) {
            return constantShift(range);
        }
        if (range.hasVertices() && onHost(range.vertices())) {
            return hostShift(range);
        }
        return denseShift(range);
    }

    /**
     * {@link #shift(LayerRange)} with engine arrays only: the reference form, used for float64
     * and for regions given by their support; the tests hold the Java path to it.
     */
    Shift denseShift(LayerRange range) {
        NDArray s = denseSigns(range);
        if (range.hasVertices()) {
            NDArray h = checkedRows(range.vertices());
            return new Shift(s, shift(h, s, marginArray(range, h)));
        }
        // c = s * relu(margin - m), m = lo where s = +1 and -hi where s = -1.
        NDArray up = s.add(1).div(2);
        NDArray m = range.lo().mul(up).sub(range.hi().mul(up.neg().add(1)));
        NDArray perUnit = marginArray(range, m);
        NDArray gap = perUnit == null ? m.neg().add(margin) : m.neg().add(perUnit);
        return new Shift(s, Activation.relu(gap).mul(s));
    }

    /**
     * The sign of every unit under this engine's rule, in the dtype of the pre-activations.
     *
     * @param range the region's pre-activations for this layer
     * @return K values +1/-1, without gradient
     */
    public NDArray signs(LayerRange range) {
        float[] host = range.hostVertices();
        if (host != null) {
            int k = host.length / range.hostRows();
            return range.manager().create(hostSigns(host, range.hostRows(), k, margins(range, k)));
        }
        if (range.hasVertices() && onHost(range.vertices())) {
            NDArray h = checkedRows(range.vertices());
            int p = (int) h.getShape().get(0);
            int k = (int) (h.size() / p);
            return h.getManager().create(hostSigns(range.hostValues(), p, k, margins(range, k)));
        }
        return denseSigns(range);
    }

    private NDArray denseSigns(LayerRange range) {
        NDArray positive;
        switch (rule) {
            case MAJORITY:
                if (!range.hasVertices()) {
                    throw new IllegalArgumentException(
                            "sign rule MAJORITY needs vertices; a region given by its support must use"
                                    + " MINIMAL_SHIFT or CENTER");
                }
                NDArray h = checkedRows(range.vertices());
                // count >= P/2  <=>  count >= ceil(P/2) for integers: no fraction, no rounding.
                long needed = (h.getShape().get(0) + 1) / 2;
                positive = h.gt(0).sum(new int[] {0}).gte(needed);
                break;
            case MINIMAL_SHIFT:
                NDArray perUnit = marginArray(range, range.lo());
                NDArray up = Activation.relu(perUnit == null ? range.lo().neg().add(margin) : range.lo().neg().add(perUnit));
                NDArray down = Activation.relu(perUnit == null ? range.hi().add(margin) : range.hi().add(perUnit));
                positive = up.lte(down);
                break;
            default:
                positive = range.centre().gte(0);
                break;
        }
        return positive.toType(range.lo().getDataType(), false).mul(2).sub(1).stopGradient();
    }

    /**
     * The sign of every unit for a region given by its vertices (the paper's majority vote: +1
     * where at least half of the vertices are strictly positive, else -1).
     *
     * @param vertexPreActivations P x K pre-activations of the vertex rows
     * @return K signs, without gradient
     */
    public NDArray signs(NDArray vertexPreActivations) {
        return signs(LayerRange.ofVertices(vertexPreActivations));
    }

    /**
     * The shift of every unit, {@code c_k = s_k max_p ReLU(margin - s_k H[p,k])}: zero for a unit
     * whose vertices all sit at least {@code margin} on the chosen side, otherwise the distance
     * of the worst vertex. Differentiable in {@code vertexPreActivations}.
     *
     * @param vertexPreActivations P x K pre-activations of the vertex rows
     * @param signs the K signs
     * @return K shifts
     */
    public NDArray shift(NDArray vertexPreActivations, NDArray signs) {
        return shift(vertexPreActivations, signs, null);
    }

    private NDArray shift(NDArray vertexPreActivations, NDArray signs, NDArray perUnitMargins) {
        // max_p ReLU(margin - s H[p]) = ReLU(margin - min_p s H[p]): the same value and the same
        // gradient (to the worst vertex), with one pass over the P x K array instead of four.
        NDArray worst = vertexPreActivations.mul(signs).min(new int[] {0});
        NDArray gap = perUnitMargins != null
                ? worst.sub(perUnitMargins).neg()
                : margin > 0 ? worst.sub(margin).neg() : worst.neg();
        return Activation.relu(gap).mul(signs);
    }

    /** The range's per-unit margins as an engine array in the dtype of {@code like}, or null. */
    private static NDArray marginArray(LayerRange range, NDArray like) {
        float[] m = range.margins();
        return m == null ? null : like.getManager().create(m).toType(like.getDataType(), false);
    }

    /** Each unit's margin as float32: the range's own, or this engine's for every unit. */
    private float[] margins(LayerRange range, int k) {
        float[] m = range.margins();
        if (m != null) {
            if (m.length != k) {
                throw new IllegalArgumentException("margins: " + m.length + " values, expected " + k);
            }
            return m;
        }
        float[] same = new float[k];
        Arrays.fill(same, (float) margin);
        return same;
    }

    /**
     * Whether the rule and the worst vertices are found in Java. Measured on CPU: PyTorch's {@code
     * min} over the vertex axis with indices takes 4.8 ms on a 785 x 1024 array, one copy out
     * plus a Java pass 1.3-1.5 ms; and for the tiny arrays of 2-D regions one copy replaces five
     * or six native calls. Arrays on a GPU stay there (not measured; a copy to the host per layer
     * would likely cost more than it saves).
     */
    private static boolean onHost(NDArray h) {
        return h.getDataType() == DataType.FLOAT32 && h.size() <= MAX_HOST_ENTRIES && !h.getDevice().isGpu();
    }

    private static NDArray checkedRows(NDArray h) {
        requireRows(h.getShape().get(0));
        return h;
    }

    private static void requireRows(long p) {
        if (p == 0) {
            throw new IllegalArgumentException("vertexPreActivations: no vertex rows (P = 0)");
        }
    }

    /**
     * The sign rule on a row-major P x K copy. Votes are counted in integers, centres summed in
     * double; the loops run along rows so that large arrays stream through the cache.
     */
    private float[] hostSigns(float[] values, int p, int k, float[] margins) {
        float[] signs = new float[k];
        switch (rule) {
            case MAJORITY: {
                int[] positive = new int[k];
                for (int row = 0; row < p; row++) {
                    int o = row * k;
                    for (int unit = 0; unit < k; unit++) {
                        if (values[o + unit] > 0) {
                            positive[unit]++;
                        }
                    }
                }
                long needed = (p + 1L) / 2; // count >= P/2 <=> count >= ceil(P/2)
                for (int unit = 0; unit < k; unit++) {
                    signs[unit] = positive[unit] >= needed ? 1f : -1f;
                }
                break;
            }
            case MINIMAL_SHIFT: {
                float[] lo = new float[k];
                float[] hi = new float[k];
                Arrays.fill(lo, Float.POSITIVE_INFINITY);
                Arrays.fill(hi, Float.NEGATIVE_INFINITY);
                for (int row = 0; row < p; row++) {
                    int o = row * k;
                    for (int unit = 0; unit < k; unit++) {
                        lo[unit] = Math.min(lo[unit], values[o + unit]);
                        hi[unit] = Math.max(hi[unit], values[o + unit]);
                    }
                }
                for (int unit = 0; unit < k; unit++) {
                    // in float32, as the dense form computes relu(margin - lo) <= relu(hi + margin)
                    boolean up = Math.max(0f, margins[unit] - lo[unit]) <= Math.max(0f, hi[unit] + margins[unit]);
                    signs[unit] = up ? 1f : -1f;
                }
                break;
            }
            default: {
                double[] sum = new double[k];
                for (int row = 0; row < p; row++) {
                    int o = row * k;
                    for (int unit = 0; unit < k; unit++) {
                        sum[unit] += values[o + unit];
                    }
                }
                for (int unit = 0; unit < k; unit++) {
                    signs[unit] = sum[unit] >= 0 ? 1f : -1f;
                }
                break;
            }
        }
        return signs;
    }

    /**
     * What the Java path decides for every unit: its side, its worst vertex {@code p*} (the first
     * on ties, as {@code min} picks) and whether it needs a shift at all.
     */
    private record Decision(float[] signs, int[] worst, boolean[] shifted, boolean anyShift) {}

    private Decision decide(float[] values, int p, int k, float[] margins) {
        float[] signs = hostSigns(values, p, k, margins);
        float[] best = new float[k];
        int[] worst = new int[k];
        Arrays.fill(best, Float.POSITIVE_INFINITY);
        for (int row = 0; row < p; row++) {
            int o = row * k;
            for (int unit = 0; unit < k; unit++) {
                float v = signs[unit] * values[o + unit];
                if (!(v < best[unit])) {
                    if (Float.isNaN(v)) {
                        throw notFinite(row, unit, v);
                    }
                } else {
                    best[unit] = v;
                    worst[unit] = row;
                }
            }
        }
        // ReLU(margin - best) > 0 iff best < margin (ReLU'(0) = 0: a vertex exactly at the
        // margin gets no shift and no gradient, as in the dense form).
        boolean[] shifted = new boolean[k];
        boolean any = false;
        for (int unit = 0; unit < k; unit++) {
            if (Float.isInfinite(best[unit])) {
                throw notFinite(worst[unit], unit, best[unit]);
            }
            shifted[unit] = best[unit] < margins[unit];
            any |= shifted[unit];
        }
        return new Decision(signs, worst, shifted, any);
    }

    /**
     * {@link #shift(LayerRange)} decided in Java from one copy of the vertex pre-activations. The
     * engine then only rebuilds the differentiable part, {@code c_k = w_k H[p*_k, k] + e_k} with
     * {@code w_k = -1, e_k = s_k margin} on the shifted units and 0 elsewhere: bit for bit the
     * dense form's value ({@code s margin - H[p*, k]}) and its gradient (-1 to the worst vertex),
     * from three calls on K-vectors instead of two passes over the P x K array, and none once no
     * unit needs a shift.
     */
    private Shift hostShift(LayerRange range) {
        NDArray h = checkedRows(range.vertices());
        int p = (int) h.getShape().get(0);
        int k = (int) (h.size() / p);
        float[] values = range.hostValues();
        float[] margins = margins(range, k);
        Decision d = decide(values, p, k, margins);
        NDManager manager = h.getManager();
        float[] host = hostValues(values, k, margins, d);
        if (!d.anyShift()) {
            return new Shift(d.signs(), manager, manager.zeros(new Shape(k), h.getDataType()), host);
        }
        long[] index = new long[k];
        float[] weight = new float[k];
        float[] offset = new float[k];
        boolean anyOffset = false;
        for (int unit = 0; unit < k; unit++) {
            index[unit] = (long) d.worst()[unit] * k + unit;
            if (d.shifted()[unit]) {
                weight[unit] = -1f;
                offset[unit] = d.signs()[unit] * margins[unit];
                anyOffset |= offset[unit] != 0;
            }
        }
        NDArray shift = h.take(manager.create(index)).mul(manager.create(weight));
        return new Shift(d.signs(), manager, anyOffset ? shift.add(manager.create(offset)) : shift, host);
    }

    /**
     * The shifts as float32 values, {@code fl(s m - H[p*, k])} on the shifted units: the same
     * single rounding the engine makes, so bit for bit its result.
     */
    private static float[] hostValues(float[] values, int k, float[] margins, Decision d) {
        float[] shift = new float[k];
        for (int unit = 0; unit < k; unit++) {
            if (d.shifted()[unit]) {
                shift[unit] = d.signs()[unit] * margins[unit] - values[d.worst()[unit] * k + unit];
            }
        }
        return shift;
    }

    private static IllegalStateException notFinite(int row, int unit, float value) {
        return new IllegalStateException("vertex " + row + ", unit " + unit + ": pre-activation " + value
                + " is not finite; training diverged: lower the learning rate or rescale the inputs");
    }

    /**
     * {@link #shift(LayerRange)} for vertex pre-activations held in Java (the detached shift):
     * nothing to differentiate, so the shift itself is computed here, with the dense form's
     * float32 arithmetic ({@code s margin - H[p*, k]}), and sent to the engine once.
     */
    private Shift constantShift(LayerRange range) {
        float[] values = range.hostVertices();
        int p = range.hostRows();
        requireRows(p);
        int k = values.length / p;
        float[] margins = margins(range, k);
        Decision d = decide(values, p, k, margins);
        float[] shift = hostValues(values, k, margins, d);
        return new Shift(d.signs(), range.manager(), range.manager().create(shift), shift);
    }

    /**
     * {@link #shift(NDArray, NDArray)} with this engine's signs.
     *
     * @param vertexPreActivations P x K, one row per vertex
     * @return the K shifts
     */
    public NDArray shift(NDArray vertexPreActivations) {
        return shift(LayerRange.ofVertices(vertexPreActivations)).shift();
    }

    @Override
    public String toString() {
        return "ShiftEngine[" + rule + ", margin=" + margin + "]";
    }
}
