package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.police4j.engine.ShiftEngine;
import org.police4j.region.VertexRegion;

/**
 * A multi-layer perceptron that is affine on a region R at every step of training: the DJL block
 * of the POLICE method.
 *
 * <p>Every forward appends R's vertices below the batch, inside the block, so DJL's batch
 * splitting across devices still hands each device whole data rows plus its own copy of the
 * vertices. Each hidden layer's pre-activations of the vertex rows go through the {@link
 * ShiftEngine}, whose shift is added to every row before the activation; the head is a plain
 * linear layer. Only the data rows are returned. For inference without the vertex rows, {@link
 * org.police4j.fold.Fold} turns the block into a plain {@link SequentialBlock}.
 *
 * <p>Build one with {@link #builder()}, or POLICE an existing {@link SequentialBlock} of {@link
 * Linear} and piecewise-affine activation blocks with {@link #wrap}.
 */
public final class PolicedMlp extends AbstractBlock {

    private static final byte VERSION = 1;

    private final List<Linear> layers;
    private final Cpa activation;
    private final VertexRegion region;
    private final float[][] vertexRows;
    private final ShiftEngine engine;

    private PolicedMlp(List<Linear> layers, Cpa activation, VertexRegion region, double margin) {
        super(VERSION);
        if (region == null) {
            throw new IllegalArgumentException("region must be set: the block needs R's vertices");
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the network needs at least a head layer");
        }
        this.activation = activation;
        this.region = region;
        this.engine = new ShiftEngine(margin);
        double[][] v = region.vertices();
        this.vertexRows = new float[v.length][];
        for (int p = 0; p < v.length; p++) {
            vertexRows[p] = new float[v[p].length];
            for (int j = 0; j < v[p].length; j++) {
                vertexRows[p][j] = (float) v[p][j];
            }
        }
        List<Linear> added = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            String name = l == layers.size() - 1 ? "head" : "hidden" + l;
            added.add(addChildBlock(name, layers.get(l)));
        }
        this.layers = Collections.unmodifiableList(added);
    }

    /** A builder for a fresh network with PyTorch's default initialisation. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * POLICEs a user-built network: {@code Linear, activation, Linear, activation, ..., Linear},
     * every activation piecewise affine with one kink at 0 and all the same. Anything else is
     * refused with the offending block's position and name, because the guarantee would silently
     * not hold.
     *
     * @param network the network; its Linear blocks are reused (shared, not copied)
     * @param region the region on which the result will be affine
     * @param margin see {@link ShiftEngine}
     * @return the POLICEd network
     */
    public static PolicedMlp wrap(SequentialBlock network, VertexRegion region, double margin) {
        SequentialArchitecture arch = SequentialArchitecture.of(network);
        return new PolicedMlp(arch.linears(), arch.activation(), region, margin);
    }

    /** {@link #wrap(SequentialBlock, VertexRegion, double)} with the default margin. */
    public static PolicedMlp wrap(SequentialBlock network, VertexRegion region) {
        return wrap(network, region, ShiftEngine.DEFAULT_MARGIN);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        Trace trace = run(parameterStore, inputs.singletonOrThrow(), training, false);
        return new NDList(trace.outputs());
    }

    /**
     * The constrained forward, also returning what the tests and the fold need: the vertex rows'
     * outputs and every hidden layer's signs and shifts.
     *
     * @param parameterStore where the parameters come from
     * @param x N x D data rows (N may be 0: then only the region passes through)
     * @param training whether DJL is in training mode
     * @return outputs, vertex outputs, signs and shifts
     */
    public Trace forwardWithTrace(ParameterStore parameterStore, NDArray x, boolean training) {
        return run(parameterStore, x, training, true);
    }

    private Trace run(ParameterStore ps, NDArray x, boolean training, boolean keepTrace) {
        if (x.getShape().dimension() != 2 || x.getShape().get(1) != region.dimension()) {
            throw new IllegalArgumentException(
                    "input: shape "
                            + x.getShape()
                            + ", expected (N, "
                            + region.dimension()
                            + ") to match the region's dimension");
        }
        long n = x.getShape().get(0);
        NDManager manager = x.getManager();
        NDArray vertices = manager.create(vertexRows).toType(x.getDataType(), false);
        NDArray z = NDArrays.concat(new NDList(x, vertices), 0);
        String vertexSlice = n + ":";
        List<NDArray> signs = new ArrayList<>();
        List<NDArray> shifts = new ArrayList<>();
        List<NDArray> shifted = new ArrayList<>();
        for (int l = 0; l < layers.size() - 1; l++) {
            NDArray h = layers.get(l).forward(ps, new NDList(z), training).singletonOrThrow();
            NDArray hv = h.get(vertexSlice);
            NDArray s = engine.signs(hv);
            NDArray c = engine.shift(hv, s);
            NDArray hc = h.add(c);
            if (keepTrace) {
                signs.add(s);
                shifts.add(c);
                shifted.add(hc.get(vertexSlice));
            }
            z = CpaOps.apply(activation, hc);
        }
        NDArray out = layers.get(layers.size() - 1).forward(ps, new NDList(z), training).head();
        return new Trace(out.get(":" + n), out.get(vertexSlice), signs, shifts, shifted);
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
     */
    public record Trace(
            NDArray outputs,
            NDArray vertexOutputs,
            List<NDArray> signs,
            List<NDArray> shifts,
            List<NDArray> vertexPreActivations) {}

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape shape = inputShapes[0];
        for (Linear layer : layers) {
            layer.initialize(manager, dataType, shape);
            shape = layer.getOutputShapes(new Shape[] {shape})[0];
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Linear layer : layers) {
            shapes = layer.getOutputShapes(shapes);
        }
        return shapes;
    }

    /** The dense layers, hidden first, head last. */
    public List<Linear> layers() {
        return layers;
    }

    public Cpa activation() {
        return activation;
    }

    public VertexRegion region() {
        return region;
    }

    public ShiftEngine engine() {
        return engine;
    }

    /** The input dimension D (the region's). */
    public int inputDimension() {
        return region.dimension();
    }

    /** The widths of the hidden layers, read from the initialised weights. */
    public int[] hiddenWidths() {
        int[] widths = new int[layers.size() - 1];
        for (int l = 0; l < widths.length; l++) {
            widths[l] = (int) weight(l).getShape().get(0);
        }
        return widths;
    }

    /** The number of outputs, read from the initialised head. */
    public int outputs() {
        return (int) weight(layers.size() - 1).getShape().get(0);
    }

    /** The weight array of layer {@code l} (hidden layers first, head last). */
    public NDArray weight(int l) {
        return parameter(l, "weight").getArray();
    }

    /** The bias array of layer {@code l} (hidden layers first, head last). */
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
        sb.append(", region=").append(region.describe());
        sb.append(", margin=").append(engine.margin());
        sb.append(", layers=").append(layers.size()).append(')');
        return sb.toString();
    }

    /** Builder in DJL's style: required setters, optional {@code opt*}. */
    public static final class Builder {
        private int[] hidden;
        private int outputs = -1;
        private Cpa activation = Cpa.leakyRelu();
        private VertexRegion region;
        private double margin = ShiftEngine.DEFAULT_MARGIN;

        private Builder() {}

        /** The hidden widths, one per constrained layer (at least one). */
        public Builder setHidden(int... widths) {
            this.hidden = widths.clone();
            return this;
        }

        /** The number of outputs of the linear head. */
        public Builder setOutputs(int outputs) {
            this.outputs = outputs;
            return this;
        }

        /** The region R, which also fixes the input dimension. */
        public Builder setRegion(VertexRegion region) {
            this.region = region;
            return this;
        }

        /** The activation after every hidden layer; leaky-ReLU(0.01) by default. */
        public Builder optActivation(Cpa activation) {
            this.activation = activation;
            return this;
        }

        /** See {@link ShiftEngine}; {@link ShiftEngine#DEFAULT_MARGIN} by default. */
        public Builder optMargin(double margin) {
            this.margin = margin;
            return this;
        }

        public PolicedMlp build() {
            if (region == null) {
                throw new IllegalArgumentException("region: not set; call setRegion(...)");
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
            if (activation == null) {
                throw new IllegalArgumentException("activation: null; expected a Cpa");
            }
            List<Linear> layers = new ArrayList<>();
            long fanIn = region.dimension();
            for (int width : hidden) {
                layers.add(linear(width, fanIn));
                fanIn = width;
            }
            layers.add(linear(outputs, fanIn));
            return new PolicedMlp(layers, activation, region, margin);
        }

        private static Linear linear(int width, long fanIn) {
            return PlainMlp.linear(width, fanIn);
        }
    }
}
