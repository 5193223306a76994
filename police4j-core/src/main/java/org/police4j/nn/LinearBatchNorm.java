package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.nio.FloatBuffer;

/**
 * Folds a {@code BatchNorm} that directly follows a {@link Linear} into a new Linear, with its
 * inference statistics: in inference mode batch-norm is the per-unit affine map {@code s * z + o},
 * so {@code Linear(W, b)} then batch-norm is {@code Linear(diag(s) W, s * b + o)}. A POLICEd
 * network cannot keep batch-norm as it is (training-mode statistics would be computed over the
 * vertex rows too, and change with every batch), so the folded Linear replaces both and the
 * batch-norm is frozen: its statistics no longer update, and the folded Linear trains as a plain
 * one (the user's original Linear is not updated).
 *
 * <p>{@code s} and {@code o} are read off the batch-norm by running it in inference mode on 0 and
 * 1 (its epsilon is not public), then checked on random inputs; the folded Linear computes the
 * pair's function up to float32 rounding.
 */
public final class LinearBatchNorm {

    private LinearBatchNorm() {}

    /**
     * The Linear that computes {@code linear} then {@code batchNorm} (inference statistics).
     *
     * @param linear an initialised Linear
     * @param batchNorm an initialised batch-norm over the Linear's units
     * @param where the batch-norm's position, for messages
     * @return a new, initialised Linear, its arrays owned by the original weight's manager
     * @throws IllegalArgumentException if either is not initialised, or the batch-norm is not a
     *     per-unit affine map in inference mode
     */
    public static Linear fold(Linear linear, Block batchNorm, String where) {
        Parameter weight = linear.getParameters().get("weight");
        Parameter bias = linear.getParameters().get("bias");
        if (weight == null || !weight.isInitialized() || !batchNorm.isInitialized()) {
            throw new IllegalArgumentException(where + " is refused while the network is not initialised: a BatchNorm"
                    + " after a Linear is folded into it with its inference statistics (then frozen);"
                    + " initialise or train the network first");
        }
        NDArray w = weight.getArray();
        int units = (int) w.getShape().get(0);
        int in = (int) w.getShape().get(1);
        NDManager owner = w.getManager();
        float[] s = new float[units];
        float[] o = new float[units];
        try (NDManager probe = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(probe, false);
            float[] at0 = run(batchNorm, ps, probe.zeros(new Shape(1, units)), where);
            float[] at1 = run(batchNorm, ps, probe.ones(new Shape(1, units)), where);
            for (int k = 0; k < units; k++) {
                o[k] = at0[k];
                s[k] = at1[k] - at0[k];
            }
            probe.getEngine().setRandomSeed(1);
            NDArray x = probe.randomUniform(-3f, 3f, new Shape(4, units));
            float[] y = run(batchNorm, ps, x, where);
            float[] xs = x.toFloatArray();
            for (int i = 0; i < y.length; i++) {
                int k = i % units;
                double expected = (double) s[k] * xs[i] + o[k];
                if (Math.abs(y[i] - expected) > 1e-4 * (1 + Math.abs(expected))) {
                    throw new IllegalArgumentException(where + " is not a per-unit affine map in inference mode"
                            + " (unit " + k + ": f(" + xs[i] + ") = " + y[i] + ", expected " + expected + ");"
                            + " only a BatchNorm over the Linear's units (axis 1) can be folded");
                }
            }
        }
        float[] wf = w.toFloatArray();
        float[] bf = bias == null ? new float[units] : bias.getArray().toFloatArray();
        for (int k = 0; k < units; k++) {
            for (int i = 0; i < in; i++) {
                wf[k * in + i] *= s[k];
            }
            bf[k] = s[k] * bf[k] + o[k];
        }
        Linear folded = Linear.builder().setUnits(units).build();
        folded.initialize(owner, DataType.FLOAT32, new Shape(1, in));
        folded.getParameters().get("weight").getArray().set(FloatBuffer.wrap(wf));
        folded.getParameters().get("bias").getArray().set(FloatBuffer.wrap(bf));
        return folded;
    }

    private static float[] run(Block batchNorm, ParameterStore ps, NDArray x, String where) {
        try {
            return batchNorm.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + " does not run on the Linear's (N, units) output: " + e.getMessage(), e);
        }
    }
}
