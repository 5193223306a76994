package org.police4j.conv;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import org.police4j.fold.Fold;
import org.police4j.engine.Cpa;

/**
 * A plain CNN in float32 arrays: what a {@link PolicedConvNet} becomes once its shifts are folded
 * into biases and its batch-norm into its convs, and what {@link ConvCertifier} checks. No vertex
 * rows, no batch-norm: conv (no bias) + a constant per-position bias (C', H', W') [+ max-pool] +
 * activation, flatten / global average pooling, dense + activation, linear head.
 *
 * @param c input channels
 * @param h input height
 * @param w input width
 * @param ops the layers, in order
 * @param activation after every conv op and hidden dense op
 */
public record FoldedConvNet(int c, int h, int w, List<Op> ops, Cpa activation) {

    /** A folded layer. */
    public sealed interface Op {}

    /**
     * Convolution {@code (outC, inC, k, k)} with stride and zero padding, then the per-position
     * bias (outC * outH * outW, channel-major), then max-pool over {@code pool x pool} windows
     * (stride = pool; 0 for none), then the activation.
     *
     * @param inC input channels
     * @param inH input height
     * @param inW input width
     * @param outC output channels
     * @param outH output height, before the pool
     * @param outW output width, before the pool
     * @param kernel the kernel's side
     * @param stride the step between positions
     * @param padding zeros on each side of the input
     * @param weight (outC, inC, kernel, kernel), row-major
     * @param bias the per-position bias, (outC, outH, outW), row-major
     * @param pool the max-pool window's side, 0 for none
     */
    public record ConvOp(
            int inC, int inH, int inW, int outC, int outH, int outW, int kernel, int stride, int padding,
            float[] weight, float[] bias, int pool)
            implements Op {
        /**
         * Checks that the weight and bias sizes match the shapes.
         *
         * @param inC input channels
         * @param inH input height
         * @param inW input width
         * @param outC output channels
         * @param outH output height, before the pool
         * @param outW output width, before the pool
         * @param kernel the kernel's side
         * @param stride the step between positions
         * @param padding zeros on each side of the input
         * @param weight (outC, inC, kernel, kernel), row-major
         * @param bias the per-position bias, (outC, outH, outW), row-major
         * @param pool the max-pool window's side, 0 for none
         */
        public ConvOp {
            if (weight.length != outC * inC * kernel * kernel || bias.length != outC * outH * outW) {
                throw new IllegalArgumentException(
                        "conv op: weight has " + weight.length + " entries, bias " + bias.length
                                + "; expected " + outC * inC * kernel * kernel + " and " + outC * outH * outW);
            }
        }

        /** {@return the activation map's height: after the pool, if any} */
        public int actH() {
            return pool == 0 ? outH : outH / pool;
        }

        /** {@return the activation map's width: after the pool, if any} */
        public int actW() {
            return pool == 0 ? outW : outW / pool;
        }

        /**
         * {@return the number of activation units this op feeds (channels x height x width after the pool)}
         */
        public int units() {
            return outC * actH() * actW();
        }

        /**
         * A copy with another bias (e.g. to break the network on purpose in a test).
         *
         * @param newBias the per-position bias, outC * outH * outW entries (copied)
         * @return the copy
         */
        public ConvOp withBias(float[] newBias) {
            return new ConvOp(inC, inH, inW, outC, outH, outW, kernel, stride, padding, weight, newBias.clone(), pool);
        }
    }

    /** Global average pooling of a (c, h, w) map. */
    public record GapOp(int c, int h, int w) implements Op {}

    /** Flatten (channel-major: the layout is already flat, so a no-op on vectors). */
    public record FlattenOp(int c, int h, int w) implements Op {}

    /** Dense {@code out x in}; the head when {@code !hidden}. */
    public record DenseOp(float[][] weight, float[] bias, boolean hidden) implements Op {
        /**
         * A copy with another bias (e.g. to break the network on purpose in a test).
         *
         * @param newBias one entry per output (copied)
         * @return the copy
         */
        public DenseOp withBias(float[] newBias) {
            return new DenseOp(weight, newBias.clone(), hidden);
        }
    }

    /**
     * Checks that the ops end with the linear head; keeps an immutable copy of the list.
     *
     * @param c input channels
     * @param h input height
     * @param w input width
     * @param ops the layers, in order
     * @param activation after every conv op and hidden dense op
     */
    public FoldedConvNet {
        ops = List.copyOf(ops);
        if (ops.isEmpty() || !(ops.get(ops.size() - 1) instanceof DenseOp head) || head.hidden()) {
            throw new IllegalArgumentException("ops: must end with the linear head");
        }
    }

