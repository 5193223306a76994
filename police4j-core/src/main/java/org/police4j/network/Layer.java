package org.police4j.network;

import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.engine.PoolWindows;
import org.police4j.engine.Stencil;

/**
 * One layer of a {@link FoldedNetwork}: the closed set of operations a POLICEd (or plain CPA)
 * network is made of once its shifts are folded. Sealed so that every evaluator (double, exact,
 * rigorous double, interval) handles every kind, checked by the compiler.
 *
 * <p>Values flow as flat float32-exact arrays, feature maps channel-major {@code (C, H, W)}. Every
 * parameter is float32, exactly as deployed; evaluators widen it exactly.
 */
public sealed interface Layer {

    /** {@return how many values this layer reads, or -1 when it reads whatever comes (elementwise)} */
    int inputSize();

    /**
     * {@return how many values this layer writes}
     *
     * @param inputSize how many values it reads
     */
    int outputSize(int inputSize);

    /**
     * Dense {@code y = W x + b}, in DJL's (out x in) layout.
     *
     * @param weight out x in
     * @param bias out
     */
    record Dense(float[][] weight, float[] bias) implements Layer {
        /**
         * Checks that the weight has one row per bias entry, all of one length.
         *
         * @param weight out x in
         * @param bias out
         */
        public Dense {
            if (weight.length != bias.length) {
                throw new IllegalArgumentException(
                        "weight has " + weight.length + " rows but bias has " + bias.length);
            }
            for (int k = 1; k < weight.length; k++) {
                if (weight[k].length != weight[0].length) {
                    throw new IllegalArgumentException(
                            "weight row " + k + " has " + weight[k].length + " entries, expected " + weight[0].length);
                }
            }
        }

        /** {@return the number of outputs (rows of the weight)} */
        public int outputs() {
            return bias.length;
        }

        /** {@return the number of inputs (columns of the weight; 0 without rows)} */
        public int inputs() {
            return weight.length == 0 ? 0 : weight[0].length;
        }

        @Override
        public int inputSize() {
            return inputs();
        }

        @Override
        public int outputSize(int inputSize) {
            return outputs();
        }

        /**
         * A copy with another bias (e.g. to break the network on purpose in a test).
         *
         * @param newBias one entry per output (copied)
         * @return the copy
         */
        public Dense withBias(float[] newBias) {
            return new Dense(weight, newBias.clone());
        }
    }

