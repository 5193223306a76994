package org.police4j.conv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.police4j.engine.LayerRange;
import org.police4j.engine.ShiftEngine;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.engine.CpaOps;
import org.police4j.nn.BlockRecord;
import org.police4j.nn.PolicedBlock;
import org.police4j.nn.FanInUniform;
import org.police4j.region.VertexRegion;

/**
 * A POLICEd convolutional network: affine on a convex polytope R of images (given by its vertices,
 * flattened channel-major to C*H*W) after every forward, in training and in inference.
 *
 * <h2>Architecture</h2>
 *
 * Input (C, H, W); stages from the {@link Builder}: {@code conv}, {@code batchNorm} (directly
 * after a conv), {@code maxPool} (directly after a conv or conv + batchNorm), {@code flatten},
 * {@code globalAvgPool}, {@code dense}; then the linear head {@code outputs(K)}. The activation (a
 * {@link Cpa}) follows every conv group {@code conv [batchNorm] [maxPool]} and every hidden dense
 * layer. Input rows are (N, C, H, W) or flattened (N, C*H*W).
 *
 * <h2>The constraint</h2>
 *
 * The region's P vertices are appended to the batch (one convolution for data and vertices). In
 * every conv layer every output position of every channel is its own unit: the vertex
 * pre-activations (P, C', H', W') are reshaped to P x (C'H'W'), the {@link ShiftEngine} gives one
 * shift per unit, and the shift, reshaped to (C', H', W'), is added to all rows (broadcast over
 * the batch). Dense layers are POLICEd exactly like {@link org.police4j.nn.PolicedMlp}.
 *
 * <h2>Max-pooling, exactly</h2>
 *
 * Max-pooling is affine on R only if in every window one and the same position wins for every
 * point of R. The network pools the <em>pre-activations</em> (conv, batch-norm, pool, shift,
 * activation): for a non-decreasing activation s, {@code max(s(a), s(b)) = s(max(a, b))}, so
 * this is the usual conv-activation-pool network (abs and negative leaks are refused). In each
 * window (windows do not overlap: stride == kernel), the majority winner w is the position that is
 * the argmax for most vertices (ties to the lowest position); every other position q is shifted
 * down by {@code d_q = max_p ReLU(h_q(v_p) - h_w(v_p) + margin)}, differentiable like the POLICE
 * shift, so that after the shift w beats q by at least the margin at every vertex. Since
 * {@code h_w - h_q} is affine on R (induction over layers) and non-negative at the vertices, it is
 * non-negative on all of R: the pool selects w on R and is the affine map {@code h_w}. The pooled
 * units are then shifted by the engine so that none straddles the kink; by induction the network
 * is affine on R. The per-position shifts fold into a per-position bias before the pool, the
 * per-unit shift too ({@code max(a + c) = max(a) + c}), see {@link #fold()}.
 *
 * <h2>Batch-norm</h2>
 *
 * In training mode the statistics are those of the data rows only (the vertex rows are not
 * data), and the same per-channel affine map normalises the vertex rows, so the network stays
 * affine on R for the batch at hand; running statistics are updated (momentum 0.1, unbiased
 * variance, like PyTorch). With no data rows, or in inference mode, the running statistics are
 * used; then batch-norm is a fixed per-channel affine map and folds into its conv.
 */
public final class PolicedConvNet extends PolicedBlock {

    /** Batch-norm epsilon and momentum (PyTorch's defaults). */
    public static final float BN_EPS = 1e-5f;

    /** Batch-norm momentum of the running statistics (PyTorch's default). */
    public static final float BN_MOMENTUM = 0.1f;

    final Plan plan;
    private final List<Stage> stages;
    private final Cpa activation;
    private final VertexRegion region;
    private final ShiftEngine engine;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final float[] vertexRows;
    /** Per conv/dense layer index, dropout blocks on that layer's input: data rows, training only. */
    private final Map<Integer, List<Block>> inputDropouts;

