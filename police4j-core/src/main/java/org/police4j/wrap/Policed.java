package org.police4j.wrap;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.List;
import org.police4j.nn.PolicedMlp;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.ShiftEngine;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * POLICEs a DJL user's own {@link SequentialBlock}, dense or convolutional: one entry point that
 * reads the network, refuses what would break the guarantee, and returns a DJL {@link Block} that
 * is affine on the region after every forward. A dense-only network becomes a {@link PolicedMlp}
 * (exactly {@link PolicedMlp#wrap}); a network with a {@code Conv2d} (inputs (C, H, W)) or a
 * {@code Conv1d} (inputs (C, L), read as the 2-D network on (C, 1, L)) becomes a {@link
 * PolicedConvNet}.
 *
 * <p>Blocks are recognised by what they compute, never by their names: parameterless blocks
 * (DJL's activation blocks and lambdas, {@code Pool.maxPool2dBlock}, {@code
 * Blocks.batchFlattenBlock}, global average and max pooling) are run on chosen inputs (both sides of zero,
 * tiny and huge magnitudes, maps of distinct values) and must match exactly. Refusals name the
 * block's position ({@code "network block 2.1 (Conv2d)"}, nested blocks as {@code parent.child})
 * and the reason.
 *
 * <p>A conv network's parameters are copied from the user's blocks when they are initialised, so
 * the wrapper computes the user's function wherever the POLICE shifts are zero, and it trains on
 * its own parameters from then on (the user's blocks are not updated). When none of the user's
 * blocks is initialised, the wrapper is left uninitialised and DJL initialises it as usual
 * ({@code initialize} or the Trainer), with its own PyTorch-style initialisation. The copied arrays
 * belong to the manager of the user's parameters (keep it open while the wrapper is used); DJL's
 * {@code initialize} keeps them, as it keeps any initialised parameter. A dense network's
 * Linear blocks are reused (shared), as {@link PolicedMlp#wrap} does.
 *
 * <p>The region of a conv network is a {@link VertexRegion} (flattened inputs, carried as vertex
 * rows) or a region given by its support, such as a {@code Box} around an image, carried as a
 * tracked affine map. Several regions, mixed, each get their own affine piece ({@link
 * #wrap(SequentialBlock, List, Shape)}). A network with a {@code ParallelBlock} takes either kind:
 * vertex rows and the tracked map both fork at a parallel layer and join by adding or
 * concatenating.
 *
 * <table class="striped">
 * <caption>What wrap accepts and refuses</caption>
 * <thead><tr><th>block</th><th>where</th><th>what happens</th></tr></thead>
 * <tbody>
 * <tr><td colspan="3"><b>dense networks (no conv)</b>: see {@link PolicedMlp#wrap}; Linear,
 *     activations, identity, nested blocks, a leading flatten, dropout, BatchNorm after a
 *     Linear</td></tr>
 * <tr><td colspan="3"><b>conv networks</b> (2-D on (C, H, W), or 1-D on (C, L))</td></tr>
 * <tr><td>{@code Conv2d}</td><td>on a feature map, followed by an activation before the next conv,
 *     flatten or pooling</td><td>any kernel, stride, padding and dilation, also different per
 *     axis, and any channel groups ({@code optGroups}: grouped and depthwise convs); its weight and
 *     bias copied (a missing bias becomes a zero, trainable one)</td></tr>
 * <tr><td>{@code Conv1d}</td><td>the same, in a network of Conv1d on inputs (C, L)</td><td>any
 *     kernel k, stride s, padding p, dilation d, groups: the conv (1, k), stride (1, s), padding
 *     (0, p), dilation (1, d) on (C, 1, L);
 *     its weight (C', C, k) copied as (C', C, 1, k)</td></tr>
 * <tr><td>{@code Conv1d} and {@code Conv2d} in one network; {@code Conv1d} with inputShape (C, H,
 *     W) or {@code Conv2d} with (C, L)</td><td></td><td>refused with the position</td></tr>
 * <tr><td>{@code Conv1d} or {@code Conv2d} whose groups do not divide its input channels and
 *     filters</td><td></td><td>refused with the value</td></tr>
 * <tr><td>{@code Conv3d}, transposed convs</td><td></td><td>refused: PolicedConvNet's convs are 2-D
 *     or 1-D</td></tr>
 * <tr><td>{@code BatchNorm}</td><td>directly after a Conv2d or Conv1d</td><td>per channel (axis 1,
 *     checked); its epsilon and momentum read by probing (DJL keeps them private); gamma, beta
 *     and running statistics copied; in training the statistics are the data rows' only, see
 *     {@link PolicedConvNet}</td></tr>
 * <tr><td>{@code BatchNorm}</td><td>directly after a Linear, network initialised</td><td>folded
 *     into the Linear with its inference statistics (then frozen)</td></tr>
 * <tr><td>{@code BatchNorm}</td><td>elsewhere</td><td>refused</td></tr>
 * <tr><td>max-pooling ({@code Pool.maxPool2dBlock}, {@code Pool.maxPool1dBlock}, any block
 *     computing it)</td><td>once per conv group, before or after its activation</td><td>kept,
 *     exact, any window, stride and padding (overlapping windows included; (kh, kw) in 2-D, (1, k)
 *     in 1-D): POLICE shifts each window's losing positions; the activation must be
 *     non-decreasing (relu, leaky-relu, relu6, hard-tanh)</td></tr>
 * <tr><td>max-pooling in ceil mode ({@code PoolingConvention.FULL})</td><td>as above</td><td>kept,
 *     exact: positions beyond the map's edge never win, as padding</td></tr>
 * <tr><td>max-pooling</td><td>anywhere else on a map: after a {@code ParallelBlock} (SqueezeNet's
 *     fire, GoogLeNet's inception), first in a branch (GoogLeNet's pooled path), after another
 *     pool</td><td>kept, exact: it pools the values as they are, with its own pool shift (any
 *     activation)</td></tr>
 * <tr><td>average pooling ({@code Pool.avgPool2dBlock}, {@code Pool.avgPool1dBlock}, any block
 *     computing it)</td><td>on a feature map, after a conv group's activation (or on the
 *     input)</td><td>kept, any window, stride, padding and ceil mode, with DJL's divisor (padding
 *     counted: DJL 0.36's PyTorch engine ignores {@code countIncludePad})</td></tr>
 * <tr><td>average pooling between a conv and its activation</td><td></td><td>refused: put the
 *     activation first</td></tr>
 * <tr><td>row flatten ({@code Blocks.batchFlattenBlock})</td><td>after the last conv
 *     group</td><td>kept (channel-major, as DJL's)</td></tr>
 * <tr><td>global average pooling (output (N, C), (N, C, 1, 1), or (N, C, 1) in 1-D)</td><td>after the last conv
 *     group</td><td>kept</td></tr>
 * <tr><td>global max-pooling ({@code Pool.globalMaxPool2dBlock}, {@code globalMaxPool1dBlock}, any
 *     block computing it)</td><td>where a max-pooling goes</td><td>a max-pooling with one window,
 *     the whole map (then a flatten when its output is (N, C)), exact as every max-pooling</td></tr>
 * <tr><td>{@code Linear}</td><td>after a flatten or pooling, never two in a row</td><td>weight and
 *     bias copied; the last one is the head</td></tr>
 * <tr><td>no {@code Linear} at the end (NiN: conv, activation, global average pool, flatten;
 *     MobileNetV2: a 1x1 conv, flattened)</td><td>the network's last block</td><td>a network
 *     without head: its outputs are the last layer's values, which must be a vector</td></tr>
 * <tr><td>a lambda reshaping (N, C) to (N, C, 1, 1) (MobileNetV2's head)</td><td>directly after a
 *     global average pooling, or a flatten of a (C, 1, 1) map</td><td>read as that pooling over one
 *     window of the whole map (nothing on a 1 x 1 map); judged by probing</td></tr>
 * <tr><td>ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any continuous piecewise-affine function with
 *     finitely many kinks (any block or lambda computing one)</td><td>after each Conv2d
 *     group and each hidden Linear, the same one throughout</td><td>kept; judged by probing</td></tr>
 * <tr><td>identity, nested {@code SequentialBlock}</td><td>anywhere</td><td>dropped / read as its
 *     children</td></tr>
 * <tr><td>{@code Dropout}</td><td>directly before a Conv2d or Linear (flatten or identity
 *     between)</td><td>kept on that layer's input, data rows only, training only: the region's
 *     vertex rows skip it, because the guarantee is about the inference network</td></tr>
 * <tr><td>{@code Dropout}</td><td>before a BatchNorm, pooling or activation, or after the
 *     head</td><td>refused</td></tr>
 * <tr><td>{@code ParallelBlock} joined by a sum, a sum then the activation (ResNet's {@code
 *     add(...).relu()}), or a concatenation along axis 1 (GoogLeNet, SqueezeNet)</td><td>anywhere
 *     (a dense network with one is read as the CNN on (1, 1, D)); its branches hold any blocks this
 *     table accepts, nested, an identity branch included</td><td>a parallel stage; the join is
 *     recognised by probing it on chosen values; the units after an activated join are POLICE
 *     units</td></tr>
 * <tr><td>a conv group or a Linear without activation</td><td>directly before a {@code
 *     ParallelBlock}, or at the end of a branch; a conv group also before the next conv, a flatten,
 *     a pooling or the end</td><td>a linear stage (no shift): ResNet's stem conv and its conv-BN
 *     before the add, MobileNetV2's linear bottlenecks</td></tr>
 * <tr><td>a {@code ParallelBlock} joined by anything else (a product, a maximum, a sum then a
 *     smooth function)</td><td></td><td>refused with its position and the values that show it</td></tr>
 * <tr><td>a Linear on a feature map, a conv after a flatten, outputs that are a feature map, a
 *     network without any activation, smooth activations, an element-wise scale or shift, {@code
 *     Prelu} (a learned slope), {@code LayerNorm}, a block whose name lies, any other
 *     block</td><td></td><td>refused with its position and the reason</td></tr>
 * </tbody>
 * </table>
 *
 * <p>Shapes are checked at {@code initialize}: a conv network takes (N, C, H, W) or (N, C*H*W)
 * inputs (a 1-D one (N, C, L) or (N, C*L)), a dense one (N, D) or, after a leading flatten, (N, ...) with D values per row;
 * anything else is refused naming the expected shape.
 */
public final class Policed {

    private Policed() {}

    /**
     * POLICEs {@code block} on {@code region} with the default margin; see the class comment.
     *
     * @param block the user's network
     * @param region the region on which the result will be affine; for a conv network of
     *     dimension C*H*W (C*L for Conv1d; flattened channel-major): a {@link VertexRegion}, or a
     *     region given by its support such as a box around an image
     * @param inputShape the shape of one input without the batch axis: (C, H, W) for a Conv2d
     *     network, (C, L) for a Conv1d one, (D) or any shape of D values for a dense one
     * @return a {@link PolicedMlp} or a {@link PolicedConvNet}
     * @throws IllegalArgumentException naming the offending block or argument
     */
    public static Block wrap(SequentialBlock block, Region region, Shape inputShape) {
        return wrap(block, region, inputShape, ShiftEngine.DEFAULT_MARGIN);
    }

    /**
     * {@link #wrap(SequentialBlock, Region, Shape)} with a margin (see {@link ShiftEngine}).
     *
     * @param block the user's network
     * @param region the region on which the result will be affine
     * @param inputShape the shape of one input without the batch axis
     * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
     * @return a {@link PolicedMlp} or a {@link PolicedConvNet}
     */
    public static Block wrap(SequentialBlock block, Region region, Shape inputShape, double margin) {
        if (block == null) {
            throw new IllegalArgumentException("block: null; expected a SequentialBlock");
        }
        if (region == null) {
            throw new IllegalArgumentException("region: null; expected a Region");
        }
        return wrap(block, List.of(region), inputShape, margin);
    }

    /**
     * POLICEs {@code block} on several regions with the default margin: the result is affine on
     * each region, with its own affine map there (see {@code MultiRegionShift}); vertex regions
     * and regions given by their support (such as boxes around different images) may be mixed.
     *
     * @param block the user's network
     * @param regions at least one region, all of the input's dimension
     * @param inputShape the shape of one input without the batch axis
     * @return a {@link PolicedMlp} or a {@link PolicedConvNet}
     * @throws IllegalArgumentException naming the offending block or argument
     */
    public static Block wrap(SequentialBlock block, List<? extends Region> regions, Shape inputShape) {
        return wrap(block, regions, inputShape, ShiftEngine.DEFAULT_MARGIN);
    }

    /**
     * {@link #wrap(SequentialBlock, List, Shape)} with a margin (see {@link ShiftEngine}).
     *
     * @param block the user's network
     * @param regions at least one region, all of the input's dimension
     * @param inputShape the shape of one input without the batch axis
     * @param margin how far past the kink every vertex is pushed, finite and {@code >= 0}
     * @return a {@link PolicedMlp} or a {@link PolicedConvNet}
     */
    public static Block wrap(SequentialBlock block, List<? extends Region> regions, Shape inputShape, double margin) {
        if (block == null) {
            throw new IllegalArgumentException("block: null; expected a SequentialBlock");
        }
        if (regions == null || regions.isEmpty() || regions.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("regions: " + regions + "; expected at least one region, none null");
        }
        if (inputShape == null) {
            throw new IllegalArgumentException("inputShape: null; expected (C, H, W) or (D)");
        }
        List<Block> blocks = blocks(block);
        if (!hasConv(blocks)) {
            for (int j = 0; j < regions.size(); j++) {
                if (inputShape.size() != regions.get(j).dimension()) {
                    throw new IllegalArgumentException("inputShape: " + inputShape + " holds " + inputShape.size()
                            + " values, but the " + name(regions, j) + " has dimension " + regions.get(j).dimension());
                }
            }
            if (blocks.stream().anyMatch(b -> b instanceof ai.djl.nn.ParallelBlock)) {
                return ConvWrap.wrapDense(block, regions, margin); // a residual or concatenating MLP
            }
            return regions.size() == 1 ? PolicedMlp.wrap(block, regions.get(0), margin)
                    : PolicedMlp.builder().setNetwork(block).setRegions(regions).optMargin(margin).build();
        }
        ConvWrap.refuseOtherConvs(block);
        boolean oneD = ConvWrap.oneDimensional(blocks);
        if (inputShape.dimension() != (oneD ? 2 : 3)) {
            throw new IllegalArgumentException("inputShape: " + inputShape + "; a " + (oneD ? "Conv1d network needs (C, L)"
                    : "Conv2d network needs (C, H, W)"));
        }
        for (int j = 0; j < regions.size(); j++) {
            if (regions.get(j).dimension() != inputShape.size()) {
                throw new IllegalArgumentException((regions.size() == 1 ? "region" : "regions[" + j + "]")
                        + ": dimension " + regions.get(j).dimension() + " != "
                        + (oneD ? "C*L = " : "C*H*W = ") + inputShape.size() + " of inputShape " + inputShape);
            }
        }
        if (oneD) {
            return ConvWrap.wrap(block, regions, (int) inputShape.get(0), 1, (int) inputShape.get(1), true, margin);
        }
        return ConvWrap.wrap(block, regions, (int) inputShape.get(0), (int) inputShape.get(1),
                (int) inputShape.get(2), false, margin);
    }

    private static String name(List<? extends Region> regions, int j) {
        return regions.size() == 1 ? "region" : "region " + j;
    }

    /**
     * POLICEs {@code block} when the input shape can be inferred: a dense network (its rows hold
     * the region's D values), a conv network whose first Conv2d is initialised and whose
     * images are square (C from the conv's weight, H = W = sqrt(D / C)), or one whose first Conv1d
     * is initialised (C from its weight, L = D / C).
     *
     * @param block the user's network
     * @param region the region on which the result will be affine
     * @return a {@link PolicedMlp} or a {@link PolicedConvNet}
     * @throws IllegalArgumentException when the shape cannot be inferred (then pass it)
     */
    public static Block wrap(SequentialBlock block, Region region) {
        if (block == null || region == null) {
            throw new IllegalArgumentException("block, region: " + block + ", " + region + "; expected both");
        }
        List<Block> blocks = blocks(block);
        if (!hasConv(blocks)) {
            if (blocks.stream().anyMatch(b -> b instanceof ai.djl.nn.ParallelBlock)) {
                return ConvWrap.wrapDense(block, List.of(region), ShiftEngine.DEFAULT_MARGIN); // a residual or concatenating MLP
            }
            return PolicedMlp.wrap(block, region);
        }
        ConvWrap.refuseOtherConvs(block);
        boolean oneD = ConvWrap.oneDimensional(blocks);
        String retry = "; call Policed.wrap(block, region, new Shape(" + (oneD ? "C, L" : "C, H, W") + "))";
        Block first = blocks.stream().filter(b -> b instanceof Convolution || b instanceof Linear).findFirst().orElseThrow();
        Parameter weight = first.getParameters().get("weight");
        if (!(first instanceof Conv2d || first instanceof Conv1d) || weight == null || !weight.isInitialized()) {
            throw new IllegalArgumentException("inputShape: cannot be inferred: the first layer ("
                    + ConvWrap.describe(first) + ") is not an initialised " + (oneD ? "Conv1d" : "Conv2d") + retry);
        }
        long c = weight.getArray().getShape().get(1);
        long d = region.dimension();
        if (oneD) {
            if (d % c != 0) {
                throw new IllegalArgumentException("inputShape: cannot be inferred: the region's dimension " + d
                        + " is not a multiple of C = " + c + retry);
            }
            return wrap(block, region, new Shape(c, d / c));
        }
        long side = Math.round(Math.sqrt((double) d / c));
        if (d % c != 0 || side * side * c != d) {
            throw new IllegalArgumentException("inputShape: cannot be inferred: the region's dimension " + d
                    + " is not C * side^2 for C = " + c + retry);
        }
        return wrap(block, region, new Shape(c, side, side));
    }

    /**
     * Whether {@code block} has a convolution or a {@code ParallelBlock} anywhere (nested blocks
     * included): then {@link #wrap} reads it as a CNN (a graph of dense layers as the CNN on (1, 1,
     * D)), else as an MLP.
     *
     * @param block a DJL network
     * @return true when it convolves
     */
    public static boolean convolutional(SequentialBlock block) {
        List<Block> blocks = blocks(block);
        return hasConv(blocks) || blocks.stream().anyMatch(b -> b instanceof ai.djl.nn.ParallelBlock);
    }

    private static List<Block> blocks(SequentialBlock block) {
        List<Block> blocks = new ArrayList<>();
        ConvWrap.flatten(block, "", blocks, new ArrayList<>());
        return blocks;
    }

    private static boolean hasConv(List<Block> blocks) {
        return blocks.stream().anyMatch(b -> b instanceof Convolution);
    }
}
