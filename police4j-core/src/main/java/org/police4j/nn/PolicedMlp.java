package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * A multi-layer perceptron that is affine on one or several regions at every step of training: the
 * dense front door of {@link PolicedNetwork}, which runs its layers (see there for how the regions
 * travel and how the shift is found). Its layers are DJL {@link Linear} children, so a wrapped
 * network's own blocks are trained in place. For inference, {@code org.police4j.fold.Fold} turns
 * the block into a plain {@link SequentialBlock} with the shifts in the biases.
 *
 * <p>Build one with {@link #builder()}, or POLICE an existing {@link SequentialBlock} of {@link
 * Linear} and piecewise-affine activation blocks with {@link #wrap}.
 */
public final class PolicedMlp extends PolicedNetwork {

    /** The sign rule of a builder that is not told one (see {@link Builder#optSignRule}). */
    public static final SignRule DEFAULT_SIGN_RULE = SignRule.HYSTERESIS;

    private final List<Linear> layers;
    private final boolean flattensInput;
    private final List<NetworkLayer> networkLayers;
    private final List<Parameter> heldSides;

    private PolicedMlp(
            List<Linear> layers, List<List<Block>> inputDropouts, Cpa activation, boolean flattensInput, Builder b) {
        super(new Settings(b.regions, activation, new ShiftEngine(b.margin, b.rule), b.strategy, b.detachedShift,
                b.roundingGuard, b.affineTarget));
        this.flattensInput = flattensInput;
        List<Linear> added = new ArrayList<>();
        List<NetworkLayer> network = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            boolean head = l == layers.size() - 1;
            Linear layer = addChildBlock(head ? "head" : "hidden" + l, layers.get(l));
            added.add(layer);
            network.add(new NetworkLayer.Dense(layer.getParameters().get("weight"), layer.getParameters().get("bias"),
                    head, inputDropouts.isEmpty() ? List.of() : List.copyOf(inputDropouts.get(l))));
        }
        this.layers = Collections.unmodifiableList(added);
        this.networkLayers = List.copyOf(network);
        List<Parameter> sides = new ArrayList<>();
        if (engine().rule().remembers() && regions().size() == 1) { // several regions take no side
            for (int l = 0; l + 1 < added.size(); l++) {
                sides.add(addParameter(Parameter.builder()
                        .setName("sides" + l)
                        .setType(Parameter.Type.OTHER)
                        .optShape(new Shape(units(added.get(l))))
                        .optInitializer(Initializer.ZEROS)
                        .optRequiresGrad(false)
                        .build()));
            }
        }
        this.heldSides = List.copyOf(sides);
    }

    /** The units of a Linear, known before it is initialised. */
    private static int units(Linear layer) {
        return (int) layer.getOutputShapes(new Shape[] {new Shape(1, 1)})[0].get(1);
    }

    /**
     * The held sides of hidden layer {@code l}, made (none held) with the layer's manager and type
     * when the block was never initialised as a whole: a wrapped network's layers may all be
     * initialised already.
     */
    @Override
    protected Parameter heldSides(int l) {
        if (heldSides.isEmpty()) {
            return null;
        }
        Parameter sides = heldSides.get(l);
        if (!sides.isInitialized()) {
            synchronized (sides) {
                if (!sides.isInitialized()) {
                    NDArray w = parameter(l, "weight").getArray();
                    sides.initialize(w.getManager(), w.getDataType());
                }
            }
        }
        return sides;
    }

    /** {@return a builder for a fresh network with PyTorch's default initialisation} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * POLICEs a user-built network: {@code Linear, activation, Linear, activation, ..., Linear},
     * every activation continuous piecewise affine with finitely many kinks and all the same, such
     * as DJL's model-zoo {@code Mlp} unchanged. Activations are recognised by what they compute on
     * probe values (ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any other whose kinks probing pins
     * down and verifies), whatever their names; nested SequentialBlocks are read as
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
     * <tr><td>ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any continuous piecewise-affine function
     *     with finitely many kinks (any block or lambda computing one)</td><td>after a Linear,
     *     the same one throughout</td><td>kept; judged by probing, never by name</td></tr>
     * <tr><td>identity, nested {@code SequentialBlock}</td><td>anywhere</td><td>dropped /
     *     read as its children</td></tr>
     * <tr><td>row flatten ({@code Blocks.batchFlattenBlock})</td><td>before the first
     *     Linear</td><td>done by the wrapper; inputs (N, ...) accepted</td></tr>
     * <tr><td>{@code Dropout}</td><td>before any Linear (between a Linear and its activation it
     *     moves after the activation, which ReLU, leaky-ReLU and abs commute with; refused before
     *     any other activation)</td><td>kept on the data rows, in
     *     training only; the region's vertex rows skip it, because the certificate is about the
     *     inference network, where dropout is the identity</td></tr>
     * <tr><td>{@code Dropout}</td><td>after the head</td><td>refused</td></tr>
     * <tr><td>{@code BatchNorm}</td><td>directly after a Linear, network initialised</td><td>
     *     folded into that Linear with its inference statistics: a new Linear replaces the pair,
     *     and the batch-norm is frozen (its statistics no longer update)</td></tr>
     * <tr><td>{@code BatchNorm}</td><td>elsewhere, or not initialised</td><td>refused (batch
     *     statistics would include the vertex rows)</td></tr>
     * <tr><td>smooth activations (tanh, sigmoid, GELU, softplus, ...), an element-wise scale or
     *     shift, {@code Prelu} (a learned slope), {@code LayerNorm}, a block whose name claims
     *     ReLU but computes something else, any other block</td><td>anywhere</td>
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

    /**
     * The (N, D) shape the layers see: the input's own, or, when the wrapped network started with
     * a flatten, the input's rows flattened.
     */
    private Shape rowShape(Shape input) {
        int dim = inputDimension();
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

    @Override
    protected List<NetworkLayer> networkLayers() {
        return networkLayers;
    }

    @Override
    protected NDArray inputRows(NDArray x) {
        Shape rows = rowShape(x.getShape());
        return rows.equals(x.getShape()) ? x : x.reshape(rows); // the wrapped network's own flatten
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
        AffineTarget target = affineTarget();
        r.put("regions", regions().size());
        for (int j = 0; j < regions().size(); j++) {
            r.putRegion("region" + j, regions().get(j));
        }
        r.put("signRule", engine().rule().name());
        r.put("margin", engine().margin());
        r.put("roundingGuard", roundingGuard());
        r.put("activation", activation().kind().name());
        r.put("negativeSlope", activation().negativeSlope());
        if (activation().kind() == Cpa.Kind.PIECEWISE) {
            r.put("cpa", activation().id());
        }
        r.put("strategy", strategy().name());
        int[] widths = new int[layers.size()];
        for (int l = 0; l < widths.length; l++) {
            widths[l] = units(layers.get(l));
        }
        r.put("widths", widths);
        if (target != null) {
            r.put("target.mode", target.mode().name());
            r.put("target.weight", target.weight());
            r.put("target.a", target.a());
            if (target.b() != null) {
                r.put("target.b", target.b());
            }
        }
        return r;
    }

    /**
     * The region alone through the network in inference mode (no data rows): the shifts the fold
     * adds to the biases, the sides of the units, the head as applied.
     *
     * @param manager owns the trace's arrays
     * @return the trace of the region-only forward
     */
    public Trace regionTrace(NDManager manager) {
        requireFloat32("block");
        NDArray none = manager.zeros(new Shape(0, inputDimension()), DataType.FLOAT32);
        return forwardWithTrace(new ai.djl.training.ParameterStore(manager, false), none, false);
    }

    /** {@return the dense layers, hidden first, head last} */
    public List<Linear> layers() {
        return layers;
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
        sb.append("activation=").append(activation().id());
        for (Region r : regions()) {
            sb.append(", region=").append(r.describe());
        }
        sb.append(", ").append(engine()).append(", strategy=").append(strategy());
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
         * The sign rule; {@link SignRule#HYSTERESIS} by default: on the paper's nine Figure 2 tasks
         * (five seeds each) it reached a lower mean and a lower worst-seed final loss than CENTER,
         * MINIMAL_SHIFT and the paper's MAJORITY, because its units rarely change side
         * ({@code docs/SIGN-RULES.md}); it also applies to regions given by their support. The
         * paper's {@link SignRule#MAJORITY} is what the golden vectors and the paper reproduction
         * use. Several regions always take the feasible shift closest to zero.
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
         * {@link org.police4j.engine.RoundingGuard}; on by default, and ignored at margin 0, the paper's exact rule).
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
                                + "); use HYSTERESIS, MINIMAL_SHIFT or CENTER");
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
