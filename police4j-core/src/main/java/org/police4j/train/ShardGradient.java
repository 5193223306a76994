package org.police4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import org.police4j.engine.Scalar;
import org.police4j.nn.PolicedMlp;

/**
 * The gradient of one shard of a batch, scaled by the shard's share of the rows, so that the
 * shards' gradients add up to the full batch's (a mean loss over N rows is the sum over shards of
 * {@code n_k / N} times the shard's mean loss). Each shard's forward carries the region's own rows,
 * as every forward of the block does; the shift does not depend on the data rows, so the region's
 * part of the gradient is counted once in the sum (its weights {@code n_k / N} add up to 1). Not
 * DJL's multi-device sum, which adds the devices' mean-loss gradients (k times the one-device
 * gradient). Values are kept in double for the sum.
 *
 * @param loss the shard's scaled mean loss ({@code n_k / N} times its mean), summed: the batch's mean loss
 * @param gradient one array per parameter, in the block's parameter order, flattened row-major
 */
public record ShardGradient(double loss, double[][] gradient) {

    /**
     * Computes a shard's scaled loss and gradient.
     *
     * @param block an initialised network (its parameters get a gradient attached if they have none)
     * @param x the shard's n_k x D inputs
     * @param y the shard's labels, as {@link Fit#fit} takes them
     * @param loss the loss
     * @param totalRows N, the rows of the whole batch
     * @return the scaled loss and gradient
     */
    public static ShardGradient of(PolicedMlp block, NDArray x, NDArray y, LossKind loss, long totalRows) {
        long n = x.getShape().get(0);
        if (n <= 0 || n > totalRows || y.getShape().get(0) != n) {
            throw new IllegalArgumentException("shard: " + n + " input rows and " + y.getShape().get(0)
                    + " label rows; expected the same number, between 1 and totalRows = " + totalRows);
        }
        NDManager manager = x.getManager();
        Loss l = loss.toDjl();
        for (Parameter p : block.getParameters().values()) {
            // trainable parameters only: state such as a sign rule's held sides is overwritten in
            // place by the training forward, which PyTorch refuses on a leaf that requires grad
            if (p.requiresGradient() && !p.getArray().hasGradient()) {
                p.getArray().setRequiresGradient(true);
            }
        }
        double value;
        double[][] g = new double[block.getParameters().size()][];
        // DJL's PyTorch gradient collector allows one at a time in a JVM (a static flag), so
        // shards computed by several threads of one JVM take turns here.
        synchronized (ShardGradient.class) {
            zeroGradients(block);
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), true);
                    // through Scalar, not mul(Number): DJL frees a number's 0-d array before backward reads it
                    NDArray scaled = Scalar.times(Fit.batchLoss(l, out, y), (float) ((double) n / totalRows));
                    value = scaled.getFloat();
                    gc.backward(scaled);
                }
                int i = 0;
                for (Parameter p : block.getParameters().values()) {
                    NDArray w = p.getArray();
                    float[] f = w.hasGradient() ? w.getGradient().toFloatArray() : new float[Math.toIntExact(w.size())];
                    g[i] = new double[f.length];
                    for (int j = 0; j < f.length; j++) {
                        g[i][j] = f[j];
                    }
                    i++;
                }
            }
        }
        return new ShardGradient(value, g);
    }

    /**
     * Sets the block's parameter gradients to 0: backward adds to them, and only the optimiser's
     * update clears them, so a gradient computed without one starts from 0 here.
     *
     * @param block the network
     */
    static void zeroGradients(PolicedMlp block) {
        for (Parameter p : block.getParameters().values()) {
            if (p.getArray().hasGradient()) {
                try (NDArray g = p.getArray().getGradient()) {
                    g.subi(g);
                }
            }
        }
    }

    /**
     * Adds two shards' gradients (the same block's).
     *
     * @param other another shard of the same batch
     * @return the sum
     */
    public ShardGradient plus(ShardGradient other) {
        if (other.gradient.length != gradient.length) {
            throw new IllegalArgumentException("other: " + other.gradient.length + " parameters; expected " + gradient.length);
        }
        double[][] g = new double[gradient.length][];
        for (int i = 0; i < g.length; i++) {
            g[i] = gradient[i].clone();
            for (int j = 0; j < g[i].length; j++) {
                g[i][j] += other.gradient[i][j];
            }
        }
        return new ShardGradient(loss + other.loss, g);
    }
}