    private PolicedConvNet(Builder b, Plan plan) {
        this.plan = plan;
        Map<Integer, List<Block>> dropouts = new LinkedHashMap<>();
        b.inputDropouts.forEach((layer, blocks) -> dropouts.put(layer, List.copyOf(blocks)));
        this.inputDropouts = Map.copyOf(dropouts);
        this.stages = List.copyOf(b.stages);
        this.activation = b.activation;
        this.region = b.region;
        this.engine = new ShiftEngine(b.margin);
        for (Plan.Layer layer : plan.layers) {
            if (layer instanceof Plan.ConvLayer c) {
                long fanIn = (long) c.inC() * c.conv().kernel() * c.conv().kernel();
                int k = c.conv().kernel();
                add("conv" + c.index() + ".weight", Parameter.Type.WEIGHT, new Shape(c.outC(), c.inC(), k, k), new FanInUniform(fanIn));
                add("conv" + c.index() + ".bias", Parameter.Type.BIAS, new Shape(c.outC()), new FanInUniform(fanIn));
                if (c.batchNorm()) {
                    add("bn" + c.index() + ".gamma", Parameter.Type.GAMMA, new Shape(c.outC()), Initializer.ONES);
                    add("bn" + c.index() + ".beta", Parameter.Type.BETA, new Shape(c.outC()), Initializer.ZEROS);
                    add("bn" + c.index() + ".runningMean", Parameter.Type.RUNNING_MEAN, new Shape(c.outC()), Initializer.ZEROS);
                    add("bn" + c.index() + ".runningVar", Parameter.Type.RUNNING_VAR, new Shape(c.outC()), Initializer.ONES);
                }
            } else if (layer instanceof Plan.DenseLayer d) {
                String name = denseName(d);
                add(name + ".weight", Parameter.Type.WEIGHT, new Shape(d.out(), d.in()), new FanInUniform(d.in()));
                add(name + ".bias", Parameter.Type.BIAS, new Shape(d.out()), new FanInUniform(d.in()));
            }
        }
        double[][] v = region.vertices();
        vertexRows = new float[v.length * plan.inputDimension()];
        for (int p = 0; p < v.length; p++) {
            for (int i = 0; i < v[p].length; i++) {
                vertexRows[p * v[p].length + i] = (float) v[p][i];
            }
        }
    }

    static String denseName(Plan.DenseLayer d) {
        return d.hidden() ? "dense" + d.index() : "head";
    }

    private void add(String name, Parameter.Type type, Shape shape, Initializer init) {
        boolean running = type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR;
        Parameter p =
                addParameter(
                        Parameter.builder()
                                .setName(name)
                                .setType(type)
                                .optShape(shape)
                                .optInitializer(init)
                                .optRequiresGrad(!running)
                                .build());
        params.put(name, p);
    }

    /**
     * {@return a builder: {@code setInput(C, H, W)}, stages in order, {@code outputs(K)}, {@code setRegion}}
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(run(ps, inputs.singletonOrThrow(), training, false).outputs());
    }

    /**
     * The constrained forward, also returning the vertex rows' outputs and every layer's shifts
     * (for tests, the fold and diagnostics).
     *
     * @param ps where the parameters come from
     * @param x (N, C, H, W) or (N, C*H*W) data rows; N may be 0
     * @param training DJL's training mode (batch-norm statistics from the data rows)
     * @return the data rows' outputs with the vertex rows' outputs and the shifts
     */
    public Trace forwardWithTrace(ParameterStore ps, NDArray x, boolean training) {
        return run(ps, x, training, true);
    }

