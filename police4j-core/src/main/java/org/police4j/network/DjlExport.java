package org.police4j.network;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.engine.PoolWindows;
import org.police4j.network.Layer.MaxPool;
import org.police4j.nn.PlainMlp;

/**
 * A {@link FoldedNetwork} as a DJL {@link SequentialBlock} of DJL's own blocks, so that the
 * folded network loads and runs without police4j (a per-position conv bias is the one exception:
 * {@link PositionBias}). The structure is built first, then the float32 parameters are copied in
 * bit for bit.
 */
public final class DjlExport {

    private DjlExport() {}

    /**
     * The uninitialised plain structure of {@code net}: what a DJL user rebuilds before {@code
     * loadParameters} on an exported model. A dense network gives {@code Linear, activation, ...,
     * Linear}.
     *
     * @param net the folded network whose shape is rebuilt
     * @return the block, not initialised
     * @throws IllegalArgumentException for a {@link ChannelAffine} layer (fold it into its conv)
     */
    public static SequentialBlock structure(FoldedNetwork net) {
        return build(net, null);
    }

    /**
     * The initialised plain block computing {@code net}.
     *
     * @param net the folded network
     * @param manager owns the new parameters
     * @return an initialised block taking {@code (N, D)} inputs (or {@code (N, C, H, W)} for maps)
     */
    public static SequentialBlock block(FoldedNetwork net, NDManager manager) {
        List<Runnable> setters = new ArrayList<>();
        SequentialBlock block = build(net, setters);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, net.inputDimension()));
        setters.forEach(Runnable::run);
        return block;
    }

    private static SequentialBlock build(FoldedNetwork net, List<Runnable> setters) {
        SequentialBlock block = new SequentialBlock();
        Shape in = net.inputShape();
        if (in.dimension() > 1) {
            long[] dims = in.getShape();
            block.add(LambdaBlock.singleton(a -> a.reshape(new Shape(a.getShape().get(0)).addAll(new Shape(dims))), "toImage"));
        }
        for (int i = 0; i < net.layers().size(); i++) {
            Layer layer = net.layers().get(i);
            if (layer instanceof Dense d) {
                Linear linear = Linear.builder().setUnits(d.outputs()).build();
                block.add(linear);
                later(setters, () -> {
                    copy(linear.getParameters().get("weight").getArray(), flat(d.weight(), d.inputs()));
                    copy(linear.getParameters().get("bias").getArray(), d.bias());
                });
            } else if (layer instanceof Conv c) {
                Conv2d conv =
                        Conv2d.builder()
                                .setKernelShape(new Shape(c.kernelH(), c.kernelW()))
                                .setFilters(c.outC())
                                .optStride(new Shape(c.strideH(), c.strideW()))
                                .optPadding(new Shape(c.padH(), c.padW()))
                                .optDilation(new Shape(c.dilationH(), c.dilationW()))
                                .optGroups(c.groups())
                                .optBias(false)
                                .build();
                PositionBias bias = new PositionBias(new Shape(c.outC(), c.outH(), c.outW()));
                block.add(conv).add(bias);
                later(setters, () -> {
                    copy(conv.getParameters().get("weight").getArray(), c.weight());
                    copy(bias.bias().getArray(), c.bias());
                });
            } else if (layer instanceof MaxPool p) {
                Shape k = new Shape(p.kernelH(), p.kernelW());
                if (p.strideH() == p.kernelH() && p.strideW() == p.kernelW() && p.padH() == 0 && p.padW() == 0) {
                    block.add(Pool.maxPool2dBlock(k, k));
                } else {
                    block.add(Pool.maxPool2dBlock(k, new Shape(p.strideH(), p.strideW()), new Shape(p.padH(), p.padW())));
                }
                if (p.bias() != null) {
                    PositionBias bias = new PositionBias(new Shape(p.c(), p.outH(), p.outW()));
                    block.add(bias);
                    later(setters, () -> copy(bias.bias().getArray(), p.bias()));
                }
            } else if (layer instanceof Flatten) {
                block.add(Blocks.batchFlattenBlock());
            } else if (layer instanceof AvgPool a) {
                PoolWindows w = a.windows();
                if (!a.countIncludePad() && (w.padH() > 0 || w.padW() > 0 || w.ceilMode())) {
                    throw new IllegalArgumentException("net: layer " + i + " averages without counting the padding,"
                            + " which DJL 0.36's PyTorch engine cannot compute (it ignores countIncludePad)");
                }
                block.add(Pool.avgPool2dBlock(new Shape(w.kernelH(), w.kernelW()), new Shape(w.strideH(), w.strideW()),
                        new Shape(w.padH(), w.padW()), w.ceilMode(), a.countIncludePad()));
            } else if (layer instanceof GlobalAvgPool) {
                block.add(LambdaBlock.singleton(
                        a -> a.reshape(a.getShape().get(0), a.getShape().get(1), -1).mean(new int[] {2}), "globalAvgPool"));
            } else if (layer instanceof Activation a) {
                block.add(PlainMlp.activationBlock(a.cpa()));
            } else {
                throw new IllegalArgumentException(
                        "net: layer " + i + " is a per-channel affine map, which has no DJL block; fold it into the conv before it");
            }
        }
        return block;
    }

    private static void later(List<Runnable> setters, Runnable setter) {
        if (setters != null) {
            setters.add(setter);
        }
    }

    private static float[] flat(float[][] m, int cols) {
        float[] flat = new float[m.length * cols];
        for (int k = 0; k < m.length; k++) {
            System.arraycopy(m[k], 0, flat, k * cols, cols);
        }
        return flat;
    }

    /**
     * {@code target[...] = values}, in place. Not {@code NDArray.set(float[])}: DJL's PyTorch
     * binding implements that with a deprecated guard that makes PyTorch print a "risk of
     * producing silent wrong result" warning to the user; an indexed copy gives the same bits.
     *
     * @param target the array to overwrite, in place
     * @param values as many values as {@code target} has, row-major
     */
    public static void copy(NDArray target, float[] values) {
        try (NDManager scratch = target.getManager().newSubManager()) {
            target.set(new NDIndex("..."), scratch.create(values, target.getShape()));
        }
    }
}
