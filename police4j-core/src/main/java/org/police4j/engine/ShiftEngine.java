package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Algorithm 1 of the paper, for one hidden layer: given the pre-activations of the region's
 * vertices, pick a side of the kink for every unit and compute the smallest bias shift that puts
 * every vertex on that side. Training, fold and the tests all call this one class, so the rule
 * lives in exactly one place.
 *
 * <p>The sign is a vote: {@code s_k = +1} when at least half of the P vertices have a strictly
 * positive pre-activation, else -1. Votes are counted as integers and compared with {@code
 * ceil(P/2)}; the authors' code counted in half precision, where its tie-breaking constant
 * vanished and tied units (common for even P) were left unshifted, breaking the guarantee. The
 * sign carries no gradient (it comes from a comparison); the shift {@code c_k = s_k max_p
 * ReLU(margin - s_k H[p,k])} does, through the max over the vertices, so the optimiser sees how
 * the constraint moves with the weights.
 *
 * <p>The margin pushes every vertex at least {@code margin} past the kink instead of exactly
 * onto it. With margin 0 (the paper's rule) the constrained forward is exact in float32, but once
 * the shift is folded into a float32 bias, rounding can leave a vertex a few ulps on the wrong
 * side, which an exact certificate then rejects; a margin of {@link #DEFAULT_MARGIN} absorbs
 * that rounding for pre-activations of ordinary magnitude (up to about 100) at no measurable
 * cost in fit.
 */
public final class ShiftEngine {

    /** Default margin, in units of pre-activation. */
    public static final double DEFAULT_MARGIN = 1e-4;

    private final double margin;

    /**
     * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
     */
    public ShiftEngine(double margin) {
        if (!(margin >= 0) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException(
                    "margin must be finite and >= 0, got " + margin);
        }
        this.margin = margin;
    }

    /** The paper's rule exactly: vertices pushed onto the kink, no margin. */
    public static ShiftEngine paper() {
        return new ShiftEngine(0);
    }

    public double margin() {
        return margin;
    }

    /**
     * The majority sign of every unit: +1 where at least half of the vertices are strictly
     * positive, else -1, in the dtype of {@code vertexPreActivations}.
     *
     * @param vertexPreActivations P x K pre-activations of the vertex rows
     * @return K signs, without gradient
     */
    public NDArray signs(NDArray vertexPreActivations) {
        long p = vertexPreActivations.getShape().get(0);
        if (p == 0) {
            throw new IllegalArgumentException("vertexPreActivations: no vertex rows (P = 0)");
        }
        // count >= P/2  <=>  count >= ceil(P/2) for integers: no fraction, no rounding.
        long needed = (p + 1) / 2;
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
     * @param signs the K signs from {@link #signs}
     * @return K shifts
     */
    public NDArray shift(NDArray vertexPreActivations, NDArray signs) {
        NDArray wrongSide = vertexPreActivations.mul(signs).neg();
        if (margin > 0) {
            wrongSide = wrongSide.add(margin);
        }
        return Activation.relu(wrongSide).max(new int[] {0}).mul(signs);
    }

    /** {@link #shift} with the majority {@link #signs}. */
    public NDArray shift(NDArray vertexPreActivations) {
        return shift(vertexPreActivations, signs(vertexPreActivations));
    }

    @Override
    public String toString() {
        return "ShiftEngine[majority sign, margin=" + margin + "]";
    }
}
