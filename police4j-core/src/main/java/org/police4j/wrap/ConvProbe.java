package org.police4j.wrap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.police4j.conv.Stage;
import org.police4j.engine.PoolWindows;
import org.police4j.nn.ActivationProbe;

/**
 * Finds out what a parameterless block does to a feature map (C, H, W), or (C, L) in a 1-D
 * network, by running it on a chosen batch of two maps whose values are all distinct, of both
 * signs: a row flatten, a max-pooling (and its window, stride and padding), a global max-pooling
 * or a global average pooling. DJL's {@code Pool.maxPool2dBlock}, {@code Pool.maxPool1dBlock} and {@code
 * Blocks.batchFlattenBlock} are lambdas, so their type says nothing; what they compute on such a
 * map identifies them. A 1-D map (C, L) is the map (C, 1, L) for every shape below.
 */
final class ConvProbe {

    /**
     * A max-pooling found by probing, per axis (rows, columns); a 1-D pool has window (1, k).
     *
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH the padding above and below
     * @param padW the padding left and right
     */
    record MaxPool(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode) {}

    private ConvProbe() {}

    /** The batch of two maps: (2, C, L) when {@code oneD} (then h is 1), else (2, C, H, W). */
    private static Shape batch(int c, int h, int w, boolean oneD) {
        return oneD ? new Shape(2, c, w) : new Shape(2, c, h, w);
    }

    /** Two maps of distinct values +-(i + 1) / 8 in a fixed shuffled order (seed 7). */
    private static float[] values(int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (i % 2 == 0 ? 1 : -1) * (i + 1) / 8f;
        }
        Random rng = new Random(7);
        for (int i = size - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    /**
     * Whether {@code block} flattens each (C, H, W) map to C*H*W values in row-major
     * (channel-major) order.
     */
    static boolean flattens(Block block, int c, int h, int w, boolean oneD) {
        float[] x = values(2 * c * h * w);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = ActivationProbe.run(block, manager, manager.create(x, batch(c, h, w, oneD)));
            return y != null
                    && y.getShape().equals(new Shape(2, (long) c * h * w))
                    && y.getDataType() == DataType.FLOAT32
                    && Arrays.equals(y.toFloatArray(), x);
        }
    }