    /**
     * Convolution of an {@code (inC, inH, inW)} map with {@code (outC, inC / groups, kernelH,
     * kernelW)} weights, a stride, zero padding and a dilation per axis and channel groups (as
     * PyTorch's {@code conv2d}), then a bias per output position ({@code (outC, outH, outW)}:
     * POLICE's shifts differ per position). A 1-D convolution is the case {@code inH == kernelH ==
     * strideH == dilationH == 1, padH == 0}; a depthwise one has {@code groups == inC}. Which inputs
     * an output reads is {@link Stencil#taps}, written once.
     *
     * @param inC input channels
     * @param inH input height
     * @param inW input width
     * @param outC output channels
     * @param kernelH kernel height
     * @param kernelW kernel width
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros above and below
     * @param padW zeros left and right
     * @param dilationH the step between the kernel's rows
     * @param dilationW the step between the kernel's columns
     * @param groups channel groups, dividing inC and outC
     * @param weight (outC, inC / groups, kernelH, kernelW), row-major
     * @param bias the per-position bias, (outC, outH, outW), row-major
     */
    record Conv(
            int inC, int inH, int inW, int outC, int kernelH, int kernelW, int strideH, int strideW, int padH,
            int padW, int dilationH, int dilationW, int groups, float[] weight, float[] bias)
            implements Layer {
        /**
         * Checks the shapes and that weight and bias have the sizes they imply.
         *
         * @param inC input channels
         * @param inH input height
         * @param inW input width
         * @param outC output channels
         * @param kernelH kernel height
         * @param kernelW kernel width
         * @param strideH the step between rows of positions
         * @param strideW the step between columns of positions
         * @param padH zeros above and below
         * @param padW zeros left and right
         * @param dilationH the step between the kernel's rows
         * @param dilationW the step between the kernel's columns
         * @param groups channel groups, dividing inC and outC
         * @param weight (outC, inC / groups, kernelH, kernelW), row-major
         * @param bias the per-position bias, (outC, outH, outW), row-major
         */
        public Conv {
            if (inC <= 0 || inH <= 0 || inW <= 0 || outC <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0
                    || strideW <= 0 || padH < 0 || padW < 0 || dilationH <= 0 || dilationW <= 0 || groups <= 0
                    || inC % groups != 0 || outC % groups != 0
                    || inH + 2 * padH < dilationH * (kernelH - 1) + 1 || inW + 2 * padW < dilationW * (kernelW - 1) + 1) {
                throw new IllegalArgumentException(
                        "conv: input (" + inC + ", " + inH + ", " + inW + "), " + outC + " filters of "
                                + kernelH + "x" + kernelW + ", stride (" + strideH + ", " + strideW + "), padding ("
                                + padH + ", " + padW + "), dilation (" + dilationH + ", " + dilationW + "), groups "
                                + groups + "; expected positive sizes, groups dividing both channel counts and a"
                                + " dilated kernel within the padded input");
            }
            int oh = Stencil.outLength(inH, kernelH, strideH, padH, dilationH);
            int ow = Stencil.outLength(inW, kernelW, strideW, padW, dilationW);
            if (weight.length != outC * (inC / groups) * kernelH * kernelW || bias.length != outC * oh * ow) {
                throw new IllegalArgumentException(
                        "conv: weight has " + weight.length + " entries, bias " + bias.length + "; expected "
                                + outC * (inC / groups) * kernelH * kernelW + " and " + outC * oh * ow);
            }
        }

        /**
         * An ungrouped, undilated convolution.
         *
         * @param inC input channels
         * @param inH input height
         * @param inW input width
         * @param outC output channels
         * @param kernelH kernel height
         * @param kernelW kernel width
         * @param strideH the step between rows of positions
         * @param strideW the step between columns of positions
         * @param padH zeros above and below
         * @param padW zeros left and right
         * @param weight (outC, inC, kernelH, kernelW), row-major
         * @param bias the per-position bias, (outC, outH, outW), row-major
         */
        public Conv(
                int inC, int inH, int inW, int outC, int kernelH, int kernelW, int strideH, int strideW, int padH,
                int padW, float[] weight, float[] bias) {
            this(inC, inH, inW, outC, kernelH, kernelW, strideH, strideW, padH, padW, 1, 1, 1, weight, bias);
        }

        /**
         * One stride for both axes, ungrouped and undilated.
         *
         * @param inC input channels
         * @param inH input height
         * @param inW input width
         * @param outC output channels
         * @param kernelH kernel height
         * @param kernelW kernel width
         * @param stride the step between positions along both axes
         * @param padH zeros above and below
         * @param padW zeros left and right
         * @param weight (outC, inC, kernelH, kernelW), row-major
         * @param bias the per-position bias, (outC, outH, outW), row-major
         */
        public Conv(
                int inC, int inH, int inW, int outC, int kernelH, int kernelW, int stride, int padH, int padW,
                float[] weight, float[] bias) {
            this(inC, inH, inW, outC, kernelH, kernelW, stride, stride, padH, padW, weight, bias);
        }

        /** {@return the output height} */
        public int outH() {
            return Stencil.outLength(inH, kernelH, strideH, padH, dilationH);
        }

        /** {@return the output width} */
        public int outW() {
            return Stencil.outLength(inW, kernelW, strideW, padW, dilationW);
        }

        /** {@return the geometry: which inputs each output reads} */
        public Stencil stencil() {
            return new Stencil(inC, inH, inW, outC, outH(), outW(), kernelH, kernelW, strideH, strideW, padH, padW,
                    dilationH, dilationW, groups);
        }

        /** {@return the number of products in one output: (inC / groups) * kernelH * kernelW} */
        public int fanIn() {
            return (inC / groups) * kernelH * kernelW;
        }

        @Override
        public int inputSize() {
            return inC * inH * inW;
        }

        @Override
        public int outputSize(int inputSize) {
            return bias.length;
        }

        /**
         * The stencil's terms of one output ({@link Stencil#taps}).
         *
         * @param out the output index, {@code (o * outH + i) * outW + j}
         * @param tap receives each (input index, weight index)
         */
        public void taps(int out, Stencil.Tap tap) {
            Stencil.taps(out, tap, inC, inH, inW, outC, outH(), outW(), kernelH, kernelW, strideH, strideW, padH, padW,
                    dilationH, dilationW, groups);
        }

        /**
         * A copy with another bias (e.g. to break the network on purpose in a test).
         *
         * @param newBias the per-position bias (copied)
         * @return the copy
         */
        public Conv withBias(float[] newBias) {
            return new Conv(inC, inH, inW, outC, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW,
                    groups, weight, newBias.clone());
        }
    }