    private Trace run(ParameterStore ps, NDArray x, boolean training, boolean keep) {
        Shape s = x.getShape();
        int d = plan.inputDimension();
        boolean flat = s.dimension() == 2 && s.get(1) == d;
        boolean image = s.dimension() == 4 && s.get(1) == plan.c && s.get(2) == plan.h && s.get(3) == plan.w;
        if (!flat && !image) {
            throw new IllegalArgumentException(
                    "input: shape " + s + ", expected (N, " + plan.c + ", " + plan.h + ", " + plan.w + ") or (N, " + d + ")");
        }
        long n = s.get(0);
        NDManager manager = x.getManager();
        int p = region.vertexCount();
        NDArray v = manager.create(vertexRows, new Shape(p, plan.c, plan.h, plan.w)).toType(x.getDataType(), false);
        NDArray z = n == 0 ? v : x.reshape(n, plan.c, plan.h, plan.w).concat(v, 0);
        List<LayerTrace> traces = new ArrayList<>();
        NDArray out = null;
        for (Plan.Layer layer : plan.layers) {
            if (layer instanceof Plan.ConvLayer c) {
                z = dropData(ps, z, c.index(), n, training);
                String name = "conv" + c.index();
                NDArray pre =
                        Conv2d.conv2d(
                                        z,
                                        value(ps, name + ".weight", x, training),
                                        value(ps, name + ".bias", x, training),
                                        new Shape(c.conv().stride(), c.conv().stride()),
                                        new Shape(c.conv().padding(), c.conv().padding()))
                                .singletonOrThrow();
                if (c.batchNorm()) {
                    pre = batchNorm(ps, c, pre, n, x, training);
                }
                NDArray poolShift = null;
                NDArray windows = null;
                if (c.pool() > 0) {
                    PoolShift.Result r = PoolShift.compute(vertexPart(pre, n), c.pool(), engine.margin());
                    poolShift = r.shift();
                    windows = keep ? r.shiftedWindows() : null;
                    pre = pre.sub(poolShift);
                    Shape k = new Shape(c.pool(), c.pool());
                    pre = Pool.maxPool2d(pre, k, k, new Shape(0, 0), false);
                }
                NDArray vertexPre = vertexPart(pre, n).reshape(p, c.units());
                ShiftEngine.Shift shift = engine.shift(LayerRange.ofVertices(vertexPre));
                pre = pre.add(shift.shift().reshape(c.outC(), c.actH(), c.actW()));
                if (keep) {
                    traces.add(new LayerTrace(vertexPart(pre, n).reshape(p, c.units()), shift.signs(), shift.shift(), poolShift, windows));
                }
                z = CpaOps.apply(activation, pre);
            } else if (layer instanceof Plan.FlattenLayer) {
                z = z.reshape(z.getShape().get(0), -1);
            } else if (layer instanceof Plan.GapLayer) {
                z = z.reshape(z.getShape().get(0), z.getShape().get(1), -1).mean(new int[] {2});
            } else {
                Plan.DenseLayer dl = (Plan.DenseLayer) layer;
                z = dropData(ps, z, dl.index(), n, training);
                String name = denseName(dl);
                NDArray pre =
                        Linear.linear(z, value(ps, name + ".weight", x, training), value(ps, name + ".bias", x, training))
                                .singletonOrThrow();
                if (!dl.hidden()) {
                    out = pre;
                    break;
                }
                ShiftEngine.Shift shift = engine.shift(LayerRange.ofVertices(vertexPart(pre, n)));
                pre = pre.add(shift.shift());
                if (keep) {
                    traces.add(new LayerTrace(vertexPart(pre, n), shift.signs(), shift.shift(), null, null));
                }
                z = CpaOps.apply(activation, pre);
            }
        }
        NDArray outputs = out.get("0:{}", n);
        NDArray vertexOutputs = keep ? vertexPart(out, n) : null;
        return new Trace(outputs, vertexOutputs, traces);
    }

    /**
     * Applies layer {@code index}'s input dropouts (see {@link Builder#optInputDropout}) to the
     * first n rows (the data rows) in training; the vertex rows pass unchanged.
     */
    private NDArray dropData(ParameterStore ps, NDArray z, int index, long n, boolean training) {
        List<Block> dropouts = inputDropouts.get(index);
        if (!training || n == 0 || dropouts == null) {
            return z;
        }
        NDArray data = z.get("0:{}", n);
        for (Block dropout : dropouts) {
            data = dropout.forward(ps, new NDList(data), true).singletonOrThrow();
        }
        return data.concat(vertexPart(z, n), 0);
    }

    private static NDArray vertexPart(NDArray a, long n) {
        return n == 0 ? a : a.get("{}:", n);
    }

