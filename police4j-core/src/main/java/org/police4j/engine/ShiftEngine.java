package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import java.util.Arrays;

/**
 * Algorithm 1 of the paper (lines 4 and 5) for one hidden layer: from what the region makes of the
 * layer's pre-activations, choose a side {@code s_k} of the kink for every unit k, then the bias
 * shift {@code c_k} that moves the whole region to that side. Training, fold and the tests all
 * call this class, so the rule lives in one place.
 *
 * <pre>
 *   H = V W^T + b                                      (P x K, the region pass)
 *   s = MajorityVote(sign(H), axis = 0)                 line 4
 *   c = ReLU(m - H diag(s)).max(axis = 0) (.) s         line 5, with the margin m (paper: m = 0)
 * </pre>
 *
 * <p><b>Line 4.</b> {@code s_k = +1} when at least half of the P vertices are strictly positive
 * (ties included), else -1. Votes are counted as integers against {@code ceil(P/2)}: the authors'
 * code counted in half precision, where its tie-breaking constant vanished and tied units (common
 * for even P) were left unshifted, breaking the guarantee. {@link SignRule} offers two variations:
 * the side needing the smaller shift, and the side of the region's centre. The sign carries no
 * gradient (it comes from a comparison).
 *
 * <p><b>Line 5.</b> The shift is differentiable: the gradient flows through the max to the worst
 * vertex of each unit, computed as {@code ReLU(m - min_p s_k H[p,k]) s_k} (same value and
 * gradient, one pass). For a region given by its support, {@code min_x s_k h_k(x)} is the range's
 * low end (s = +1) or minus its high end (s = -1). The margin {@code m} pushes every vertex past
 * the kink instead of onto it: with m = 0, rounding the folded float32 bias left a vertex a few
 * ulps on the wrong side in 198 of 200 random networks; {@link #DEFAULT_MARGIN} certified all 200.
 * A {@link RoundingGuard} gives every unit its own margin (see {@link LayerRange#withMargins}).
 *
 * <p>This class is the definition. For float32 vertex arrays on the CPU, {@link #shift(LayerRange)}
 * runs {@code HostShift}, an optimisation that decides in Java and gives the same signs, shifts and
 * gradients bit for bit ({@code ShiftEngineTest} holds it to {@code algorithm1} on ties and zeros).
 */
public final class ShiftEngine {

    /** Default margin, in units of pre-activation. */
    public static final double DEFAULT_MARGIN = 1e-4;

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

    /**
     * Lines 4 and 5 for a single region.
     *
     * @param range the region's pre-activations for this layer
     * @return K signs (no gradient) and K shifts (differentiable)
     */
    public Shift shift(LayerRange range) {
        return shift(range, null);
    }

    /**
     * Lines 4 and 5 for a single region, for a rule that remembers the sides the units held
     * ({@link SignRule#remembers()}); the other rules ignore {@code held}.
     *
     * @param range the region's pre-activations for this layer
     * @param held K sides (+1/-1) the units held before, 0 where a unit holds none; null when no
     *     unit holds one
     * @return K signs (no gradient) and K shifts (differentiable)
     */
    public Shift shift(LayerRange range, float[] held) {
        return HostShift.applies(range) ? HostShift.shift(this, range, held) : algorithm1(range, held);
    }