    /**
     * Max-pooling of a {@code (c, h, w)} map over {@code kernelH x kernelW} windows with a stride
     * and padding per axis, as PyTorch's {@code max_pool2d}: padded positions are -infinity and
     * never win; in ceil mode the last window may run past the map's edge, and positions beyond it
     * never win either (they are padding to {@link PoolWindows}). Tiling windows (stride = kernel, no padding) drop the rows and
     * columns beyond the last whole window, as DJL does. Window positions are numbered {@code q =
     * du * kernelW + dv}. Overlapping windows may carry a bias per pooled value, added after the
     * max (POLICE's shift of the pooled unit, which cannot fold into positions shared by windows).
     *
     * @param c channels
     * @param h input height
     * @param w input width
     * @param kernelH window height
     * @param kernelW window width
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH padding above and below
     * @param padW padding left and right
     * @param ceilMode whether output lengths round up (PyTorch's {@code ceil_mode})
     * @param bias one value per pooled unit added after the max, or null for none
     */
    record MaxPool(
            int c, int h, int w, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
            boolean ceilMode, float[] bias) implements Layer {
        /**
         * Checks that the windows fit (padding at most half the window), have at most 64 positions
         * (a window's maxima are a bit set) and that a bias has one value per pooled unit.
         *
         * @param c channels
         * @param h input height
         * @param w input width
         * @param kernelH window height
         * @param kernelW window width
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         * @param padH padding above and below
         * @param padW padding left and right
         * @param ceilMode whether output lengths round up
         * @param bias one value per pooled unit, or null
         */
        public MaxPool {
            if (c <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0
                    || 2 * padH > kernelH || 2 * padW > kernelW || h + 2 * padH < kernelH || w + 2 * padW < kernelW
                    || kernelH * kernelW > 64) {
                throw new IllegalArgumentException(
                        "maxPool: " + kernelH + "x" + kernelW + " windows, stride (" + strideH + ", " + strideW
                                + "), padding (" + padH + ", " + padW + ") on a (" + c + ", " + h + ", " + w
                                + ") map; expected windows of at most 64 positions within the padded map, padding at"
                                + " most half the window");
            }
            int units = c * PoolWindows.outLength(h, kernelH, strideH, padH, ceilMode)
                    * PoolWindows.outLength(w, kernelW, strideW, padW, ceilMode);
            if (bias != null && bias.length != units) {
                throw new IllegalArgumentException(
                        "maxPool: bias has " + bias.length + " values, expected one per pooled unit (" + units + ")");
            }
        }

        /**
         * Windows in floor mode (the output lengths rounded down).
         *
         * @param c channels
         * @param h input height
         * @param w input width
         * @param kernelH window height
         * @param kernelW window width
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         * @param padH padding above and below
         * @param padW padding left and right
         * @param bias one value per pooled unit, or null
         */
        public MaxPool(
                int c, int h, int w, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                float[] bias) {
            this(c, h, w, kernelH, kernelW, strideH, strideW, padH, padW, false, bias);
        }

        /**
         * Tiling windows: stride = kernel, no padding, no bias.
         *
         * @param c channels
         * @param h input height
         * @param w input width
         * @param kernelH window height
         * @param kernelW window width
         */
        public MaxPool(int c, int h, int w, int kernelH, int kernelW) {
            this(c, h, w, kernelH, kernelW, kernelH, kernelW, 0, 0, null);
        }

        /**
         * Any windows, with a bias after the max.
         *
         * @param windows the windows
         * @param bias one value per pooled unit, or null
         */
        public MaxPool(PoolWindows windows, float[] bias) {
            this(windows.c(), windows.h(), windows.w(), windows.kernelH(), windows.kernelW(), windows.strideH(),
                    windows.strideW(), windows.padH(), windows.padW(), windows.ceilMode(),
                    bias == null ? null : bias.clone());
        }

        /** {@return the windows} */
        public PoolWindows windows() {
            return new PoolWindows(c, h, w, kernelH, kernelW, strideH, strideW, padH, padW, ceilMode);
        }

        /** {@return the number of positions in a window} */
        public int window() {
            return kernelH * kernelW;
        }

        /** {@return the pooled height} */
        public int outH() {
            return PoolWindows.outLength(h, kernelH, strideH, padH, ceilMode);
        }

        /** {@return the pooled width} */
        public int outW() {
            return PoolWindows.outLength(w, kernelW, strideW, padW, ceilMode);
        }

        /**
         * {@return the bias of pooled unit u, 0 without a bias}
         *
         * @param u the pooled unit
         */
        public float biasOf(int u) {
            return bias == null ? 0f : bias[u];
        }

        /**
         * {@return the input index of position q of window (pooled unit) u, or -1 in the padding}
         *
         * @param u the pooled unit, {@code (ch * outH + a) * outW + b}
         * @param q the position in the window
         */
        public int position(int u, int q) {
            return PoolWindows.input(u, q, h, w, kernelH, kernelW, strideH, strideW, padH, padW, outH(), outW());
        }

        @Override
        public int inputSize() {
            return c * h * w;
        }

        @Override
        public int outputSize(int inputSize) {
            return c * outH() * outW();
        }
    }

