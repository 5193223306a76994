package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.police4j.engine.AffineMapPass;
import org.police4j.engine.Cpa;
import org.police4j.engine.HostVertexRowsPass;
import org.police4j.engine.LayerRange;
import org.police4j.engine.MultiRegionShift;
import org.police4j.engine.RegionPass;
import org.police4j.engine.RoundingGuard;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.engine.VertexRowsPass;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * A multi-layer perceptron that is affine on one or several regions at every step of training: the
 * DJL block of the POLICE method.
 *
 * <p>Each region travels through the hidden layers next to the data, inside the block (so DJL's
 * batch splitting across devices still gives each device whole data rows and its own copy of the
 * region), either as vertex rows (the paper's way) or as a tracked affine map (see {@link
 * Strategy}). At every hidden layer the {@link ShiftEngine} turns the region's pre-activation range
 * into a shift per unit, which joins the bias of the data rows' product; the head is a plain
 * linear layer. For inference, {@code org.police4j.fold.Fold} turns the block into a plain {@link
 * SequentialBlock} with the shifts in the biases.
 *
 * <p>Build one with {@link #builder()}, or POLICE an existing {@link SequentialBlock} of {@link
 * Linear} and piecewise-affine activation blocks with {@link #wrap}.
 */
public final class PolicedMlp extends PolicedBlock {

    /** The sign rule of a builder that is not told one (see {@link Builder#optSignRule}). */
    public static final SignRule DEFAULT_SIGN_RULE = SignRule.CENTER;

    /** Below this input dimension the axis simplex goes through the first product like any region. */
    static final int CLOSED_FORM_MIN_DIMENSION = 16;

    private final List<Linear> layers;
    /** Per layer, the wrapped network's dropout blocks on its input: data rows, training only. */
    private final List<List<Block>> inputDropouts;
    private final Cpa activation;
    private final boolean flattensInput;
    private final List<Region> regions;
    private final ShiftEngine engine;
    private final Strategy strategy;
    private final boolean detachedShift;
    private final boolean roundingGuard;
    private final AffineTarget affineTarget;
    private final TargetProjection targetProjection;
    private final boolean[] vertexRowsOf; // per region, decided once: see usesVertexRows
    private final double[] simplexScaleOf; // per region: s when its vertex rows are [0; s I] and large, else NaN
    private final Map<Integer, float[][]> vertexRowCache = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> javaPassFits = new ConcurrentHashMap<>();
    private final Map<Integer, double[]> magnitudeCache = new ConcurrentHashMap<>();

    private PolicedMlp(
            List<Linear> layers, List<List<Block>> inputDropouts, Cpa activation, boolean flattensInput, Builder b) {
        this.inputDropouts = inputDropouts;
        this.activation = activation;
        this.flattensInput = flattensInput;
        this.regions = List.copyOf(b.regions);
        this.engine = new ShiftEngine(b.margin, b.rule);
        this.strategy = b.strategy;
        this.detachedShift = b.detachedShift;
        this.roundingGuard = b.roundingGuard;
        this.affineTarget = b.affineTarget;
        this.targetProjection = b.affineTarget == null ? null : new TargetProjection(b.affineTarget, regions.get(0));
        this.vertexRowsOf = new boolean[regions.size()];
        this.simplexScaleOf = new double[regions.size()];
        for (int j = 0; j < regions.size(); j++) {
            vertexRowsOf[j] = vertexRowsFor(j);
            // The closed form replaces a P x D x K product by five small ops: worth it only when
            // the product is large.
            simplexScaleOf[j] = vertexRowsOf[j] && regions.get(j).dimension() >= CLOSED_FORM_MIN_DIMENSION
                    ? ((VertexRegion) regions.get(j)).axisSimplexScale()
                    : Double.NaN;
        }
        List<Linear> added = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            String name = l == layers.size() - 1 ? "head" : "hidden" + l;
            added.add(addChildBlock(name, layers.get(l)));
        }
        this.layers = Collections.unmodifiableList(added);
    }

    /** {@return a builder for a fresh network with PyTorch's default initialisation} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * POLICEs a user-built network: {@code Linear, activation, Linear, activation, ..., Linear},
     * every activation piecewise affine with one kink at 0 and all the same, such as DJL's
     * model-zoo {@code Mlp} unchanged. Activations are recognised by what they compute on probe
     * values (ReLU, leaky-ReLU, abs), whatever their names; nested SequentialBlocks are read as
     * their children, identities are dropped, and a flatten before the first Linear makes the
     * result accept (N, ...) inputs whose rows hold D values. Anything else is refused with the
     * offending block's position and name, because the guarantee would silently not hold. For
     * more options use {@link Builder#setNetwork}.
     *
     * <table class="striped">
     * <caption>What wrap accepts and refuses</caption>
     * <thead><tr><th>block</th><th>where</th><th>what happens</th></tr></thead>
     * <tbody>
     * <tr><td>{@code Linear}</td><td>anywhere, never two in a row</td><td>reused (shared, not
     *     copied); the last one is the head</td></tr>
     * <tr><td>ReLU, leaky-ReLU, abs (any block or lambda computing one)</td><td>after a Linear,
     *     the same one throughout</td><td>kept; judged by probing, never by name</td></tr>
     * <tr><td>identity, nested {@code SequentialBlock}</td><td>anywhere</td><td>dropped /
     *     read as its children</td></tr>
     * <tr><td>row flatten ({@code Blocks.batchFlattenBlock})</td><td>before the first
     *     Linear</td><td>done by the wrapper; inputs (N, ...) accepted</td></tr>
     * <tr><td>{@code Dropout}</td><td>before any Linear (between a Linear and its activation it
     *     moves after the activation, which it commutes with)</td><td>kept on the data rows, in
     *     training only; the region's vertex rows skip it, because the certificate is about the
     *     inference network, where dropout is the identity</td></tr>
     * <tr><td>{@code Dropout}</td><td>after the head</td><td>refused</td></tr>
     * <tr><td>{@code BatchNorm}</td><td>directly after a Linear, network initialised</td><td>
     *     folded into that Linear with its inference statistics: a new Linear replaces the pair,
     *     and the batch-norm is frozen (its statistics no longer update)</td></tr>
     * <tr><td>{@code BatchNorm}</td><td>elsewhere, or not initialised</td><td>refused (batch
     *     statistics would include the vertex rows)</td></tr>
     * <tr><td>smooth or multi-kink activations (tanh, sigmoid, GELU, ReLU6, ...), a block whose
     *     name claims ReLU but computes something else, any other block</td><td>anywhere</td>
     *     <td>refused with its position and the reason</td></tr>
     * <tr><td>two different activations; an activation last or first; no hidden layer</td>
     *     <td></td><td>refused</td></tr>
     * </tbody>
     * </table>
     *
     * @param network the network; its Linear blocks are reused (shared, not copied)
     * @param region the region on which the result will be affine
     * @param margin see {@link ShiftEngine}
     * @return the POLICEd network
     */
    public static PolicedMlp wrap(SequentialBlock network, Region region, double margin) {
        return builder().setNetwork(network).setRegion(region).optMargin(margin).build();
    }

    /**
     * {@link #wrap(SequentialBlock, Region, double)} with the default margin.
     *
     * @param network the network; its Linear blocks are reused (shared, not copied)
     * @param region the region on which the result will be affine
     * @return the POLICEd network
     */
    public static PolicedMlp wrap(SequentialBlock network, Region region) {
        return wrap(network, region, ShiftEngine.DEFAULT_MARGIN);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        Trace trace = run(parameterStore, inputs.singletonOrThrow(), training, false);
        if (training && trace.targetPenalty() != null) {
            // The penalty form of an affine target rides along as a second output; Fit adds it.
            return new NDList(trace.outputs(), trace.targetPenalty());
        }
        return new NDList(trace.outputs());
    }

    /**
     * The constrained forward, also returning what the tests and the fold need: the vertex rows'
     * outputs and every hidden layer's signs and shifts.
     *
     * @param parameterStore where the parameters come from
     * @param x N x D data rows (N may be 0: then only the region passes through), or (N, ...)
     *     with rows of D values when the wrapped network started with a flatten
     * @param training whether DJL is in training mode
     * @return outputs, vertex outputs, signs and shifts
     */
    public Trace forwardWithTrace(ParameterStore parameterStore, NDArray x, boolean training) {
        return run(parameterStore, x, training, true);
    }

    /**
     * Algorithm 1's forward pass: at every hidden layer the regions' pass and the {@link
     * ShiftEngine} give the shift {@code c} (lines 3-5, and 7 for the regions), which joins the
     * bias of the data rows' product (line 6); the head is a plain linear layer.
     */
    private Trace run(ParameterStore ps, NDArray x, boolean training, boolean keepTrace) {
        Shape rows = rowShape(x.getShape());
        if (!rows.equals(x.getShape())) {
            x = x.reshape(rows); // the wrapped network's own flatten, done here
        }
        RegionPasses regionPasses = new RegionPasses(x, keepTrace);
        NDArray z = x;
        int hidden = layers.size() - 1;
        for (int l = 0; l < hidden; l++) {
            NDArray w = value(ps, l, "weight", x, training);
            NDArray b = value(ps, l, "bias", x, training);
            NDArray c = regionPasses.shift(l, w, b);
            // The shift joins the bias before the product: the data rows cost exactly what an
            // unconstrained layer costs (one fused matmul-add), whatever the region.
            z = dropout(ps, l, z, training);
            z = activation.apply(Linear.linear(z, w, b.add(c)).singletonOrThrow());
        }
        NDArray headW = value(ps, hidden, "weight", x, training);
        NDArray headB = value(ps, hidden, "bias", x, training);
        NDArray penalty = null;
        if (targetProjection != null) {
            NDArray[] map = ((AffineMapPass) regionPasses.passes.get(0)).map();
            if (affineTarget.mode() == AffineTarget.Mode.EXACT) {
                NDArray[] head = targetProjection.exact(headW, headB, map[0], map[1]);
                headW = head[0];
                headB = head[1];
            } else {
                penalty = targetProjection.penalty(headW, headB, map[0], map[1]);
            }
        }
        z = dropout(ps, hidden, z, training);
        NDArray out = Linear.linear(z, headW, headB).singletonOrThrow();
        NDArray vertexOut = keepTrace ? regionPasses.passes.get(0).vertexOutputs(headW, headB) : null;
        return new Trace(out, vertexOut, regionPasses.signs, regionPasses.shifts, regionPasses.shifted, headW, headB, penalty);
    }

    /** Every region's pass through one forward, with its rounding guard and what a trace keeps. */
    private final class RegionPasses {
        final List<RegionPass> passes = new ArrayList<>(regions.size());
        final List<RoundingGuard> guards = new ArrayList<>(regions.size());
        final List<NDArray> signs = new ArrayList<>();
        final List<NDArray> shifts = new ArrayList<>();
        final List<NDArray> shifted = new ArrayList<>();
        final NDManager manager;
        final boolean keepTrace;

        RegionPasses(NDArray x, boolean keepTrace) {
            this.manager = x.getManager();
            this.keepTrace = keepTrace;
            for (int j = 0; j < regions.size(); j++) {
                passes.add(pass(j, manager, x));
                if (roundingGuard && engine.margin() > 0) {
                    int extra = usesVertexRows(j) ? 0 : regions.get(j).dimension();
                    guards.add(new RoundingGuard(engine.margin(), activation, magnitude(j), extra));
                }
            }
        }

        /**
         * Lines 3-5 (and 7) of Algorithm 1 for hidden layer {@code l}: each region enters the
         * layer, the engine (one region) or the closest-to-zero rule (several) gives the shift,
         * and each region leaves the layer shifted and activated.
         */
        NDArray shift(int l, NDArray w, NDArray b) {
            NDArray regionW = detachedShift ? w.stopGradient() : w;
            NDArray regionB = detachedShift ? b.stopGradient() : b;
            List<LayerRange> ranges = new ArrayList<>(passes.size());
            for (int j = 0; j < passes.size(); j++) {
                LayerRange range = passes.get(j).enter(regionW, regionB); // line 3
                if (!guards.isEmpty()) {
                    range.withMargins(guards.get(j).margins(l, regionW, regionB));
                }
                ranges.add(range);
            }
            NDArray c;
            float[] hostShift;
            if (passes.size() == 1) {
                ShiftEngine.Shift shift = engine.shift(ranges.get(0)); // lines 4-5
                c = shift.shift();
                passes.get(0).leave(c, shift::signs); // line 7
                if (keepTrace) {
                    signs.add(shift.signs());
                }
                hostShift = guards.isEmpty() ? null : shift.hostShift();
            } else {
                MultiRegionShift.Result result = MultiRegionShift.closestToZero(ranges, engine.margin());
                NDArray shift = result.shift();
                for (int j = 0; j < passes.size(); j++) {
                    float[] sides = result.sides()[j];
                    passes.get(j).leave(shift, () -> manager.create(sides).toType(shift.getDataType(), false));
                }
                c = shift;
                hostShift = guards.isEmpty() ? null : result.hostShift();
            }
            for (int j = 0; j < guards.size(); j++) {
                guards.get(j).leave(passes.get(j).magnitudes(hostShift));
            }
            if (keepTrace) {
                shifts.add(c);
                shifted.add(passes.get(0).shiftedVertexPreActivations());
            }
            return c;
        }
    }

    /** The wrapped network's dropout on layer l's input: data rows only, and only in training. */
    private NDArray dropout(ParameterStore ps, int l, NDArray z, boolean training) {
        if (!training || inputDropouts.isEmpty()) {
            return z;
        }
        for (Block d : inputDropouts.get(l)) {
            z = d.forward(ps, new NDList(z), true).singletonOrThrow();
        }
        return z;
    }

    private RegionPass pass(int j, NDManager manager, NDArray x) {
        Region region = regions.get(j);
        if (detachedShift && usesVertexRows(j) && x.getDataType() == DataType.FLOAT32 && fitsJava(j)) {
            // No gradient through the region: for a small one, Java loops beat native calls.
            return new HostVertexRowsPass(vertexRows(j), activation, manager);
        }
        NDArray vertexRows = null;
        if (region instanceof VertexRegion) {
            vertexRows = manager.create(vertexRows(j)).toType(x.getDataType(), false);
        }
        if (usesVertexRows(j)) {
            return new VertexRowsPass(vertexRows, activation, simplexScaleOf[j]);
        }
        return new AffineMapPass(
                region, vertexRows, manager, x.getDataType(), activation, engine.margin(), magnitude(j));
    }

    /** Decided once per region: the widths are fixed once the block is initialised. */
    private boolean fitsJava(int j) {
        return javaPassFits.computeIfAbsent(j, key -> {
            int[] hidden = hiddenWidths();
            int[] widths = new int[hidden.length + 1];
            widths[0] = regions.get(0).dimension();
            System.arraycopy(hidden, 0, widths, 1, hidden.length);
            return HostVertexRowsPass.fits(((VertexRegion) regions.get(key)).vertexCount(), widths);
        });
    }

    /**
     * Whether region j goes through the layers as vertex rows (else as a tracked affine map).
     *
     * @param j the region's index in {@link #regions()}
     * @return true for vertex rows
     */
    public boolean usesVertexRows(int j) {
        return vertexRowsOf[j];
    }

    private boolean vertexRowsFor(int j) {
        Region region = regions.get(j);
        if (j == 0 && affineTarget != null) {
            return false; // an affine target needs the tracked map of the last hidden layer
        }
        if (!(region instanceof VertexRegion v)) {
            return false;
        }
        switch (strategy) {
            case VERTEX_ROWS:
                return true;
            case AFFINE_MAP:
                return false;
            default:
                // At margin 0 the map must carry a P-row residual to keep the golden gradients,
                // so it never saves work there.
                return engine.margin() == 0 || v.vertexCount() <= v.dimension() + 1;
        }
    }

    /** {@link Region#magnitude()} of region j, computed once (O(D^2) for a support region). */
    private double[] magnitude(int j) {
        return magnitudeCache.computeIfAbsent(j, k -> regions.get(k).magnitude());
    }

    private float[][] vertexRows(int j) {
        return vertexRowCache.computeIfAbsent(
                j,
                k -> {
                    double[][] v = ((VertexRegion) regions.get(k)).vertices();
                    float[][] f = new float[v.length][];
                    for (int p = 0; p < v.length; p++) {
                        f[p] = new float[v[p].length];
                        for (int i = 0; i < v[p].length; i++) {
                            f[p][i] = (float) v[p][i];
                        }
                    }
                    return f;
                });
    }

    private NDArray value(ParameterStore ps, int layer, String name, NDArray x, boolean training) {
        return ps.getValue(layers.get(layer).getParameters().get(name), x.getDevice(), training);
    }

    /**
     * What one constrained forward computed.
     *
     * @param outputs N x K outputs of the data rows
     * @param vertexOutputs P x K outputs of the vertex rows
     * @param signs per hidden layer, the K signs (+1/-1)
     * @param shifts per hidden layer, the K shifts added to the pre-activations
     * @param vertexPreActivations per hidden layer, the P x K shifted pre-activations of the
     *     vertex rows: what "no unit straddles the kink" is about
     * @param headWeight the head's weight as applied (projected when there is an exact affine
     *     target): what the fold must use
     * @param headBias the head's bias as applied
     * @param targetPenalty the weighted penalty of a penalty-form affine target, or null
     */
    public record Trace(
            NDArray outputs,
            NDArray vertexOutputs,
            List<NDArray> signs,
            List<NDArray> shifts,
            List<NDArray> vertexPreActivations,
            NDArray headWeight,
            NDArray headBias,
            NDArray targetPenalty) {}

    /**
     * The (N, D) shape the layers see: the input's own, or, when the wrapped network started with
     * a flatten, the input's rows flattened.
     */
    private Shape rowShape(Shape input) {
        int dim = regions.get(0).dimension();
        if (flattensInput && input.dimension() >= 2 && input.slice(1).size() == dim) {
            return new Shape(input.get(0), dim);
        }
        if (input.dimension() != 2 || input.get(1) != dim) {
            throw new IllegalArgumentException(
                    "input: shape " + input + ", expected (N, " + dim + ")"
                            + (flattensInput ? " or (N, ...) with trailing dimensions multiplying to " + dim : "")
                            + " to match the region's dimension");
        }
        return input;
    }

    /** {@return whether inputs (N, ...) are flattened to (N, D) first, as the wrapped network did} */
    boolean flattensInput() {
        return flattensInput;
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = rowShape(inputShapes[0]);
        for (Linear layer : layers) {
            layer.initialize(manager, dataType, shape);
            shape = layer.getOutputShapes(new Shape[] {shape})[0];
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = {rowShape(inputShapes[0])};
        for (Linear layer : layers) {
            shapes = layer.getOutputShapes(shapes);
        }
        return shapes;
    }

    /**
     * Writes, as DJL's {@code Model.save} asks, the {@link #record()} (what decides the function
     * besides the parameters), then the parameters and their CRC32.
     *
     * @param os the stream
     * @throws IOException if the stream fails
     */
    /**
     * What decides this network's function besides its parameters, as saved with them:
     * regions (exact), sign rule, margin, rounding guard, activation, strategy, layer widths
     * and affine target. The shift's detachment only changes gradients and is not part of it.
     *
     * @return a fresh record
     */
    @Override
    public BlockRecord record() {
        BlockRecord r = BlockRecord.of("PolicedMlp");
        r.put("regions", regions.size());
        for (int j = 0; j < regions.size(); j++) {
            r.putRegion("region" + j, regions.get(j));
        }
        r.put("signRule", engine.rule().name());
        r.put("margin", engine.margin());
        r.put("roundingGuard", roundingGuard);
        r.put("activation", activation.kind().name());
        r.put("negativeSlope", activation.negativeSlope());
        r.put("strategy", strategy.name());
        int[] widths = new int[layers.size()];
        for (int l = 0; l < widths.length; l++) {
            // a Linear knows its units before it is initialised; its input comes from the one before
            widths[l] = (int) layers.get(l).getOutputShapes(new Shape[] {new Shape(1, 1)})[0].get(1);
        }
        r.put("widths", widths);
        if (affineTarget != null) {
            r.put("target.mode", affineTarget.mode().name());
            r.put("target.weight", affineTarget.weight());
            r.put("target.a", affineTarget.a());
            if (affineTarget.b() != null) {
                r.put("target.b", affineTarget.b());
            }
        }
        return r;
    }

    /** {@return the dense layers, hidden first, head last} */
    public List<Linear> layers() {
        return layers;
    }

    /** {@return the activation after every hidden layer} */
    public Cpa activation() {
        return activation;
    }

    /**
     * The region, when there is exactly one and it is given by its vertices: what the fold, the
     * certificate and the model files of a paper-style network use.
     *
     * @return the only region, as a vertex region
     */
    public VertexRegion region() {
        if (regions.size() != 1 || !(regions.get(0) instanceof VertexRegion v)) {
            throw new IllegalStateException(
                    "this network has " + regions.size() + " region(s) (" + regions.get(0).describe()
                            + "); use regions()");
        }
        return v;
    }

    /** {@return all regions, in the order given} */
    public List<Region> regions() {
        return regions;
    }

    /** {@return the engine that computes the shifts (margin and sign rule)} */
    public ShiftEngine engine() {
        return engine;
    }

    /** {@return how the regions travel through the network, as configured (possibly AUTO)} */
    public Strategy strategy() {
        return strategy;
    }

    /** {@return the prescribed affine behaviour on the first region, or null} */
    public AffineTarget affineTarget() {
        return affineTarget;
    }

    /**
     * Whether the last exact affine-target projection found the last hidden layer's map on R
     * rank deficient, so that the head could only be fitted in the least-squares sense (see
     * {@link AffineTarget}).
     *
     * @return true after a rank-deficient projection
     */
    public boolean targetRankDeficient() {
        return targetProjection != null && targetProjection.rankDeficient();
    }

    /** {@return whether the shift is computed without gradient (see {@link Builder#optDetachedShift})} */
    public boolean detachedShift() {
        return detachedShift;
    }

    /** {@return whether each unit's margin follows the rounding bound (see {@link Builder#optRoundingGuard})} */
    public boolean roundingGuard() {
        return roundingGuard;
    }

    /** {@return the input dimension D (the region's)} */
    public int inputDimension() {
        return regions.get(0).dimension();
    }

    /** {@return the widths of the hidden layers, read from the initialised weights} */
    public int[] hiddenWidths() {
        int[] widths = new int[layers.size() - 1];
        for (int l = 0; l < widths.length; l++) {
            widths[l] = (int) weight(l).getShape().get(0);
        }
        return widths;
    }

    /** {@return the number of outputs, read from the initialised head} */
    public int outputs() {
        return (int) weight(layers.size() - 1).getShape().get(0);
    }

    /**
     * The weight array of layer {@code l} (hidden layers first, head last).
     *
     * @param l the layer's index in {@link #layers()}
     * @return the weight, out x in (not a copy)
     */
    public NDArray weight(int l) {
        return parameter(l, "weight").getArray();
    }

    /**
     * The bias array of layer {@code l} (hidden layers first, head last).
     *
     * @param l the layer's index in {@link #layers()}
     * @return the bias, out (not a copy)
     */
    public NDArray bias(int l) {
        return parameter(l, "bias").getArray();
    }

    private Parameter parameter(int l, String name) {
        Parameter p = layers.get(l).getParameters().get(name);
        if (p == null) {
            throw new IllegalStateException("layer " + l + " has no " + name);
        }
        if (!p.isInitialized()) {
            throw new IllegalStateException(
                    "layer " + l + " is not initialised: call initialize() or train first");
        }
        return p;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PolicedMlp(");
        sb.append("activation=").append(activation.id());
        for (Region r : regions) {
            sb.append(", region=").append(r.describe());
        }
        sb.append(", ").append(engine).append(", strategy=").append(strategy);
        sb.append(", layers=").append(layers.size()).append(')');
        return sb.toString();
    }

    /** Builder in DJL's style: required setters, optional {@code opt*}. */
    public static final class Builder {
        private int[] hidden;
        private int outputs = -1;
        private Cpa activation = Cpa.leakyRelu();
        private SequentialBlock network;
        private final List<Region> regions = new ArrayList<>();
        private double margin = ShiftEngine.DEFAULT_MARGIN;
        private SignRule rule;
        private Strategy strategy = Strategy.AUTO;
        private boolean detachedShift;
        private boolean roundingGuard = true;
        private AffineTarget affineTarget;

        private Builder() {}

        /**
         * The hidden widths, one per constrained layer (at least one).
         *
         * @param widths the widths, each positive
         * @return this builder
         */
        public Builder setHidden(int... widths) {
            this.hidden = widths.clone();
            return this;
        }

        /**
         * The number of outputs of the linear head.
         *
         * @param outputs K, positive
         * @return this builder
         */
        public Builder setOutputs(int outputs) {
            this.outputs = outputs;
            return this;
        }

        /**
         * Use a user-built {@code Linear, activation, ..., Linear} network instead of {@link
         * #setHidden}/{@link #setOutputs}/{@link #optActivation}; see {@link PolicedMlp#wrap}.
         *
         * @param network the network; its Linear blocks are reused
         * @return this builder
         */
        public Builder setNetwork(SequentialBlock network) {
            this.network = network;
            return this;
        }

        /**
         * The region R, which also fixes the input dimension (replaces any earlier regions).
         *
         * @param region the region
         * @return this builder
         */
        public Builder setRegion(Region region) {
            this.regions.clear();
            this.regions.add(region);
            return this;
        }

        /**
         * Several regions: the network will be affine on each, with its own affine map on each
         * (not one map on the hull of their union).
         *
         * @param regions the regions, all of the same dimension
         * @return this builder
         */
        public Builder setRegions(List<? extends Region> regions) {
            this.regions.clear();
            this.regions.addAll(regions);
            return this;
        }

        /**
         * The activation after every hidden layer; leaky-ReLU(0.01) by default.
         *
         * @param activation the activation
         * @return this builder
         */
        public Builder optActivation(Cpa activation) {
            this.activation = activation;
            return this;
        }

        /**
         * See {@link ShiftEngine}; {@link ShiftEngine#DEFAULT_MARGIN} by default.
         *
         * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
         * @return this builder
         */
        public Builder optMargin(double margin) {
            this.margin = margin;
            return this;
        }

        /**
         * The sign rule; {@link SignRule#CENTER} by default. The paper's {@link
         * SignRule#MAJORITY} rule is available (and is what the golden vectors and the paper
         * reproduction use), but on the paper's own Figure 2 tasks CENTER reached a lower final
         * loss on each of three seeds (mean 0.178 vs 0.211, lower in 22 of 27 cells; README), and
         * it also applies to regions given by their support. Several regions always take the
         * feasible shift closest to zero.
         *
         * @param rule how the side of each unit is chosen
         * @return this builder
         */
        public Builder optSignRule(SignRule rule) {
            this.rule = rule;
            return this;
        }

        /**
         * How regions travel through the network; {@link Strategy#AUTO} by default.
         *
         * @param strategy vertex rows, affine map, or AUTO
         * @return this builder
         */
        public Builder optStrategy(Strategy strategy) {
            this.strategy = strategy;
            return this;
        }

        /**
         * Compute the shift without gradient: the constraint still holds exactly at every step,
         * but the optimiser no longer sees how the shift depends on the weights, and the backward
         * pass skips the region entirely. Off by default.
         *
         * @param detached true to detach the shift
         * @return this builder
         */
        public Builder optDetachedShift(boolean detached) {
            this.detachedShift = detached;
            return this;
        }

        /**
         * Whether every unit's margin grows with the float32 rounding of what it protects (a
         * {@link RoundingGuard}; on by default, and ignored at margin 0, the paper's exact rule).
         * Off, every unit keeps the fixed margin: the shifts no longer depend on how the region
         * is carried (vertex rows or a tracked map), but at large input or weight scales the
         * folded network can fail its certificate.
         *
         * @param guard whether the margins follow the rounding bound
         * @return this builder
         */
        public Builder optRoundingGuard(boolean guard) {
            this.roundingGuard = guard;
            return this;
        }

        /**
         * A prescribed affine map on the first region (the paper's Eq. (1)/(2)), exact or as a
         * penalty; see {@link AffineTarget}.
         *
         * @param target the target, or null for none
         * @return this builder
         */
        public Builder optAffineTarget(AffineTarget target) {
            this.affineTarget = target;
            return this;
        }

        /**
         * Builds the network, checking that the regions agree in dimension and suit the sign rule
         * and strategy.
         *
         * @return the network
         */
        public PolicedMlp build() {
            if (regions.isEmpty() || regions.contains(null)) {
                throw new IllegalArgumentException("region: not set; call setRegion(...)");
            }
            int d = regions.get(0).dimension();
            for (int j = 1; j < regions.size(); j++) {
                if (regions.get(j).dimension() != d) {
                    throw new IllegalArgumentException(
                            "regions: region " + j + " has dimension " + regions.get(j).dimension()
                                    + ", expected " + d + " like region 0");
                }
            }
            boolean allVertices = regions.stream().allMatch(r -> r instanceof VertexRegion);
            SignRule signRule = rule != null ? rule : DEFAULT_SIGN_RULE;
            if (signRule == SignRule.MAJORITY && !allVertices) {
                throw new IllegalArgumentException(
                        "signRule: MAJORITY needs vertices to vote, but a region is given by its support ("
                                + regions.stream().filter(r -> !(r instanceof VertexRegion)).findFirst().get().describe()
                                + "); use MINIMAL_SHIFT or CENTER");
            }
            if (strategy == null) {
                throw new IllegalArgumentException("strategy: null; expected AUTO, VERTEX_ROWS or AFFINE_MAP");
            }
            if (strategy == Strategy.VERTEX_ROWS && !allVertices) {
                throw new IllegalArgumentException(
                        "strategy: VERTEX_ROWS needs vertices, but a region is given by its support; use AUTO or AFFINE_MAP");
            }
            this.rule = signRule;
            new ShiftEngine(margin, signRule); // validates the margin before anything is built
            if (network != null) {
                SequentialArchitecture arch = SequentialArchitecture.of(network, d);
                return new PolicedMlp(arch.linears(), arch.inputDropouts(), arch.activation(), arch.flattensInput(), this);
            }
            if (hidden == null || hidden.length == 0) {
                throw new IllegalArgumentException(
                        "hidden: no hidden layer; expected at least one width, e.g. setHidden(64, 64)");
            }
            for (int l = 0; l < hidden.length; l++) {
                if (hidden[l] <= 0) {
                    throw new IllegalArgumentException(
                            "hidden: width " + hidden[l] + " at layer " + l + "; expected > 0");
                }
            }
            if (outputs <= 0) {
                throw new IllegalArgumentException(
                        "outputs: " + outputs + "; expected a positive number of outputs");
            }
            if (affineTarget != null && affineTarget.outputs() != outputs) {
                throw new IllegalArgumentException(
                        "affineTarget: A has " + affineTarget.outputs() + " rows, expected " + outputs + " (the outputs)");
            }
            if (activation == null) {
                throw new IllegalArgumentException("activation: null; expected a Cpa");
            }
            List<Linear> layers = new ArrayList<>();
            long fanIn = d;
            for (int width : hidden) {
                layers.add(PlainMlp.linear(width, fanIn));
                fanIn = width;
            }
            layers.add(PlainMlp.linear(outputs, fanIn));
            return new PolicedMlp(layers, List.of(), activation, false, this);
        }
    }
}