    /**
     * Lines 4 and 5 for a single region and an activation with any number of kinks: the sign
     * becomes a choice of piece. For ReLU, leaky-ReLU and abs this is {@link #shift(LayerRange)}
     * itself; otherwise the rule ({@link PieceRule}, decided in Java on the range's ends) picks,
     * per unit, a piece the range fits in (a bounded middle piece only when the range is no wider
     * than it less twice the margin), and the shift places the range inside it with the margin:
     * {@code c = t_{j-1} + m - lo} when the range reaches below the piece, {@code t_j - m - hi} when
     * it reaches above, 0 when it is inside. The shift is differentiable through {@code lo} and
     * {@code hi} (the vertices' minimum and maximum, or the support's range); the "signs" of the
     * result are the pieces' indices. For a rule that remembers ({@link SignRule#remembers()})
     * {@code held} says what each unit held before.
     *
     * @param range the region's pre-activations for this layer
     * @param held what the units held before ({@link Shift#held()}: the sides +1/-1, for several
     *     kinks the piece plus one; 0 where a unit holds none), or null when none does
     * @param activation the activation after the layer
     * @return K sides or pieces (no gradient) and K shifts (differentiable)
     */
    public Shift shift(LayerRange range, float[] held, Cpa activation) {
        return activation.singleKinkAtZero() ? shift(range, held) : pieces(range, activation, held);
    }

    /**
     * The piece rule and its shift for any activation (for one kink at zero it gives the signs
     * and shifts of {@link #algorithm1}, piece 1 for +1, which a property test holds it to).
     */
    Shift pieces(LayerRange range, Cpa activation, float[] held) {
        NDArray lo = range.lo();
        NDArray hi = range.hi();
        float[] l = LayerRange.floats(lo);
        float[] h = LayerRange.floats(hi);
        int k = l.length;
        float[] m = margins(range, k);
        float[] centre = rule == SignRule.CENTER ? LayerRange.floats(range.centre()) : null;
        if (rule == SignRule.MAJORITY && !range.hasVertices()) {
            throw new IllegalArgumentException("sign rule MAJORITY needs vertices; a region given by"
                    + " its support must use MINIMAL_SHIFT or CENTER");
        }
        float[] values = rule == SignRule.MAJORITY ? range.hostValues() : null;
        int[] piece = PieceRule.choose(rule, activation, l, h, m, centre, values, held);
        float[] lowEdge = new float[k];
        float[] lowMask = new float[k];
        float[] highEdge = new float[k];
        float[] highMask = new float[k];
        float[] pieces = new float[k];
        for (int unit = 0; unit < k; unit++) {
            int j = piece[unit];
            pieces[unit] = j;
            float low = PieceRule.lowEdge(activation, j, m[unit]);
            float high = PieceRule.highEdge(activation, j, m[unit]);
            if (l[unit] < low) {
                lowEdge[unit] = low;
                lowMask[unit] = 1;
            } else if (h[unit] > high) {
                highEdge[unit] = high;
                highMask[unit] = 1;
            }
        }
        NDManager manager = lo.getManager();
        DataType type = lo.getDataType();
        NDArray c = manager.create(lowEdge).toType(type, false).sub(lo).mul(manager.create(lowMask).toType(type, false))
                .add(manager.create(highEdge).toType(type, false).sub(hi).mul(manager.create(highMask).toType(type, false)));
        Shift shift = new Shift(null, pieces, manager, c, null);
        shift.pieces = true;
        return shift;
    }

    /** Lines 4 and 5 in engine arrays: the definition, and the only form for float64 and support regions. */
    Shift algorithm1(LayerRange range, float[] held) {
        NDArray s = vote(range, held); // line 4
        NDArray worst; // min over the region of s_k h_k
        if (range.hasVertices()) {
            worst = vertices(range).mul(s).min(new int[] {0});
        } else {
            NDArray up = s.add(1).div(2); // lo where s = +1, -hi where s = -1
            worst = range.lo().mul(up).sub(range.hi().mul(up.neg().add(1)));
        }
        return new Shift(s, Activation.relu(marginMinus(range, worst)).mul(s)); // line 5
    }