    /**
     * Per-channel affine {@code y = scale[ch] x + offset[ch]} on a {@code (c, positions)} map:
     * batch-norm with its inference statistics, folded.
     *
     * @param c channels
     * @param positions values per channel (H * W)
     * @param scale one float per channel
     * @param offset one float per channel
     */
    record ChannelAffine(int c, int positions, float[] scale, float[] offset) implements Layer {
        /**
         * Checks one scale and offset per channel.
         *
         * @param c channels
         * @param positions values per channel (H * W)
         * @param scale one float per channel
         * @param offset one float per channel
         */
        public ChannelAffine {
            if (c <= 0 || positions <= 0 || scale.length != c || offset.length != c) {
                throw new IllegalArgumentException(
                        "channel affine: " + c + " channels of " + positions + " positions with " + scale.length
                                + " scales and " + offset.length + " offsets; expected one of each per channel");
            }
        }

        @Override
        public int inputSize() {
            return c * positions;
        }

        @Override
        public int outputSize(int inputSize) {
            return c * positions;
        }
    }

    /**
     * Flattens a {@code (c, h, w)} map into a vector (channel-major: the values keep their order).
     *
     * @param c channels
     * @param h height
     * @param w width
     */
    record Flatten(int c, int h, int w) implements Layer {
        @Override
        public int inputSize() {
            return c * h * w;
        }

