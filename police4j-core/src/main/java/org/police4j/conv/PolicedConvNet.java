package org.police4j.conv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.police4j.engine.Cpa;
import org.police4j.engine.RoundingGuard;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.engine.Stencil;
import org.police4j.engine.Strategy;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.BlockRecord;
import org.police4j.nn.FanInUniform;
import org.police4j.nn.NetworkLayer;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.Region;
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
 * layer. Input rows are (N, C, H, W) or flattened (N, C*H*W). Kernels, strides, paddings and
 * pool windows may differ per axis.
 *
 * <p>Graphs: {@code add(new Stage.Parallel(branches, join, activated))} runs branches of stages on
 * the same input and sums or concatenates them (a residual unit, an inception module), the
 * activation following the join when {@code activated}; {@code add(new Stage.Linear())} leaves
 * the conv group or dense layer before it without activation (a residual branch's last conv-BN).
 * Such a network takes a vertex region or a support region (box, l1 ball, zonotope) alike.
 *
 * <p>A 1-D network (input (C, L), {@link Builder#setInput(int, int)}) is the 2-D one on (C, 1, L):
 * a 1-D conv of kernel k, stride s and padding p is the conv {@code (1, k), (1, s), (0, p)}, a 1-D
 * pool of window k the window (1, k); its input rows are (N, C, L) or flattened (N, C*L).
 *
 * <h2>The constraint</h2>
 *
 * This class describes the layers; {@link PolicedNetwork} runs them, as it runs the MLP's. The
 * region's P vertices go through the layers as rows beside the data. In every conv layer every
 * output position of every channel is its own unit: the vertex pre-activations (P, C', H', W') are
 * read as P x (C'H'W'), the {@link ShiftEngine} gives one shift per unit, and the shift, reshaped
 * to (C', H', W'), is added to the data rows' pre-activations. Dense layers are POLICEd exactly
 * like {@link org.police4j.nn.PolicedMlp}'s. The {@link RoundingGuard} (on by default) widens
 * every unit's margin, and every pool window's, by the float32 rounding bound of the folded
 * network, so the certificate holds at any scale of inputs. With several regions ({@link
 * Builder#setRegions}) each unit's shift is {@code MultiRegionShift}'s, as in the MLP, and every
 * max-pool takes one shift for all regions (docs/POOLING.md).
 *
 * <h2>Max-pooling, exactly</h2>
 *
 * Max-pooling is affine on R only if in every window one and the same position wins for every
 * point of R. The network pools the <em>pre-activations</em> (conv, batch-norm, pool, shift,
 * activation): for a non-decreasing activation s, {@code max(s(a), s(b)) = s(max(a, b))}, so
 * this is the usual conv-activation-pool network (abs and negative leaks are refused). In each
 * tiling window (stride == kernel; overlapping and padded windows take their winners from one
 * order of the positions instead, see {@link org.police4j.engine.PoolShift}), the majority
 * winner w is the position that is
 * the argmax for most vertices (ties to the lowest position); every other position q is shifted
 * down by {@code d_q = max_p ReLU(h_q(v_p) - h_w(v_p) + margin)}, differentiable like the POLICE
 * shift, so that after the shift w beats q by at least the margin at every vertex. Since
 * {@code h_w - h_q} is affine on R (induction over layers) and non-negative at the vertices, it is
 * non-negative on all of R: the pool selects w on R and is the affine map {@code h_w}. The pooled
 * units are then shifted by the engine so that none straddles the kink; by induction the network
 * is affine on R. The per-position shifts fold into a per-position bias before the pool, the
 * per-unit shift too ({@code max(a + c) = max(a) + c}; with overlapping windows it stays a bias
 * after the pool), see {@link #fold()}.
 *
 * <h2>Batch-norm</h2>
 *
 * In training mode the statistics are those of the data rows only (the vertex rows are not
 * data), and the same per-channel affine map normalises the vertex rows, so the network stays
 * affine on R for the batch at hand; running statistics are updated (unbiased variance, like
 * PyTorch; epsilon and momentum per batch-norm stage, PyTorch's 1e-5 and 0.1 by default). With no data rows, or in inference mode, the running statistics are
 * used; then batch-norm is a fixed per-channel affine map and folds into its conv.
 */
public final class PolicedConvNet extends PolicedNetwork {

    /** Batch-norm epsilon by default (PyTorch's). */
    public static final float BN_EPS = NetworkLayer.BatchNorm.EPS;

    /** Batch-norm momentum of the running statistics by default (PyTorch's). */
    public static final float BN_MOMENTUM = NetworkLayer.BatchNorm.MOMENTUM;

    final Plan plan;
    private final boolean oneDimensional;
    private final List<Stage> stages;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final List<NetworkLayer> networkLayers;

    private PolicedConvNet(Builder b, Plan plan) {
        super(settings(b));
        this.plan = plan;
        this.oneDimensional = b.oneDimensional;
        this.stages = List.copyOf(b.stages);
        this.networkLayers = networkLayers(plan.layers, b);
    }

    /** The layers the forward runs for planned layers, their parameters added (graphs: recursively). */
    private List<NetworkLayer> networkLayers(List<Plan.Layer> planned, Builder b) {
        List<NetworkLayer> layers = new ArrayList<>();
        for (Plan.Layer layer : planned) {
            if (layer instanceof Plan.ConvLayer c) {
                Stage.Conv conv = c.conv();
                long fanIn = (long) (c.inC() / conv.groups()) * conv.kernelH() * conv.kernelW();
                String name = "conv" + c.index();
                Parameter w = add(name + ".weight", Parameter.Type.WEIGHT,
                        new Shape(c.outC(), c.inC() / conv.groups(), conv.kernelH(), conv.kernelW()), new FanInUniform(fanIn));
                Parameter bias = add(name + ".bias", Parameter.Type.BIAS, new Shape(c.outC()), new FanInUniform(fanIn));
                NetworkLayer.BatchNorm bn = null;
                if (c.batchNorm()) {
                    String n = "bn" + c.index();
                    bn = new NetworkLayer.BatchNorm(
                            add(n + ".gamma", Parameter.Type.GAMMA, new Shape(c.outC()), Initializer.ONES),
                            add(n + ".beta", Parameter.Type.BETA, new Shape(c.outC()), Initializer.ZEROS),
                            add(n + ".runningMean", Parameter.Type.RUNNING_MEAN, new Shape(c.outC()), Initializer.ZEROS),
                            add(n + ".runningVar", Parameter.Type.RUNNING_VAR, new Shape(c.outC()), Initializer.ONES),
                            c.norm().epsilon(), c.norm().momentum());
                }
                Stencil stencil = new Stencil(c.inC(), c.inH(), c.inW(), c.outC(), c.outH(), c.outW(), conv.kernelH(),
                        conv.kernelW(), conv.strideH(), conv.strideW(), conv.padH(), conv.padW(), conv.dilationH(),
                        conv.dilationW(), conv.groups());
                layers.add(new NetworkLayer.Conv(w, bias, bn, stencil, c.pool(), dropouts(b, c.index())));
            } else if (layer instanceof Plan.LinearLayer lin) {
                layers.add(new NetworkLayer.Linear(networkLayers(List.of(lin.layer()), b).get(0)));
            } else if (layer instanceof Plan.ParallelLayer par) {
                List<List<NetworkLayer>> branches = new ArrayList<>();
                for (List<Plan.Layer> branch : par.branches()) {
                    branches.add(networkLayers(branch, b));
                }
                layers.add(new NetworkLayer.Parallel(branches, par.join(), par.activated()));
            } else if (layer instanceof Plan.PoolLayer p) {
                layers.add(new NetworkLayer.MaxPool(p.windows()));
            } else if (layer instanceof Plan.GapLayer g) {
                layers.add(new NetworkLayer.AveragePool(g.c(), g.h() * g.w()));
            } else if (layer instanceof Plan.AvgPoolLayer a) {
                layers.add(new NetworkLayer.AvgPool(a.windows(), a.countIncludePad()));
            } else if (layer instanceof Plan.DenseLayer d) {
                String name = denseName(d);
                Parameter w = add(name + ".weight", Parameter.Type.WEIGHT, new Shape(d.out(), d.in()), new FanInUniform(d.in()));
                Parameter bias = add(name + ".bias", Parameter.Type.BIAS, new Shape(d.out()), new FanInUniform(d.in()));
                layers.add(new NetworkLayer.Dense(w, bias, !d.hidden(), dropouts(b, d.index())));
            }
            // a flatten is no layer: rows are always flattened, channel-major
        }
        return List.copyOf(layers);
    }

    /**
     * A vertex region goes through the layers as vertex rows with the paper's majority rule; a
     * region given by its support (a box around an image) as a tracked affine map, with the side
     * of its centre (it has no vertices to vote).
     */
    private static Settings settings(Builder b) {
        boolean vertices = b.regions.get(0) instanceof VertexRegion;
        // With several regions each goes its own way (vertex rows, or the map of a support region)
        // and the shift is MultiRegionShift's, which needs no sign rule.
        boolean rows = b.regions.stream().anyMatch(r -> r instanceof VertexRegion);
        return new Settings(b.regions, b.activation,
                new ShiftEngine(b.margin, vertices ? SignRule.MAJORITY : SignRule.CENTER),
                rows ? Strategy.VERTEX_ROWS : Strategy.AFFINE_MAP, false, b.roundingGuard, null);
    }

    private static List<Block> dropouts(Builder b, int layer) {
        return List.copyOf(b.inputDropouts.getOrDefault(layer, List.of()));
    }

    static String denseName(Plan.DenseLayer d) {
        return d.hidden() ? "dense" + d.index() : "head";
    }

    private Parameter add(String name, Parameter.Type type, Shape shape, Initializer init) {
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
        return p;
    }

    /**
     * {@return a builder: {@code setInput(C, H, W)} or {@code setInput(C, L)}, stages in order, {@code
     * outputs(K)}, {@code setRegion}}
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected List<NetworkLayer> networkLayers() {
        return networkLayers;
    }

    @Override
    protected NDArray inputRows(NDArray x) {
        Shape s = x.getShape();
        checkInput(s, "input");
        return s.dimension() == 2 ? x : x.reshape(s.get(0), plan.inputDimension());
    }

    /** (N, C, H, W) or (N, C*H*W), for a 1-D network (N, C, L) or (N, C*L), else an error naming the argument. */
    private void checkInput(Shape s, String argument) {
        int d = plan.inputDimension();
        boolean flat = s.dimension() == 2 && s.get(1) == d;
        boolean image = oneDimensional
                ? s.dimension() == 3 && s.get(1) == plan.c && s.get(2) == plan.w
                : s.dimension() == 4 && s.get(1) == plan.c && s.get(2) == plan.h && s.get(3) == plan.w;
        if (!flat && !image) {
            String shape = oneDimensional ? plan.c + ", " + plan.w : plan.c + ", " + plan.h + ", " + plan.w;
            throw new IllegalArgumentException(
                    argument + ": shape " + s + ", expected (N, " + shape + ") or (N, " + d + ")");
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), plan.outputs)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no child blocks: every parameter is this block's own; the input shape is checked here,
        // so that a wrong one is refused at initialize rather than at the first forward
        checkInput(inputShapes[0], "inputShapes");
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
     * region (exact), input shape, stages, outputs, activation, margin and sign rule.
     *
     * @return a fresh record
     */
    @Override
    public BlockRecord record() {
        BlockRecord r = BlockRecord.of("PolicedConvNet");
        if (regions().size() == 1) {
            r.putRegion("region", regions().get(0)); // as before several regions: old streams load unchanged
        } else {
            r.put("regions", regions().size());
            for (int j = 0; j < regions().size(); j++) {
                r.putRegion("region" + j, regions().get(j));
            }
        }
        r.put("input", inputShape());
        r.put("stages", stages.size());
        for (int i = 0; i < stages.size(); i++) {
            r.put("stage" + i, stages.get(i).toString());
        }
        r.put("outputs", plan.outputs);
        if (!plan.head) {
            r.put("head", false); // written only without a head: older streams load unchanged
        }
        r.put("activation", activation().kind().name());
        r.put("negativeSlope", activation().negativeSlope());
        if (activation().kind() == Cpa.Kind.PIECEWISE) {
            r.put("cpa", activation().id());
        }
        r.put("margin", engine().margin());
        r.put("signRule", engine().rule().name());
        if (!roundingGuard()) {
            r.put("roundingGuard", false); // written only when off: models saved before the conv guard load unchanged
        }
        return r;
    }

    /** {@return the stages as given to the builder (the head excluded)} */
    public List<Stage> stages() {
        return stages;
    }

    /** {@return the input shape: (C, H, W), or (C, L) for a 1-D network} */
    public int[] inputShape() {
        return oneDimensional ? new int[] {plan.c, plan.w} : new int[] {plan.c, plan.h, plan.w};
    }

    /** {@return whether the network takes 1-D inputs (C, L), its convs and pools working along L} */
    public boolean oneDimensional() {
        return oneDimensional;
    }

    /** {@return D = C * H * W (C * L in 1-D), the length of a flattened input and the region's dimension} */
    public int inputDimension() {
        return plan.inputDimension();
    }

    /** {@return K, the number of outputs: the width of the linear head, or of the last stage's vector without one} */
    public int outputs() {
        return plan.outputs;
    }

    /** {@return whether the network ends with a linear head (see {@link Builder#withoutHead()})} */
    public boolean hasHead() {
        return plan.head;
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
        String input = oneDimensional ? plan.c + "x" + plan.w : plan.c + "x" + plan.h + "x" + plan.w;
        return "PolicedConvNet(input=" + input + ", stages=" + stages
                + ", outputs=" + plan.outputs + (plan.head ? "" : " (no head)") + ", activation=" + activation().id() + ", region"
                + (regions().size() == 1 ? "=" + regions().get(0).describe()
                        : "s=" + regions().stream().map(Region::describe).toList()) + ", " + engine() + ")";
    }

    /** Builder: {@code setInput(C, H, W)} or {@code setInput(C, L)}, stages in order, {@code outputs(K)}, {@code setRegion}. */
    public static final class Builder {
        private int c = -1;
        private int h = -1;
        private int w = -1;
        private boolean oneDimensional;
        private final List<Stage> stages = new ArrayList<>();
        private int outputs = -1;
        private boolean head = true;
        private Cpa activation = Cpa.relu();
        private List<Region> regions;
        private double margin = ShiftEngine.DEFAULT_MARGIN;
        private boolean roundingGuard = true;
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
            this.oneDimensional = false;
            return this;
        }

        /**
         * Sets a 1-D input's shape (C, L) (required, or {@link #setInput(int, int, int)}): the network
         * is the 2-D one on (C, 1, L) and takes (N, C, L) or (N, C*L); use {@link #conv1d} and
         * {@link #maxPool1d}.
         *
         * @param channels C
         * @param length L
         * @return this builder
         */
        public Builder setInput(int channels, int length) {
            setInput(channels, 1, length);
            this.oneDimensional = true;
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
         * Adds a convolution whose kernel, stride and padding are given per axis (rows, columns).
         *
         * @param channels output channels
         * @param kernelH kernel rows
         * @param kernelW kernel columns
         * @param strideH step between rows of positions
         * @param strideW step between columns of positions
         * @param padH zeros added above and below
         * @param padW zeros added left and right
         * @return this builder
         */
        public Builder conv(int channels, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
            return add(new Stage.Conv(channels, kernelH, kernelW, strideH, strideW, padH, padW));
        }

        /**
         * Adds a convolution with per-axis kernel, stride, padding and dilation and channel groups
         * ({@code groups} = input channels = channels: depthwise), as DJL's {@code
         * Conv2d.builder().optDilation(..).optGroups(..)}.
         *
         * @param channels output channels, a multiple of {@code groups}
         * @param kernelH kernel rows
         * @param kernelW kernel columns
         * @param strideH step between rows of positions
         * @param strideW step between columns of positions
         * @param padH zeros added above and below
         * @param padW zeros added left and right
         * @param dilationH step between the kernel's rows
         * @param dilationW step between the kernel's columns
         * @param groups channel groups, dividing the input and output channels
         * @return this builder
         */
        public Builder conv(
                int channels, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH,
                int dilationW, int groups) {
            return add(new Stage.Conv(channels, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW,
                    groups));
        }

        /**
         * Adds a 1-D convolution along L: the conv {@code (1, kernel), (1, stride), (0, padding)}.
         *
         * @param channels output channels
         * @param kernel kernel length
         * @param stride step between positions
         * @param padding zeros added at each end
         * @return this builder
         */
        public Builder conv1d(int channels, int kernel, int stride, int padding) {
            return conv(channels, 1, kernel, 1, stride, 0, padding);
        }

        /**
         * Adds max-pooling over square windows after the preceding conv (tiling when {@code stride
         * == kernel}, else overlapping).
         *
         * @param kernel window side
         * @param stride step between windows
         * @return this builder
         */
        public Builder maxPool(int kernel, int stride) {
            return add(new Stage.MaxPool(kernel, stride));
        }

        /**
         * Adds max-pooling over {@code kernelH x kernelW} windows after the preceding conv.
         *
         * @param kernelH window rows
         * @param kernelW window columns
         * @param strideH step between rows of windows
         * @param strideW step between columns of windows
         * @return this builder
         */
        public Builder maxPool(int kernelH, int kernelW, int strideH, int strideW) {
            return add(new Stage.MaxPool(kernelH, kernelW, strideH, strideW));
        }

        /**
         * Adds max-pooling with padding after the preceding conv, as DJL's {@code
         * Pool.maxPool2d(x, kernel, stride, padding, false)} (ResNet's stem: 3, 2, 1).
         *
         * @param kernelH window rows
         * @param kernelW window columns
         * @param strideH step between rows of windows
         * @param strideW step between columns of windows
         * @param padH padding above and below (-infinity), at most half the window
         * @param padW padding left and right, at most half the window
         * @return this builder
         */
        public Builder maxPool(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
            return add(new Stage.MaxPool(kernelH, kernelW, strideH, strideW, padH, padW));
        }

        /**
         * Adds 1-D max-pooling along L over non-overlapping windows: the window (1, kernel).
         *
         * @param kernel window length, also the stride
         * @return this builder
         */
        public Builder maxPool1d(int kernel) {
            return maxPool(1, kernel, 1, kernel);
        }

        /**
         * Adds average pooling of the feature map (after the preceding conv group's activation, or
         * on the input), as DJL's {@code Pool.avgPool2d(x, kernel, stride, padding, ceilMode,
         * countIncludePad)}.
         *
         * @param kernelH window rows
         * @param kernelW window columns
         * @param strideH step between rows of windows
         * @param strideW step between columns of windows
         * @param padH padding above and below, at most half the window
         * @param padW padding left and right, at most half the window
         * @param ceilMode whether output lengths round up
         * @param countIncludePad whether padded positions count in the divisor
         * @return this builder
         */
        public Builder avgPool(
                int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode,
                boolean countIncludePad) {
            return add(new Stage.AvgPool(kernelH, kernelW, strideH, strideW, padH, padW, ceilMode, countIncludePad));
        }

        /**
         * Adds square average pooling with DJL's defaults ({@code Pool.avgPool2dBlock(kernel,
         * stride, padding)}: floor output lengths, padding counted in the divisor).
         *
         * @param kernel window side
         * @param stride step between windows
         * @param padding padding on each side, at most half the window
         * @return this builder
         */
        public Builder avgPool(int kernel, int stride, int padding) {
            return avgPool(kernel, kernel, stride, stride, padding, padding, false, true);
        }

        /**
         * Adds batch normalisation directly after the preceding conv, with PyTorch's epsilon 1e-5
         * and momentum 0.1.
         *
         * @return this builder
         */
        public Builder batchNorm() {
            return add(new Stage.BatchNorm());
        }

        /**
         * Adds batch normalisation directly after the preceding conv.
         *
         * @param epsilon added to the variance, {@code > 0}
         * @param momentum the running statistics' update in PyTorch's convention ({@code running =
         *     (1 - momentum) running + momentum batch}; DJL's {@code optMomentum(0.9f)} is 0.1 here)
         * @return this builder
         */
        public Builder batchNorm(float epsilon, float momentum) {
            return add(new Stage.BatchNorm(epsilon, momentum));
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
         * Leaves the network without a linear head: its outputs are the last stage's vector (a
         * flatten or global average pool of the last map, or the last dense layer's values), as in
         * NiN (conv, activation, global average pool) or a network ending with a 1x1 conv. The
         * outputs are then affine on R like every value of the network.
         *
         * @return this builder
         */
        public Builder withoutHead() {
            this.head = false;
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
         * @param region a region of dimension C*H*W (images flattened channel-major): a {@link
         *     VertexRegion}, or a {@link org.police4j.region.SupportRegion} such as a box around an
         *     image, whose vertices could not be listed
         * @return this builder
         */
        public Builder setRegion(Region region) {
            this.regions = region == null ? null : List.of(region);
            return this;
        }

        /**
         * Sets several regions, each with its own affine piece (as {@code PolicedMlp}'s): vertex
         * regions and regions given by their support, mixed. Every max-pool takes one shift for
         * all of them (docs/POOLING.md), every unit its shift from {@code MultiRegionShift}.
         *
         * @param regions at least one region, each of dimension C*H*W
         * @return this builder
         */
        public Builder setRegions(List<? extends Region> regions) {
            if (regions == null || regions.isEmpty() || regions.stream().anyMatch(java.util.Objects::isNull)) {
                throw new IllegalArgumentException("regions: " + regions + "; expected at least one region, none null");
            }
            this.regions = List.copyOf(regions);
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

        /**
         * Whether each unit's margin (and each pool window's) follows the rounding bound of the
         * folded float32 network (see {@link RoundingGuard}); on by default. Off, a fixed margin
         * is used, enough at the paper's scale but not for inputs in the thousands.
         *
         * @param guard true to keep the guard
         * @return this builder
         */
        public Builder optRoundingGuard(boolean guard) {
            this.roundingGuard = guard;
            return this;
        }

        /** {@return the network, with its shapes and the region's dimension checked} */
        public PolicedConvNet build() {
            if (activation == null) {
                throw new IllegalArgumentException("activation: null; expected a Cpa");
            }
            if (regions == null) {
                throw new IllegalArgumentException("region: not set; call setRegion(...)");
            }
            if (c < 0) {
                throw new IllegalArgumentException("input: not set; call setInput(C, H, W)");
            }
            new ShiftEngine(margin); // validates
            Plan plan = new Plan(c, h, w, stages, outputs, head, activation);
            for (int j = 0; j < regions.size(); j++) {
                Region region = regions.get(j);
                if (region.dimension() != plan.inputDimension()) {
                    String product = oneDimensional ? "C*L = " + c + "*" + w : "C*H*W = " + c + "*" + h + "*" + w;
                    throw new IllegalArgumentException(
                            (regions.size() == 1 ? "region" : "regions[" + j + "]") + ": dimension " + region.dimension()
                                    + " != " + product + " = " + plan.inputDimension()
                                    + "; the vertices must be flattened inputs (channel-major)");
                }
            }
            long layers = plan.layerCount;
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