    /** Line 4 (and the {@link SignRule} variations): K values +1/-1 in the dtype of H, no gradient. */
    private NDArray vote(LayerRange range, float[] held) {
        NDArray positive;
        switch (rule) {
            case MAJORITY:
                if (!range.hasVertices()) {
                    throw new IllegalArgumentException("sign rule MAJORITY needs vertices; a region given by"
                            + " its support must use HYSTERESIS, MINIMAL_SHIFT or CENTER");
                }
                NDArray h = vertices(range);
                long half = (h.getShape().get(0) + 1) / 2; // count >= P/2 <=> count >= ceil(P/2)
                positive = h.gt(0).sum(new int[] {0}).gte(half);
                break;
            case MINIMAL_SHIFT: // the side whose shift is smaller
                NDArray up = Activation.relu(marginMinus(range, range.lo()));
                NDArray down = Activation.relu(marginMinus(range, range.hi().neg()));
                positive = up.lte(down);
                break;
            case HYSTERESIS: { // the held side, until the whole range is strictly on the other
                positive = range.lo().add(range.hi()).gte(0); // no side held: the midpoint's
                if (held != null) {
                    NDArray before = positive.getManager().create(held);
                    positive = NDArrays.where(before.gt(0), range.hi().gte(0),
                            NDArrays.where(before.lt(0), range.lo().gt(0), positive));
                }
                break;
            }
            default: // CENTER: the side of the region's centre
                positive = range.centre().gte(0);
                break;
        }
        DataType type = (range.hasVertices() ? range.vertices() : range.lo()).getDataType();
        return positive.toType(type, false).mul(2).sub(1).stopGradient();
    }

    /** {@code m_k - x_k}, with the range's per-unit margins when it has them. */
    private NDArray marginMinus(LayerRange range, NDArray x) {
        float[] m = range.margins();
        return m == null ? x.neg().add(margin) : x.neg().add(x.getManager().create(m).toType(x.getDataType(), false));
    }

    private static NDArray vertices(LayerRange range) {
        NDArray h = range.vertices();
        if (h.getShape().get(0) == 0) {
            throw new IllegalArgumentException("vertexPreActivations: no vertex rows (P = 0)");
        }
        return h;
    }

    /** The K margins as float32: the range's own, or this engine's for every unit. */
    float[] margins(LayerRange range, int k) {
        float[] m = range.margins();
        if (m != null && m.length != k) {
            throw new IllegalArgumentException("margins: " + m.length + " values, expected " + k);
        }
        if (m == null) {
            m = new float[k];
            Arrays.fill(m, (float) margin);
        }
        return m;
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
     * The signs and shifts of one layer. Signs decided in Java ({@code HostShift}) become an
     * engine array only when asked for (a trace, the fold, a tracked map): a training step
     * through vertex rows never needs them, and each array costs a native call to make and one
     * to free.
     */
    public static final class Shift {
        private final NDArray shift;
        private NDArray signs;
        private final float[] hostSigns;
        private final NDManager manager;
        private float[] hostShift;
        private boolean pieces;

        /**
         * @param signs K values +1/-1, without gradient
         * @param shift K shifts, differentiable
         */
        public Shift(NDArray signs, NDArray shift) {
            this(signs, null, null, shift, null);
        }

        Shift(NDArray signs, float[] hostSigns, NDManager manager, NDArray shift, float[] hostShift) {
            this.signs = signs;
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

        /**
         * {@return what a rule that remembers keeps for the next forward: the K sides (+1/-1), or
         * for an activation with several kinks each piece plus one (so that 0 still means "none")}
         */
        public float[] held() {
            float[] h = hostSigns();
            if (!pieces) {
                return h;
            }
            float[] plusOne = new float[h.length];
            for (int k = 0; k < h.length; k++) {
                plusOne[k] = h[k] + 1;
            }
            return plusOne;
        }

        /** {@return the K signs (+1/-1) as float32 values (decided in Java where the engine decided there)} */
        public float[] hostSigns() {
            return hostSigns != null ? hostSigns : LayerRange.floats(signs);
        }

        /** {@return the K signs (+1/-1), without gradient} */
        public NDArray signs() {
            if (signs == null) {
                signs = manager.create(hostSigns);
            }
            return signs;
        }
    }

    @Override
    public String toString() {
        return "ShiftEngine[" + rule + ", margin=" + margin + "]";
    }
}