        @Override
        public int outputSize(int inputSize) {
            return c * h * w;
        }
    }

    /**
     * Averages each channel of a {@code (c, h, w)} map over its positions: {@code (c, h, w) -> (c)}.
     *
     * @param c channels
     * @param h height
     * @param w width
     */
    record GlobalAvgPool(int c, int h, int w) implements Layer {
        /** {@return the number of positions averaged per channel} */
        public int area() {
            return h * w;
        }

        @Override
        public int inputSize() {
            return c * h * w;
        }

        @Override
        public int outputSize(int inputSize) {
            return c;
        }
    }

    /**
     * Average pooling of a {@code (c, h, w)} map over windows of any size, stride and padding, as
     * PyTorch's (and DJL's) {@code avg_pool2d}: each output is the sum of its window's inputs
     * (padding contributes zeros) divided by {@link PoolWindows#divisor}. Affine, so it may stand
     * anywhere on a feature map.
     *
     * @param windows the windows
     * @param countIncludePad whether padded positions count in the divisor (DJL's default: true)
     */
    record AvgPool(PoolWindows windows, boolean countIncludePad) implements Layer {
        /**
         * Checks that the windows are given.
         *
         * @param windows the windows
         * @param countIncludePad whether padded positions count in the divisor
         */
        public AvgPool {
            if (windows == null) {
                throw new IllegalArgumentException("windows: must not be null");
            }
        }

        /**
         * {@return the divisor of output {@code u}'s average}
         *
         * @param u the pooled value
         */
        public int divisor(int u) {
            return windows.divisor(u, countIncludePad);
        }

        /**
         * {@return the inputs output {@code u} sums, in window order}
         *
         * @param u the pooled value
         */
        public int[] members(int u) {
            return windows.members(u);
        }

        @Override
        public int inputSize() {
            return windows.inputs();
        }

        @Override
        public int outputSize(int inputSize) {
            return windows.outputs();
        }
    }

    /**
     * The continuous piecewise-affine activation, elementwise: its inputs are the
     * pre-activations the certificate reasons about.
     *
     * @param cpa the activation
     */
    record Activation(Cpa cpa) implements Layer {
        /**
         * Checks that the activation is given.
         *
         * @param cpa the activation
         */
        public Activation {
            if (cpa == null) {
                throw new IllegalArgumentException("cpa: must not be null");
            }
        }

        @Override
        public int inputSize() {
            return -1;
        }

