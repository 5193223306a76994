package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

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
 */
public final class ShiftEngine {

    /** Default margin, in units of pre-activation. */
    public static final double DEFAULT_MARGIN = 1e-4;

    /** Vertex arrays up to this many entries are voted on in Java (see {@link #hostVote}). */
    static final long HOST_VOTE_LIMIT = 1 << 14;

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

    /** The paper's majority rule with the given margin. */
    public ShiftEngine(double margin) {
        this(margin, SignRule.MAJORITY);
    }

    /** The paper's rule exactly: majority sign, vertices pushed onto the kink, no margin. */
    public static ShiftEngine paper() {
        return new ShiftEngine(0);
    }

    public double margin() {
        return margin;
    }

    public SignRule rule() {
        return rule;
    }

    /** The signs and shifts of one layer. */
    public record Shift(NDArray signs, NDArray shift) {}

    /**
     * The side and shift of every unit for a single region.
     *
     * @param range the region's pre-activations for this layer
     * @return K signs (no gradient) and K shifts (differentiable)
     */
    public Shift shift(LayerRange range) {
        NDArray s = signs(range);
        if (range.hasVertices()) {
            return new Shift(s, shift(range.vertices(), s));
        }
        // c = s * relu(margin - m), m = lo where s = +1 and -hi where s = -1.
        NDArray up = s.add(1).div(2);
        NDArray m = range.lo().mul(up).sub(range.hi().mul(up.neg().add(1)));
        return new Shift(s, Activation.relu(m.neg().add(margin)).mul(s));
    }

    /**
     * The sign of every unit under this engine's rule, in the dtype of the pre-activations.
     *
     * @param range the region's pre-activations for this layer
     * @return K values +1/-1, without gradient
     */
    public NDArray signs(LayerRange range) {
        if (range.hasVertices() && rule != SignRule.MAJORITY && small(range.vertices())) {
            return hostSigns(range.vertices());
        }
        NDArray positive;
        switch (rule) {
            case MAJORITY:
                if (!range.hasVertices()) {
                    throw new IllegalArgumentException(
                            "sign rule MAJORITY needs vertices; a region given by its support must use"
                                    + " MINIMAL_SHIFT or CENTER");
                }
                return signs(range.vertices());
            case MINIMAL_SHIFT:
                NDArray up = Activation.relu(range.lo().neg().add(margin));
                NDArray down = Activation.relu(range.hi().add(margin));
                positive = up.lte(down);
                break;
            default:
                positive = range.centre().gte(0);
                break;
        }
        return positive.toType(range.lo().getDataType(), false).mul(2).sub(1).stopGradient();
    }

    /**
     * The majority sign of every unit: +1 where at least half of the vertices are strictly
     * positive, else -1.
     *
     * @param vertexPreActivations P x K pre-activations of the vertex rows
     * @return K signs, without gradient
     */
    public NDArray signs(NDArray vertexPreActivations) {
        long p = vertexPreActivations.getShape().get(0);
        if (p == 0) {
            throw new IllegalArgumentException("vertexPreActivations: no vertex rows (P = 0)");
        }
        if (rule != SignRule.MAJORITY) {
            return signs(LayerRange.ofVertices(vertexPreActivations));
        }
        // count >= P/2  <=>  count >= ceil(P/2) for integers: no fraction, no rounding.
        long needed = (p + 1) / 2;
        if (small(vertexPreActivations)) {
            return hostSigns(vertexPreActivations);
        }
        NDArray positiveCount = vertexPreActivations.gt(0).sum(new int[] {0});
        return positiveCount
                .gte(needed)
                .toType(vertexPreActivations.getDataType(), false)
                .mul(2)
                .sub(1);
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
        // max_p ReLU(margin - s H[p]) = ReLU(margin - min_p s H[p]): the same value and the same
        // gradient (to the worst vertex), with one pass over the P x K array instead of four.
        NDArray worst = vertexPreActivations.mul(signs).min(new int[] {0});
        NDArray gap = margin > 0 ? worst.sub(margin).neg() : worst.neg();
        return Activation.relu(gap).mul(signs);
    }

    private static boolean small(NDArray h) {
        return h.getDataType() == DataType.FLOAT32 && h.size() <= HOST_VOTE_LIMIT;
    }

    /**
     * The sign rule applied in Java: for the small P x K arrays of low-dimensional regions, one
     * copy out and one array in cost less than the five or six engine calls of the vectorised
     * rule. Votes are counted in integers, centres summed in double.
     */
    private NDArray hostSigns(NDArray h) {
        int p = (int) h.getShape().get(0);
        int k = (int) (h.size() / p);
        long needed = (p + 1L) / 2;
        float[] values = h.toFloatArray();
        float[] signs = new float[k];
        for (int unit = 0; unit < k; unit++) {
            boolean up;
            switch (rule) {
                case MAJORITY: {
                    int positive = 0;
                    for (int row = 0; row < p; row++) {
                        if (values[row * k + unit] > 0) {
                            positive++;
                        }
                    }
                    up = positive >= needed;
                    break;
                }
                case MINIMAL_SHIFT: {
                    float lo = Float.POSITIVE_INFINITY;
                    float hi = Float.NEGATIVE_INFINITY;
                    for (int row = 0; row < p; row++) {
                        lo = Math.min(lo, values[row * k + unit]);
                        hi = Math.max(hi, values[row * k + unit]);
                    }
                    up = Math.max(0, margin - lo) <= Math.max(0, margin + hi);
                    break;
                }
                default: {
                    double sum = 0;
                    for (int row = 0; row < p; row++) {
                        sum += values[row * k + unit];
                    }
                    up = sum >= 0;
                    break;
                }
            }
            signs[unit] = up ? 1f : -1f;
        }
        return h.getManager().create(signs);
    }

    /** {@link #shift(NDArray, NDArray)} with this engine's signs. */
    public NDArray shift(NDArray vertexPreActivations) {
        return shift(vertexPreActivations, signs(vertexPreActivations));
    }

    @Override
    public String toString() {
        return "ShiftEngine[" + rule + ", margin=" + margin + "]";
    }
}
