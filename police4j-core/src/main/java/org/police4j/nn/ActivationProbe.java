package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Locale;
import org.police4j.engine.Cpa;

/**
 * Finds out what a parameterless DJL block computes by running it on chosen values, because a
 * block's name is only a claim: {@code new LambdaBlock(Activation::sigmoid, "ReLU")} is named
 * ReLU and computes the sigmoid. An activation is accepted only when every probe value (both sides
 * of zero, zero itself, tiny and huge magnitudes, in float32) matches ReLU, leaky-ReLU, abs or the
 * identity exactly.
 */
public final class ActivationProbe {

    /** Both sides of the kink, the kink itself, and magnitudes from 1e-3 to 1e6. */
    static final float[] VALUES = {-1e6f, -3.5f, -1f, -1e-3f, 0f, 1e-3f, 1f, 2.5f, 1e6f};

    /**
     * What a block computes element-wise on the probe values.
     *
     * @param cpa the activation, or null for the identity
     */
    public record Finding(Cpa cpa) {
        /** {@return whether the block is the identity} */
        public boolean identity() {
            return cpa == null;
        }
    }

    private ActivationProbe() {}

    /**
     * Probes {@code block} on a (1, n) float32 array of {@link #VALUES}.
     *
     * @param block a parameterless block
     * @param where the block's position and name, for the error message
     * @return what it computes, or null when it does not run element-wise on a (1, n) array
     * @throws IllegalArgumentException when it runs element-wise but is not ReLU, leaky-ReLU, abs
     *     or the identity
     */
    public static Finding probe(Block block, String where) {
        float[] out;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(VALUES, new Shape(1, VALUES.length));
            NDArray y = run(block, manager, x);
            if (y == null || !y.getShape().equals(x.getShape()) || y.getDataType() != DataType.FLOAT32) {
                return null;
            }
            out = y.toFloatArray();
        }
        // Leaky-ReLU with slope a: x above the kink, a * x (in float32) below; a = 0 is ReLU,
        // a = -1 abs, a = 1 the identity. The slope is read at -1 and checked at every negative.
        float a = -out[index(-1f)];
        boolean matches = Float.isFinite(a);
        for (int i = 0; i < VALUES.length && matches; i++) {
            float v = VALUES[i];
            float expected = v > 0 ? v : v == 0 ? 0f : v * a;
            matches = out[i] == expected;
        }
        if (matches) {
            if (a == 1f) {
                return new Finding(null);
            }
            return new Finding(a == 0f ? Cpa.relu() : a == -1f ? Cpa.abs() : Cpa.leakyRelu(a));
        }
        Cpa several = KinkProbe.find(block);
        if (several != null) {
            return new Finding(several);
        }
        throw new IllegalArgumentException(where + refusal(block, out));
    }

    /**
     * Whether {@code block} flattens every row to a vector of the region's dimension: on a
     * (2, a, b) input with a * b = D it must return the (2, D) array of the same values in
     * row-major order (DJL's {@code Blocks.batchFlattenBlock}).
     *
     * @param block a parameterless block
     * @param dimension D, the region's dimension
     * @return true for a row flatten
     */
    static boolean flattensRows(Block block, int dimension) {
        int a = 1;
        for (int f = 2; (long) f * f <= dimension; f++) {
            if (dimension % f == 0) {
                a = f;
            }
        }
        float[] values = new float[2 * dimension];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 2 == 0 ? 1 : -1) * (i + 1) * 0.25f;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values, new Shape(2, a, dimension / a));
            NDArray y = run(block, manager, x);
            return y != null
                    && y.getShape().equals(new Shape(2, dimension))
                    && y.getDataType() == DataType.FLOAT32
                    && java.util.Arrays.equals(y.toFloatArray(), values);
        }
    }

    /**
     * Runs a parameterless block in inference mode on {@code x}.
     *
     * @param block the block
     * @param manager owns the arrays of the run
     * @param x the input
     * @return the single output, or null when the block does not run on this input
     */
    public static NDArray run(Block block, NDManager manager, NDArray x) {
        try {
            NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), false);
            return out.size() == 1 ? out.head() : null;
        } catch (RuntimeException e) {
            return null; // not a block that runs on this input: the caller says what is expected
        }
    }

    private static String refusal(Block block, float[] out) {
        String values = String.format(
                Locale.ROOT,
                "f(-1) = %s, f(0) = %s, f(1) = %s, f(1e6) = %s",
                out[index(-1f)], out[index(0f)], out[index(1f)], out[index(1e6f)]);
        String claim = claimed(block);
        float offset = out[index(0f)];
        float slope = out[index(1f)] - offset;
        if (claim == null && affine(out, slope, offset)) {
            return " computes the affine function f(x) = " + slope + " x + " + offset + " (" + values + "),"
                    + " which has no kink: an element-wise scale or shift between layers is not an activation"
                    + " POLICE places; fold it into the neighbouring Linear or conv (its weights and bias)";
        }
        String head = claim != null
                ? " does not compute " + claim + " whatever its name says: "
                : " is not piecewise affine with finitely many kinks that probing can pin down"
                        + " (ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any such function, or the identity): ";
        return head
                + values
                + "; a smooth activation has no region on which the network is affine; use ReLU,"
                + " leaky-ReLU, abs, ReLU6 or hard-tanh (Activation.reluBlock(), Activation.relu6Block(), CpaBlock)";
    }

    /** Whether every probe value is {@code slope * x + offset} to a few float32 units. */
    private static boolean affine(float[] out, float slope, float offset) {
        for (int i = 0; i < VALUES.length; i++) {
            double expected = (double) slope * VALUES[i] + offset;
            if (!(Math.abs(out[i] - expected) <= 8 * Math.ulp((float) Math.abs(expected)) + 8 * Math.ulp(Math.abs(offset)))) {
                return false;
            }
        }
        return true;
    }

    /** The piecewise-affine function a block's name claims, or null. */
    private static String claimed(Block block) {
        if (!(block instanceof ai.djl.nn.LambdaBlock)) {
            return null;
        }
        String name = ((ai.djl.nn.LambdaBlock) block).getName();
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        switch (key) {
            case "relu":
                return "ReLU";
            case "leakyrelu":
                return "leaky-ReLU";
            case "abs":
                return "abs";
            case "relu6":
                return "ReLU6";
            case "hardtanh":
                return "hard-tanh";
            default:
                return null;
        }
    }

    private static int index(float v) {
        for (int i = 0; i < VALUES.length; i++) {
            if (VALUES[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException("no probe value " + v);
    }
}