        @Override
        public int outputSize(int inputSize) {
            return inputSize;
        }
    }
    /**
     * {@return how many values a chain of layers writes when it reads {@code size} values},
     * checking that every layer reads what the one before it writes: the one size check of the
     * network and of every branch of a {@link Parallel}.
     *
     * @param layers the chain, in order (empty: the identity)
     * @param size how many values the chain reads
     * @param where names the chain in an error ("layer", "layer 3 branch 1 layer")
     * @throws IllegalArgumentException naming the first layer that reads another size
     */
    static int chainOutputSize(List<Layer> layers, int size, String where) {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int in = layer.inputSize();
            if (in >= 0 && in != size) {
                throw new IllegalArgumentException(
                        where + " " + i + " (" + layer.getClass().getSimpleName() + ") reads " + in
                                + " values, expected " + size + " (what the previous layer writes)");
            }
            size = layer instanceof Parallel p ? p.outputSize(size, where + " " + i) : layer.outputSize(size);
        }
        return size;
    }

    /**
     * {@return the layers of a chain in evaluation order with every {@link Parallel} replaced by
     * its branches' layers (branch 0 first): the order in which every evaluator numbers the
     * activations and max-pools of a graph}
     *
     * @param layers the chain
     */
    static List<Layer> leaves(List<Layer> layers) {
        List<Layer> out = new ArrayList<>();
        for (Layer layer : layers) {
            if (layer instanceof Parallel p) {
                for (List<Layer> branch : p.branches()) {
                    out.addAll(leaves(branch));
                }
            } else {
                out.add(layer);
            }
        }
        return out;
    }

    /**
     * Branches evaluated on the same input and joined: a residual unit (ResNet's conv path plus an
     * identity or 1x1-conv shortcut, {@link Join#SUM}) or an inception / fire module ({@link
     * Join#CONCAT}), then a bias added per joined value. The bias is where the shift of the
     * activation after the join folds (a branch may end without a bias, e.g. an identity
     * shortcut); the activation itself is the next layer of the enclosing chain, so its units are
     * ordinary units of every evaluator. Branches are chains of layers (empty: the identity) and
     * may hold parallel layers themselves: the network is a nested graph, not a general DAG.
     *
     * <p>Values are flat and channel-major, so a concatenation along channels (maps of one height
     * and width) and along features (vectors) are both the concatenation of the flat values.
     * A branch may hold average pools: the exact evaluation carries values times a scale that
     * differs between branches and meets at the join's common multiple ({@link ExactEval}).
     *
     * @param branches the branches, each a chain of layers, at least one
     * @param join how the branches' outputs are combined
     * @param bias one float per joined value, added after the join
     */
    record Parallel(List<List<Layer>> branches, Join join, float[] bias) implements Layer {

        /**
         * Checks the parts and keeps immutable copies of the branches.
         *
         * @param branches the branches, each a chain of layers, at least one
         * @param join how the branches' outputs are combined
         * @param bias one float per joined value, added after the join
         */
        public Parallel {
            if (branches == null || branches.isEmpty()) {
                throw new IllegalArgumentException("branches: " + branches + ", expected at least one branch");
            }
            if (join == null || bias == null) {
                throw new IllegalArgumentException("join and bias: must not be null (got " + join + ", "
                        + (bias == null ? "null" : bias.length + " floats") + ")");
            }
            List<List<Layer>> copy = new ArrayList<>();
            for (List<Layer> branch : branches) {
                copy.add(List.copyOf(branch));
            }
            branches = List.copyOf(copy);
        }

        @Override
        public int inputSize() {
            return -1; // each branch checks its own input (outputSize)
        }

        @Override
        public int outputSize(int inputSize) {
            return outputSize(inputSize, "parallel layer");
        }

        /**
         * {@return the joined size}, checking every branch and the join on an input of the given size.
         *
         * @param inputSize how many values every branch reads
         * @param where names this layer in an error
         */
        int outputSize(int inputSize, String where) {
            int out = 0;
            for (int b = 0; b < branches.size(); b++) {
                int size = chainOutputSize(branches.get(b), inputSize, where + " branch " + b + " layer");
                if (join == Join.CONCAT) {
                    out += size;
                } else if (b > 0 && size != out) {
                    throw new IllegalArgumentException(
                            where + ": branch " + b + " writes " + size + " values, branch 0 writes " + out
                                    + "; a sum joins branches of one size");
                } else {
                    out = size;
                }
            }
            if (bias.length != out) {
                throw new IllegalArgumentException(
                        where + ": bias has " + bias.length + " entries, expected one per joined value (" + out + ")");
            }
            return out;
        }

        /**
         * A copy with another bias (e.g. to break the network on purpose in a test).
         *
         * @param newBias one entry per joined value (copied)
         * @return the copy
         */
        public Parallel withBias(float[] newBias) {
            return new Parallel(branches, join, newBias.clone());
        }

        /**
         * A copy with branch b's layer i replaced.
         *
         * @param b the branch
         * @param i the layer in it
         * @param layer the new layer
         * @return the copy
         */
        public Parallel with(int b, int i, Layer layer) {
            List<List<Layer>> copy = new ArrayList<>(branches);
            List<Layer> branch = new ArrayList<>(copy.get(b));
            branch.set(i, layer);
            copy.set(b, branch);
            return new Parallel(copy, join, bias);
        }
    }
}
