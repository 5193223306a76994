package org.police4j.wrap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.Random;
import org.police4j.nn.ActivationProbe;

/**
 * Finds out what a parameterless block does to a feature map (C, H, W) by running it on a
 * chosen batch of two maps whose values are all distinct, of both signs: a row flatten, a
 * max-pooling (and its window, stride and padding) or a global average pooling. DJL's
 * {@code Pool.maxPool2dBlock} and {@code Blocks.batchFlattenBlock} are lambdas, so their type
 * says nothing; what they compute on such a map identifies them.
 */
final class ConvProbe {

    /**
     * A max-pooling found by probing.
     *
     * @param kernel the window's side
     * @param stride the step between windows
     * @param padding the padding on each side
     */
    record MaxPool(int kernel, int stride, int padding) {}

    private ConvProbe() {}

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
    static boolean flattens(Block block, int c, int h, int w) {
        float[] x = values(2 * c * h * w);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray y = ActivationProbe.run(block, manager, manager.create(x, new Shape(2, c, h, w)));
            return y != null
                    && y.getShape().equals(new Shape(2, (long) c * h * w))
                    && y.getDataType() == DataType.FLOAT32
                    && Arrays.equals(y.toFloatArray(), x);
        }
    }

    /**
     * Whether {@code block} averages each channel over its positions, giving (N, C) or (N, C, 1, 1).
     */
    static boolean globalAvgPools(Block block, int c, int h, int w) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values(2 * c * h * w), new Shape(2, c, h, w));
            NDArray y = ActivationProbe.run(block, manager, x);
            if (y == null
                    || y.getDataType() != DataType.FLOAT32
                    || !(y.getShape().equals(new Shape(2, c)) || y.getShape().equals(new Shape(2, c, 1, 1)))) {
                return false;
            }
            float[] got = y.toFloatArray();
            float[] mean = x.reshape(2, c, -1).mean(new int[] {2}).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                if (Math.abs(got[i] - mean[i]) > 1e-5 * (1 + Math.abs(mean[i]))) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The max-pooling {@code block} computes on (C, H, W) maps (square window, same stride and
     * padding in both directions, floor of the output size), or null when it is none of them.
     */
    static MaxPool maxPool(Block block, int c, int h, int w) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values(2 * c * h * w), new Shape(2, c, h, w));
            NDArray y = ActivationProbe.run(block, manager, x);
            if (y == null || y.getDataType() != DataType.FLOAT32 || y.getShape().dimension() != 4
                    || y.getShape().get(0) != 2 || y.getShape().get(1) != c) {
                return null;
            }
            long oh = y.getShape().get(2);
            long ow = y.getShape().get(3);
            float[] got = y.toFloatArray();
            for (int k = 2; k <= Math.max(h, w); k++) {
                for (int s = 1; s <= k; s++) {
                    for (int p = 0; 2 * p <= k; p++) {
                        if ((h + 2 * p - k) / s + 1 != oh || (w + 2 * p - k) / s + 1 != ow || h + 2 * p < k || w + 2 * p < k) {
                            continue;
                        }
                        NDArray ref = Pool.maxPool2d(x, new Shape(k, k), new Shape(s, s), new Shape(p, p), false);
                        if (Arrays.equals(ref.toFloatArray(), got)) {
                            return new MaxPool(k, s, p);
                        }
                    }
                }
            }
            return null;
        }
    }

}