    /**
     * Batch-norm with the data rows' statistics (training, N > 0) or the running ones, the same
     * per-channel affine map applied to all rows.
     */
    private NDArray batchNorm(ParameterStore ps, Plan.ConvLayer c, NDArray pre, long n, NDArray x, boolean training) {
        String name = "bn" + c.index();
        NDArray gamma = value(ps, name + ".gamma", x, training);
        NDArray beta = value(ps, name + ".beta", x, training);
        NDArray mean;
        NDArray var;
        if (training && n > 0) {
            NDArray data = pre.get("0:{}", n);
            // per channel over (rows, positions): PyTorch's mean takes one axis at a time, and
            // equal-sized groups make the mean of means the mean (no transposed copy)
            mean = data.mean(new int[] {3}).mean(new int[] {2}).mean(new int[] {0});
            var = data.sub(mean.reshape(1, c.outC(), 1, 1))
                    .square()
                    .mean(new int[] {3})
                    .mean(new int[] {2})
                    .mean(new int[] {0});
            long count = n * c.outH() * c.outW();
            float unbias = count > 1 ? (float) count / (count - 1) : 1f;
            NDArray rm = params.get(name + ".runningMean").getArray();
            NDArray rv = params.get(name + ".runningVar").getArray();
            NDArray m = mean.stopGradient().mul(BN_MOMENTUM);
            NDArray vv = var.stopGradient().mul(BN_MOMENTUM * unbias);
            rm.muli(1 - BN_MOMENTUM).addi(m);
            rv.muli(1 - BN_MOMENTUM).addi(vv);
        } else {
            mean = value(ps, name + ".runningMean", x, false);
            var = value(ps, name + ".runningVar", x, false);
        }
        NDArray[] affine = batchNormAffine(gamma, beta, mean, var);
        return pre.mul(affine[0].reshape(1, c.outC(), 1, 1)).add(affine[1].reshape(1, c.outC(), 1, 1));
    }

    /**
     * Batch-norm with given statistics as the per-channel affine map {@code y = s x + t}, {@code
     * s = gamma / sqrt(var + eps)}, {@code t = beta - mean s}: written once, for the forward and
     * the fold, so that both compute the same float32 numbers.
     *
     * @return {s, t}
     */
    static NDArray[] batchNormAffine(NDArray gamma, NDArray beta, NDArray mean, NDArray var) {
        NDArray scale = gamma.div(var.add(BN_EPS).sqrt());
        return new NDArray[] {scale, beta.sub(mean.mul(scale))};
    }

    private NDArray value(ParameterStore ps, String name, NDArray x, boolean training) {
        return ps.getValue(params.get(name), x.getDevice(), training);
    }

    /**
     * What one constrained forward computed.
     *
     * @param outputs N x K outputs of the data rows
     * @param vertexOutputs P x K outputs of the vertex rows
     * @param layers one entry per activation layer (conv groups, then hidden dense layers)
     */
    public record Trace(NDArray outputs, NDArray vertexOutputs, List<LayerTrace> layers) {}