    /** {@return D = c * h * w, the length of a flattened input} */
    public int inputDimension() {
        return c * h * w;
    }

    /**
     * A copy with op {@code i} replaced.
     *
     * @param i the index in {@link #ops()}
     * @param op the new op
     * @return the copy
     */
    public FoldedConvNet with(int i, Op op) {
        List<Op> copy = new ArrayList<>(ops);
        copy.set(i, op);
        return new FoldedConvNet(c, h, w, copy, activation);
    }

    /** {@return whether some conv op max-pools} */
    public boolean hasMaxPool() {
        return ops.stream().anyMatch(o -> o instanceof ConvOp cv && cv.pool() > 0);
    }

    /**
     * Evaluates the network in double precision (float32 weights widened exactly).
     *
     * @param x one flattened input of {@link #inputDimension()} values
     * @return the outputs
     */
    public double[] evaluate(double[] x) {
        return ConvEval.evaluate(this, x);
    }

    /**
     * The pre-activations (after pool) of every activation layer at x, in double: what "no unit
     * straddles the kink" is about.
     *
     * @param x one flattened input of {@link #inputDimension()} values
     * @return one array per activation layer, in order
     */
    public List<double[]> preActivations(double[] x) {
        return ConvEval.preActivations(this, x);
    }

    /**
     * The folded network as a plain DJL block (DJL's Conv2d without bias, a {@link PositionBias},
     * DJL's max-pool and activations, Linear), taking (N, C, H, W) or (N, C*H*W) inputs.
     *
     * @param manager owns the parameters
     * @return an initialised block
     */
    public SequentialBlock block(NDManager manager) {
        SequentialBlock net = new SequentialBlock();
        int cc = c;
        int hh = h;
        int ww = w;
        net.add(LambdaBlock.singleton(a -> a.reshape(a.getShape().get(0), cc, hh, ww), "toImage"));
        List<Runnable> setters = new ArrayList<>();
        for (Op op : ops) {
            if (op instanceof ConvOp cv) {
                Conv2d conv =
                        Conv2d.builder()
                                .setKernelShape(new Shape(cv.kernel(), cv.kernel()))
                                .setFilters(cv.outC())
                                .optStride(new Shape(cv.stride(), cv.stride()))
                                .optPadding(new Shape(cv.padding(), cv.padding()))
                                .optBias(false)
                                .build();
                PositionBias bias = new PositionBias(new Shape(cv.outC(), cv.outH(), cv.outW()));
                net.add(conv).add(bias);
                if (cv.pool() > 0) {
                    Shape k = new Shape(cv.pool(), cv.pool());
                    net.add(Pool.maxPool2dBlock(k, k));
                }
                net.add(Fold.djlActivation(activation));
                setters.add(() -> {
                    Fold.copy(conv.getParameters().get("weight").getArray(), cv.weight());
                    Fold.copy(bias.bias().getArray(), cv.bias());
                });
            } else if (op instanceof GapOp) {
                net.add(LambdaBlock.singleton(a -> a.reshape(a.getShape().get(0), a.getShape().get(1), -1).mean(new int[] {2}), "globalAvgPool"));
            } else if (op instanceof FlattenOp) {
                net.add(Blocks.batchFlattenBlock());
            } else {
                DenseOp d = (DenseOp) op;
                Linear linear = Linear.builder().setUnits(d.bias().length).build();
                net.add(linear);
                if (d.hidden()) {
                    net.add(Fold.djlActivation(activation));
                }
                setters.add(() -> {
                    float[] flat = new float[d.bias().length * d.weight()[0].length];
                    for (int k = 0; k < d.bias().length; k++) {
                        System.arraycopy(d.weight()[k], 0, flat, k * d.weight()[k].length, d.weight()[k].length);
                    }
                    Fold.copy(linear.getParameters().get("weight").getArray(), flat);
                    Fold.copy(linear.getParameters().get("bias").getArray(), d.bias());
                });
            }
        }
        net.initialize(manager, DataType.FLOAT32, new Shape(1, inputDimension()));
        setters.forEach(Runnable::run);
        return net;
    }

    /**
     * Runs the folded block on flattened rows (convenience for tests and callers).
     *
     * @param block a block built by {@link #block}
     * @param x one N x D array of flattened inputs
     * @return the outputs, N x K
     */
    public static NDList forward(SequentialBlock block, NDList x) {
        return block.forward(new ai.djl.training.ParameterStore(x.head().getManager(), false), x, false);
    }
}