    /**
     * Whether {@code block} returns each map as it is (DJL's {@code Blocks.identityBlock()}, a
     * residual shortcut): probed first, since on a 1 x 1 map an identity also averages and
     * max-pools every channel over its one position.
     */
    static boolean identity(Block block, int c, int h, int w, boolean oneD) {
        float[] x = values(2 * c * h * w);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = ActivationProbe.run(block, manager, manager.create(x, batch(c, h, w, oneD)));
            return y != null
                    && y.getShape().equals(batch(c, h, w, oneD))
                    && y.getDataType() == DataType.FLOAT32
                    && Arrays.equals(y.toFloatArray(), x);
        }
    }

    /**
     * Whether {@code block} reshapes each vector of {@code features} values into the map
     * (features, 1, 1), keeping the values in order (MobileNetV2's {@code array.reshape(n, c, 1,
     * 1)} before its last 1x1 conv).
     */
    static boolean unflattens(Block block, int features) {
        float[] x = values(2 * features);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = ActivationProbe.run(block, manager, manager.create(x, new Shape(2, features)));
            return y != null
                    && y.getShape().equals(new Shape(2, features, 1, 1))
                    && y.getDataType() == DataType.FLOAT32
                    && Arrays.equals(y.toFloatArray(), x);
        }
    }

    /**
     * Whether {@code block} averages each channel over its positions, giving (N, C) or (N, C, 1, 1),
     * (N, C, 1) for a 1-D map.
     */
    static boolean globalAvgPools(Block block, int c, int h, int w, boolean oneD) {
        return globalPool(block, c, h, w, oneD, false) != null;
    }

    /**
     * The shape of one item's output, (C) or (C, 1, 1) ((C, 1) for a 1-D map), when {@code block}
     * takes each channel's largest value over all its positions (DJL's {@code
     * Pool.globalMaxPool2dBlock}: a max-pooling with one window, the whole map); else null.
     */
    static Shape globalMaxPool(Block block, int c, int h, int w, boolean oneD) {
        return globalPool(block, c, h, w, oneD, true);
    }

    /**
     * One item's output shape when {@code block} reduces each channel over all its positions to
     * one value, (N, C) or (N, C, 1, 1) ((N, C, 1) in 1-D): the largest exactly ({@code max}), or
     * the mean to float32 rounding; else null.
     */
    private static Shape globalPool(Block block, int c, int h, int w, boolean oneD, boolean max) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values(2 * c * h * w), batch(c, h, w, oneD));
            NDArray y = ActivationProbe.run(block, manager, x);
            Shape kept = oneD ? new Shape(2, c, 1) : new Shape(2, c, 1, 1);
            if (y == null
                    || y.getDataType() != DataType.FLOAT32
                    || !(y.getShape().equals(new Shape(2, c)) || y.getShape().equals(kept))) {
                return null;
            }
            float[] got = y.toFloatArray();
            NDArray perChannel = x.reshape(2, c, -1);
            float[] expected = (max ? perChannel.max(new int[] {2}) : perChannel.mean(new int[] {2})).toFloatArray();
            boolean matches = max ? Arrays.equals(got, expected) : close(expected, got);
            return matches ? y.getShape().slice(1) : null;
        }
    }

    /**
     * The max-pooling {@code block} computes on the maps, or null when it is none of those tried:
     * first every tiling window (stride = window, no padding, at least two positions), then any
     * window, stride and padding per axis (padding at most half the window; in 1-D the rows stay
     * (1, 1, 0)), floor then ceiling mode (DJL's {@code PoolingConvention.FULL}). Only a block whose every
     * output value is one of its inputs' is tried at all.
     */
    static MaxPool maxPool(Block block, int c, int h, int w, boolean oneD) {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] values = values(2 * c * h * w);
            NDArray x = manager.create(values, batch(c, h, w, oneD));
            NDArray y = ActivationProbe.run(block, manager, x);
            int dims = oneD ? 3 : 4;
            if (y == null || y.getDataType() != DataType.FLOAT32 || y.getShape().dimension() != dims
                    || y.getShape().get(0) != 2 || y.getShape().get(1) != c) {
                return null;
            }
            long oh = oneD ? 1 : y.getShape().get(2);
            long ow = y.getShape().get(dims - 1);
            float[] got = y.toFloatArray();
            float[] sorted = values.clone();
            Arrays.sort(sorted);
            for (float v : got) {
                if (Arrays.binarySearch(sorted, v) < 0) {
                    return null; // not a selection of inputs: no max-pooling
                }
            }
            NDArray maps = x.reshape(2, c, h, w);
            for (int kh = 1; kh <= h; kh++) {
                for (int kw = 1; kw <= w; kw++) {
                    if (kh * kw < 2 || h / kh != oh || w / kw != ow) {
                        continue;
                    }
                    MaxPool candidate = new MaxPool(kh, kw, kh, kw, 0, 0, false);
                    if (matches(maps, candidate, got)) {
                        return candidate;
                    }
                }
            }
            for (boolean ceil : new boolean[] {false, true}) {
                // on a small map a padded window may be larger than the map (GoogLeNet's 3/1/1
                // pool on a 2 x 2 map)
                List<int[]> rows = oneD ? List.of(new int[] {1, 1, 0}) : axis(h, oh, ceil, Math.max(h, Math.min(2 * h + 1, 8)));
                for (int[] r : rows) {
                    for (int[] col : axis(w, ow, ceil, Math.max(w, Math.min(2 * w + 1, 8)))) {
                        MaxPool candidate = new MaxPool(r[0], col[0], r[1], col[1], r[2], col[2], ceil);
                        if (r[0] * col[0] >= 2 && matches(maps, candidate, got)) {
                            return candidate;
                        }
                    }
                }
            }
            return null;
        }
    }

    /** Every (window up to {@code maxK}, stride, padding) along an axis of n positions giving {@code out} positions. */
    private static List<int[]> axis(int n, long out, boolean ceil, int maxK) {
        List<int[]> found = new ArrayList<>();
        for (int k = 1; k <= maxK; k++) {
            for (int s = 1; s <= k; s++) {
                for (int p = 0; 2 * p <= k; p++) {
                    if (n + 2 * p >= k && PoolWindows.outLength(n, k, s, p, ceil) == out) {
                        found.add(new int[] {k, s, p});
                    }
                }
            }
        }
        return found;
    }

    /**
     * The average pooling {@code block} computes on the maps, as DJL's {@code Pool.avgPool2d(x,
     * kernel, stride, padding, ceilMode, countIncludePad)} (in 1-D the window (1, k)), or null when
     * it is none of those: a linear block ({@code f(-x) = -f(x)} on the probe maps), then every
     * window, stride and padding per axis giving the block's output shape (padding at most half
     * the window), floor then ceiling mode, each compared on the probe maps to float32 rounding.
     * Padding always counts in the divisor: DJL 0.36's PyTorch engine does not pass {@code
     * countIncludePad} to PyTorch, whose default counts it (see {@link Stage.AvgPool}). A global
     * average pooling is found by {@link #globalAvgPools} first.
     */
    static Stage.AvgPool avgPool(Block block, int c, int h, int w, boolean oneD) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values(2 * c * h * w), batch(c, h, w, oneD));
            NDArray y = ActivationProbe.run(block, manager, x);
            int dims = oneD ? 3 : 4;
            if (y == null || y.getDataType() != DataType.FLOAT32 || y.getShape().dimension() != dims
                    || y.getShape().get(0) != 2 || y.getShape().get(1) != c) {
                return null;
            }
            NDArray negated = ActivationProbe.run(block, manager, x.neg());
            if (negated == null || !close(y.neg().toFloatArray(), negated.toFloatArray())) {
                return null; // not linear (an activation, a max-pool): no average
            }
            long oh = oneD ? 1 : y.getShape().get(2);
            long ow = y.getShape().get(dims - 1);
            float[] got = y.toFloatArray();
            NDArray maps = x.reshape(2, c, h, w);
            for (boolean ceil : new boolean[] {false, true}) {
                // a window may overhang a small map on both sides (LeNet's 5 x 5 pool on a 2 x 2 map)
                List<int[]> rows = oneD ? List.of(new int[] {1, 1, 0}) : axis(h, oh, ceil, 2 * h + 1);
                for (int[] r : rows) {
                    for (int[] col : axis(w, ow, ceil, 2 * w + 1)) {
                        if (r[0] * col[0] == 1 && r[1] * col[1] == 1) {
                            continue; // the identity is no pooling
                        }
                        NDArray ref = Pool.avgPool2d(maps, new Shape(r[0], col[0]), new Shape(r[1], col[1]),
                                new Shape(r[2], col[2]), ceil, true);
                        if (close(ref.toFloatArray(), got)) {
                            return new Stage.AvgPool(r[0], col[0], r[1], col[1], r[2], col[2], ceil, true);
                        }
                    }
                }
            }
            return null;
        }
    }

    /** Equal to float32 rounding of a sum and a division, relative to each value's magnitude. */
    private static boolean close(float[] expected, float[] got) {
        if (expected.length != got.length) {
            return false;
        }
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])))) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(NDArray maps, MaxPool p, float[] got) {
        NDArray ref = Pool.maxPool2d(maps, new Shape(p.kernelH(), p.kernelW()), new Shape(p.strideH(), p.strideW()),
                new Shape(p.padH(), p.padW()), p.ceilMode());
        return Arrays.equals(ref.toFloatArray(), got);
    }
}