    /**
     * One activation layer.
     *
     * @param vertexPreActivations P x units: what the activation sees at the vertices, after all
     *     shifts (no unit may straddle the kink)
     * @param signs the units' sides
     * @param shift the units' POLICE shifts (flattened (C', H'', W'') for a conv layer)
     * @param poolShift (C', H', W') shift subtracted from each position before the pool, or null
     * @param vertexWindows (P, C', H'', W'', k*k) vertex pre-activations in each window after the
     *     pool shift, or null: one position must be the maximum at every vertex
     */
    public record LayerTrace(
            NDArray vertexPreActivations, NDArray signs, NDArray shift, NDArray poolShift, NDArray vertexWindows) {}

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), plan.outputs)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no child blocks: every parameter is this block's own; the input shape is checked here,
        // so that a wrong one is refused at initialize rather than at the first forward
        Shape s = inputShapes[0];
        int d = plan.inputDimension();
        boolean flat = s.dimension() == 2 && s.get(1) == d;
        boolean image = s.dimension() == 4 && s.get(1) == plan.c && s.get(2) == plan.h && s.get(3) == plan.w;
        if (!flat && !image) {
            throw new IllegalArgumentException(
                    "inputShapes: " + s + ", expected (N, " + plan.c + ", " + plan.h + ", " + plan.w + ") or (N, " + d + ")");
        }
    }

    /**
     * Writes, as DJL's {@code Model.save} asks, the {@link #record()} (what decides the function
     * besides the parameters), then the parameters (running batch-norm statistics included) and
     * their CRC32.
     *
     * @param os the stream
     * @throws IOException if the stream fails
     */
    /**
     * What decides this network's function besides its parameters, as saved with them: the
     * region (exact vertices), input shape, stages, outputs, activation, margin and sign rule.
     *
     * @return a fresh record
     */
    @Override
    public BlockRecord record() {
        BlockRecord r = BlockRecord.of("PolicedConvNet");
        r.putRegion("region", region);
        r.put("input", inputShape());
        r.put("stages", stages.size());
        for (int i = 0; i < stages.size(); i++) {
            r.put("stage" + i, stages.get(i).toString());
        }
        r.put("outputs", plan.outputs);
        r.put("activation", activation.kind().name());
        r.put("negativeSlope", activation.negativeSlope());
        r.put("margin", engine.margin());
        r.put("signRule", engine.rule().name());
        return r;
    }

    /** {@return the stages as given to the builder (the head excluded)} */
    public List<Stage> stages() {
        return stages;
    }

    /** {@return the input shape (C, H, W)} */
    public int[] inputShape() {
        return new int[] {plan.c, plan.h, plan.w};
    }

    /** {@return D = C * H * W, the length of a flattened input and the region's dimension} */
    public int inputDimension() {
        return plan.inputDimension();
    }

    /** {@return K, the width of the linear head} */
    public int outputs() {
        return plan.outputs;
    }

    /** {@return the activation applied after every conv group and hidden dense layer} */
    public Cpa activation() {
        return activation;
    }

    /** {@return the region R on which the network is affine} */
    public VertexRegion region() {
        return region;
    }

    /** {@return the engine that computes the shifts (margin and sign rule)} */
    public ShiftEngine engine() {
        return engine;
    }

    /**
     * A parameter's array by name: {@code convL.weight}, {@code convL.bias}, {@code bnL.gamma},
     * {@code bnL.beta}, {@code bnL.runningMean}, {@code bnL.runningVar}, {@code denseL.weight},
     * {@code denseL.bias}, {@code head.weight}, {@code head.bias} (L the layer index).
     *
     * @param name one of {@link #parameterNames()}
     * @return the parameter's array (not a copy)
     */
    public NDArray parameter(String name) {
        Parameter p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("parameter: no '" + name + "'; have " + params.keySet());
        }
        if (!p.isInitialized()) {
            throw new IllegalStateException("not initialised: call initialize() or train first");
        }
        return p.getArray();
    }

    /** {@return the parameter names, in saving order} */
    public List<String> parameterNames() {
        return List.copyOf(params.keySet());
    }

    /** {@return the plain network with the shifts folded into biases: see {@link ConvFold}} */
    public FoldedNetwork fold() {
        return ConvFold.fold(this);
    }

    @Override
    public String toString() {
        return "PolicedConvNet(input=" + plan.c + "x" + plan.h + "x" + plan.w + ", stages=" + stages
                + ", outputs=" + plan.outputs + ", activation=" + activation.id() + ", region="
                + region.describe() + ", " + engine + ")";
    }

    /** Builder: {@code setInput(C, H, W)}, stages in order, {@code outputs(K)}, {@code setRegion}. */
    public static final class Builder {
        private int c = -1;
        private int h = -1;
        private int w = -1;
        private final List<Stage> stages = new ArrayList<>();
        private int outputs = -1;
        private Cpa activation = Cpa.relu();
        private VertexRegion region;
        private double margin = ShiftEngine.DEFAULT_MARGIN;
        private final Map<Integer, List<Block>> inputDropouts = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds a dropout block on the input of conv or dense layer {@code layer} (layers counted
         * from 0 over convs and hidden dense layers in order, the head last). It acts on the data
         * rows only, in training only: the region's vertex rows skip it, because the guarantee is
         * about the inference network, where dropout is the identity.
         *
         * @param layer the layer index, {@code >= 0}
         * @param dropout a parameterless block such as DJL's {@code Dropout}, not null
         * @return this builder
         */
        public Builder optInputDropout(int layer, Block dropout) {
            if (layer < 0 || dropout == null) {
                throw new IllegalArgumentException(
                        "optInputDropout: layer " + layer + ", dropout " + dropout + "; expected layer >= 0 and a block");
            }
            inputDropouts.computeIfAbsent(layer, k -> new ArrayList<>()).add(dropout);
            return this;
        }

        /**
         * Sets the input's shape (required).
         *
         * @param channels C
         * @param height H
         * @param width W
         * @return this builder
         */
        public Builder setInput(int channels, int height, int width) {
            this.c = channels;
            this.h = height;
            this.w = width;
            return this;
        }

        /**
         * Adds a convolution with a square kernel.
         *
         * @param channels output channels
         * @param kernel kernel side
         * @param stride step between positions
         * @param padding zeros added on each side
         * @return this builder
         */
        public Builder conv(int channels, int kernel, int stride, int padding) {
            return add(new Stage.Conv(channels, kernel, stride, padding));
        }

        /**
         * Adds a convolution with stride 1 and no padding.
         *
         * @param channels output channels
         * @param kernel kernel side
         * @return this builder
         */
        public Builder conv(int channels, int kernel) {
            return conv(channels, kernel, 1, 0);
        }

        /**
         * Adds max-pooling over non-overlapping windows after the preceding conv.
         *
         * @param kernel window side
         * @param stride must equal {@code kernel}
         * @return this builder
         */
        public Builder maxPool(int kernel, int stride) {
            return add(new Stage.MaxPool(kernel, stride));
        }

        /**
         * Adds batch normalisation directly after the preceding conv.
         *
         * @return this builder
         */
        public Builder batchNorm() {
            return add(new Stage.BatchNorm());
        }

        /**
         * Flattens the feature map into a vector (channel-major).
         *
         * @return this builder
         */
        public Builder flatten() {
            return add(new Stage.Flatten());
        }

        /**
         * Averages each channel over its positions, turning the feature map into a vector.
         *
         * @return this builder
         */
        public Builder globalAvgPool() {
            return add(new Stage.GlobalAvgPool());
        }

        /**
         * Adds a constrained hidden dense layer.
         *
         * @param width its number of units
         * @return this builder
         */
        public Builder dense(int width) {
            return add(new Stage.Dense(width));
        }

        /**
         * Adds any stage (used when loading).
         *
         * @param stage the stage, not null
         * @return this builder
         */
        public Builder add(Stage stage) {
            if (stage == null) {
                throw new IllegalArgumentException("stage: null");
            }
            stages.add(stage);
            return this;
        }

        /**
         * Sets the linear head's width K (required).
         *
         * @param k the number of outputs
         * @return this builder
         */
        public Builder outputs(int k) {
            this.outputs = k;
            return this;
        }

        /**
         * Sets the activation; ReLU by default.
         *
         * @param activation the CPA activation, not null
         * @return this builder
         */
        public Builder optActivation(Cpa activation) {
            this.activation = activation;
            return this;
        }

        /**
         * Sets the region R the network must be affine on (required).
         *
         * @param region a vertex region of dimension C*H*W
         * @return this builder
         */
        public Builder setRegion(VertexRegion region) {
            this.region = region;
            return this;
        }

        /**
         * Sets how far past the kink every vertex is pushed (default {@link ShiftEngine#DEFAULT_MARGIN}).
         *
         * @param margin finite and {@code >= 0}
         * @return this builder
         */
        public Builder optMargin(double margin) {
            this.margin = margin;
            return this;
        }

        /** {@return the network, with its shapes and the region's dimension checked} */
        public PolicedConvNet build() {
            if (activation == null) {
                throw new IllegalArgumentException("activation: null; expected a Cpa");
            }
            if (region == null) {
                throw new IllegalArgumentException("region: not set; call setRegion(...)");
            }
            if (c < 0) {
                throw new IllegalArgumentException("input: not set; call setInput(C, H, W)");
            }
            new ShiftEngine(margin); // validates
            Plan plan = new Plan(c, h, w, stages, outputs, activation);
            if (region.dimension() != plan.inputDimension()) {
                throw new IllegalArgumentException(
                        "region: dimension " + region.dimension() + " != C*H*W = " + c + "*" + h + "*" + w + " = "
                                + plan.inputDimension() + "; the vertices must be flattened images (channel-major)");
            }
            long layers = plan.layers.stream().filter(l -> l instanceof Plan.ConvLayer || l instanceof Plan.DenseLayer).count();
            for (int layer : inputDropouts.keySet()) {
                if (layer >= layers) {
                    throw new IllegalArgumentException("optInputDropout: layer " + layer
                            + " does not exist; the network has " + layers + " conv and dense layers");
                }
            }
            return new PolicedConvNet(this, plan);
        }
    }
}
