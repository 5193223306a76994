package org.police4j.network;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
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
import org.police4j.engine.Join;
import org.police4j.network.Layer.Parallel;
import org.police4j.nn.PlainMlp;

/**
 * A {@link FoldedNetwork} as a DJL {@link SequentialBlock} of DJL's own blocks, so that the
 * folded network loads and runs without police4j (a per-position conv bias is the one exception:
 * {@link PositionBias}; a {@link Parallel} layer becomes DJL's {@link ParallelBlock} with a sum or a
 * concatenation along axis 1, followed by a {@link PositionBias} of its bias). The structure is built first, then the float32 parameters are copied in
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
        chain(block, net.layers(), new Shape(in.getShape()), setters, "layer ");
        return block;
    }

    /**
     * Adds the blocks of a chain of layers to {@code block}.
     *
     * @param shape the shape of one item entering the chain
     * @return the shape of one item leaving it
     */
    private static Shape chain(SequentialBlock block, List<Layer> layers, Shape shape, List<Runnable> setters, String where) {
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer instanceof Dense d) {
                Linear linear = Linear.builder().setUnits(d.outputs()).build();
                block.add(linear);
                later(setters, () -> {
                    copy(linear.getParameters().get("weight").getArray(), flat(d.weight(), d.inputs()));
                    copy(linear.getParameters().get("bias").getArray(), d.bias());
                });
                shape = new Shape(d.outputs());
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
                shape = new Shape(c.outC(), c.outH(), c.outW());
                PositionBias bias = new PositionBias(shape);
                block.add(conv).add(bias);
                later(setters, () -> {
                    copy(conv.getParameters().get("weight").getArray(), c.weight());
                    copy(bias.bias().getArray(), c.bias());
                });
            } else if (layer instanceof MaxPool p) {
                Shape k = new Shape(p.kernelH(), p.kernelW());
                if (p.windows().tiles()) {
                    block.add(Pool.maxPool2dBlock(k, k));
                } else {
                    block.add(Pool.maxPool2dBlock(k, new Shape(p.strideH(), p.strideW()), new Shape(p.padH(), p.padW()),
                            p.ceilMode()));
                }
                shape = new Shape(p.c(), p.outH(), p.outW());
                if (p.bias() != null) {
                    PositionBias bias = new PositionBias(new Shape(p.c(), p.outH(), p.outW()));
                    block.add(bias);
                    later(setters, () -> copy(bias.bias().getArray(), p.bias()));
                }
            } else if (layer instanceof Flatten) {
                block.add(Blocks.batchFlattenBlock());
                shape = new Shape(shape.size());
            } else if (layer instanceof AvgPool a) {
                PoolWindows w = a.windows();
                if (!a.countIncludePad() && (w.padH() > 0 || w.padW() > 0 || w.ceilMode())) {
                    throw new IllegalArgumentException("net: layer " + i + " averages without counting the padding,"
                            + " which DJL 0.36's PyTorch engine cannot compute (it ignores countIncludePad)");
                }
                block.add(Pool.avgPool2dBlock(new Shape(w.kernelH(), w.kernelW()), new Shape(w.strideH(), w.strideW()),
                        new Shape(w.padH(), w.padW()), w.ceilMode(), a.countIncludePad()));
                shape = new Shape(shape.get(0), w.outH(), w.outW());
            } else if (layer instanceof GlobalAvgPool g) {
                block.add(LambdaBlock.singleton(
                        a -> a.reshape(a.getShape().get(0), a.getShape().get(1), -1).mean(new int[] {2}), "globalAvgPool"));
                shape = new Shape(g.c());
            } else if (layer instanceof Activation a) {
                block.add(PlainMlp.activationBlock(a.cpa()));
            } else if (layer instanceof Parallel p) {
                List<Block> branches = new ArrayList<>();
                Shape joined = null;
                for (int b = 0; b < p.branches().size(); b++) {
                    SequentialBlock branch = new SequentialBlock();
                    Shape out = chain(branch, p.branches().get(b), shape, setters, where + i + " branch " + b + " layer ");
                    if (p.branches().get(b).isEmpty()) {
                        branch.add(Blocks.identityBlock()); // DJL refuses an empty sequential block
                    }
                    branches.add(branch);
                    joined = joined == null || p.join() == Join.SUM ? out : concatenated(joined, out, where + i);
                }
                block.add(new ParallelBlock(joinFunction(p.join()), branches));
                PositionBias bias = new PositionBias(joined);
                block.add(bias);
                later(setters, () -> copy(bias.bias().getArray(), p.bias()));
                shape = joined;
            } else {
                throw new IllegalArgumentException(
                        "net: " + where + i + " is a per-channel affine map, which has no DJL block; fold it into the conv before it");
            }
        }
        return shape;
    }

    /** The shape of two items concatenated along their first axis (channels or features). */
    private static Shape concatenated(Shape a, Shape b, String where) {
        if (a.dimension() != b.dimension() || a.dimension() > 1 && !a.slice(1).equals(b.slice(1))) {
            throw new IllegalArgumentException(
                    "net: " + where + " concatenates branches of shapes " + a + " and " + b
                            + "; expected equal shapes but for the first axis (channels or features)");
        }
        return new Shape(a.get(0) + b.get(0)).addAll(a.slice(1));
    }

    /**
     * {@return DJL's join of a {@link ParallelBlock} for a join kind: the branches' sum, or their
     * concatenation along axis 1}
     *
     * @param join the join
     */
    public static java.util.function.Function<List<NDList>, NDList> joinFunction(Join join) {
        return list -> new NDList(join.apply(list.stream().map(NDList::singletonOrThrow).toList()));
    }

    private static void later(List<Runnable> setters, Runnable setter) {
        if (setters != null) {
            setters.add(setter);
        }
    }

    /**
     * {@return a (rows, cols) array as float32 rows: the inverse of the export's copy of a dense
     * weight}
     *
     * @param array a 2-D array
     */
    public static float[][] matrix(NDArray array) {
        int rows = (int) array.getShape().get(0);
        int cols = (int) array.getShape().get(1);
        float[] flat = array.toFloatArray();
        float[][] m = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, m[r], 0, cols);
        }
        return m;
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
