package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import org.police4j.engine.PoolWindows;
import org.police4j.engine.Stencil;

/**
 * One layer of a {@link PolicedNetwork} as its forward runs it, for the MLP and the CNN alike.
 * Rows are always flattened, (N, units) channel-major, so a flatten is no layer at all; a conv
 * reshapes its input rows to images and its output back. Each layer holds its parameters (DJL
 * {@link Parameter}s, wherever the block keeps them) and the dropout blocks on its input, which
 * act on the data rows in training only.
 */
public sealed interface NetworkLayer {

    /**
     * A dense layer {@code W z + b}, followed by the activation unless it is the head.
     *
     * @param weight (K, K_prev)
     * @param bias K
     * @param head whether this is the network's last (linear) layer
     * @param inputDropouts dropout blocks on the layer's input
     */
    record Dense(Parameter weight, Parameter bias, boolean head, List<Block> inputDropouts) implements NetworkLayer {}

    /**
     * A conv group: convolution, optional batch-norm (a per-channel affine map), optional max-pool
     * (tiling, overlapping or padded windows), then the activation.
     *
     * @param weight (C', C / groups, kh, kw)
     * @param bias C'
     * @param batchNorm the batch-norm's parameters, or null
     * @param stencil the convolution's geometry
     * @param pool the max-pool's windows on the (C', H', W') map, or null for no pool
     * @param inputDropouts dropout blocks on the layer's input
     */
    record Conv(
            Parameter weight, Parameter bias, BatchNorm batchNorm, Stencil stencil, PoolWindows pool,
            List<Block> inputDropouts)
            implements NetworkLayer {

        /** {@return whether a max-pool follows the convolution} */
        public boolean pooled() {
            return pool != null;
        }

        /** {@return the pooled rows} */
        public int pooledH() {
            return pooled() ? pool.outH() : stencil.outH();
        }

        /** {@return the pooled columns} */
        public int pooledW() {
            return pooled() ? pool.outW() : stencil.outW();
        }

        /** {@return the units after the pool: C' * H'' * W''} */
        public int units() {
            return stencil.outC() * pooledH() * pooledW();
        }

        /**
         * The convolution of flattened rows.
         *
         * @param rows (N, C*H*W)
         * @param w the weight's value
         * @param b the bias's value
         * @return (N, C', H', W')
         */
        NDArray convolve(NDArray rows, NDArray w, NDArray b) {
            return stencil.convolve(rows, w, b);
        }

        /**
         * Max-pools pre-activations from which the pool shift was subtracted.
         *
         * @param pre (N, C', H', W')
         * @return (N, C', H'', W'')
         */
        NDArray maxPool(NDArray pre) {
            return Pool.maxPool2d(pre, new Shape(pool.kernelH(), pool.kernelW()), new Shape(pool.strideH(), pool.strideW()),
                    new Shape(pool.padH(), pool.padW()), pool.ceilMode());
        }
    }

    /**
     * Max-pooling of the values as they are (activated, or linear): after a join (SqueezeNet's
     * and GoogLeNet's pools after their fire and inception modules), first in a branch
     * (GoogLeNet's pooled path) or after another pool. It has no units; like a conv group's pool
     * it takes a per-position pool shift, so that every window's winner beats the others over
     * all of R. It runs as the conv group {@link #identity()} left linear: the identity conv
     * computes every value exactly, and the pass, the rounding guard and the fold of a conv
     * group's pool serve it unchanged (the shift folds into that identity conv's bias).
     *
     * @param pool the windows on the (C, H, W) map
     */
    record MaxPool(PoolWindows pool) implements NetworkLayer {

        /**
         * {@return the conv group that computes this pool: a 1x1 depthwise conv of weight 1 and
         * bias 0 (its parameters given as arrays where it runs), then the pool}
         */
        public Conv identity() {
            PoolWindows p = pool;
            Stencil s = new Stencil(p.c(), p.h(), p.w(), p.c(), p.h(), p.w(), 1, 1, 1, 1, 0, 0, 1, 1, p.c());
            return new Conv(null, null, null, s, p, List.of());
        }
    }

    /**
     * Batch-norm after a conv: its learned scale and offset and its running statistics.
     *
     * @param gamma C' scales
     * @param beta C' offsets
     * @param runningMean C' running means
     * @param runningVar C' running variances
     * @param epsilon added to the variance
     * @param momentum the running statistics' update (PyTorch's convention)
     */
    record BatchNorm(
            Parameter gamma, Parameter beta, Parameter runningMean, Parameter runningVar, float epsilon, float momentum) {

        /** Batch-norm epsilon (PyTorch's default). */
        public static final float EPS = 1e-5f;

        /** Momentum of the running statistics (PyTorch's default). */
        public static final float MOMENTUM = 0.1f;

        /**
         * Batch-norm with given statistics as the per-channel affine map {@code y = s x + t},
         * {@code s = gamma / sqrt(var + eps)}, {@code t = beta - mean s}: written once, for the
         * forward and the fold, so that both compute the same float32 numbers.
         *
         * @param gamma C' scales
         * @param beta C' offsets
         * @param mean C' means
         * @param var C' variances
         * @param epsilon added to the variance
         * @return {s, t}
         */
        public static NDArray[] affine(NDArray gamma, NDArray beta, NDArray mean, NDArray var, float epsilon) {
            NDArray scale = gamma.div(var.add(epsilon).sqrt());
            return new NDArray[] {scale, beta.sub(mean.mul(scale))};
        }

        /**
         * The statistics of the data rows' conv outputs, per channel over (rows, positions), with
         * the running statistics updated (unbiased variance, like PyTorch).
         *
         * @param data (N, C', H', W'), N &gt; 0
         * @return {mean, var}, differentiable
         */
        NDArray[] batchStatistics(NDArray data) {
            Shape s = data.getShape();
            long channels = s.get(1);
            // PyTorch's mean takes one axis at a time, and equal-sized groups make the mean of
            // means the mean (no transposed copy)
            NDArray mean = data.mean(new int[] {3}).mean(new int[] {2}).mean(new int[] {0});
            NDArray var = data.sub(mean.reshape(1, channels, 1, 1))
                    .square()
                    .mean(new int[] {3})
                    .mean(new int[] {2})
                    .mean(new int[] {0});
            long count = s.get(0) * s.get(2) * s.get(3);
            float unbias = count > 1 ? (float) count / (count - 1) : 1f;
            NDArray rm = runningMean.getArray();
            NDArray rv = runningVar.getArray();
            rm.muli(1 - momentum).addi(mean.stopGradient().mul(momentum));
            rv.muli(1 - momentum).addi(var.stopGradient().mul(momentum * unbias));
            return new NDArray[] {mean, var};
        }
    }

    /**
     * Average pooling of an activated feature map over windows of any size, stride and padding
     * (DJL's {@code Pool.avgPool2d}): linear, no units; the regions' rows go through it too.
     *
     * @param windows the windows, on the (C, H, W) map
     * @param countIncludePad whether padded positions count in each window's divisor
     */
    record AvgPool(PoolWindows windows, boolean countIncludePad) implements NetworkLayer {

        /**
         * Averages flattened rows as DJL does.
         *
         * @param rows (N, C * H * W)
         * @return (N, C * H' * W')
         */
        NDArray apply(NDArray rows) {
            PoolWindows w = windows;
            NDArray images = rows.reshape(rows.getShape().get(0), w.c(), w.h(), w.w());
            return Pool.avgPool2d(images, new Shape(w.kernelH(), w.kernelW()), new Shape(w.strideH(), w.strideW()),
                            new Shape(w.padH(), w.padW()), w.ceilMode(), countIncludePad)
                    .reshape(rows.getShape().get(0), w.outputs());
        }
    }

    /**
     * Global average pooling of an activated feature map: each channel's mean over its positions.
     *
     * @param channels C
     * @param positions H * W
     */
    record AveragePool(int channels, int positions) implements NetworkLayer {

        /**
         * Averages flattened rows.
         *
         * @param rows (N, C * H * W)
         * @return (N, C)
         */
        NDArray apply(NDArray rows) {
            return rows.reshape(rows.getShape().get(0), channels, positions).mean(new int[] {2});
        }
    }
    /**
     * A dense layer or conv group without its activation (and so without POLICE shift): ResNet's
     * conv-BN before the residual add, or its stem conv. Its values are linear in its input; the
     * units that follow (a join's, or the next layer's) are where the shift goes.
     *
     * @param layer a {@link Dense} (not the head) or a {@link Conv}
     */
    record Linear(NetworkLayer layer) implements NetworkLayer {
        /**
         * Checks that the layer is a hidden dense layer or a conv group.
         *
         * @param layer the layer left linear
         */
        public Linear {
            if (!(layer instanceof Conv || layer instanceof Dense d && !d.head())) {
                throw new IllegalArgumentException("layer: " + layer + ", expected a conv group or a hidden dense layer");
            }
        }
    }

    /**
     * Branches run on the same input and joined (DJL's {@code ParallelBlock}): a residual unit, an
     * inception or fire module. When {@code activated}, the joined values are units of the network:
     * the activation follows the join, with its POLICE shift. A branch is a list of hidden layers
     * (empty: the identity); ResNet's ends with a {@link Linear} conv group.
     *
     * @param branches the branches, each a list of hidden layers (no head), at least one
     * @param join how the branches' outputs are combined
     * @param activated whether the activation follows the join
     */
    record Parallel(List<List<NetworkLayer>> branches, org.police4j.engine.Join join, boolean activated)
            implements NetworkLayer {

        /**
         * Checks the branches and keeps immutable copies.
         *
         * @param branches the branches, at least one
         * @param join how the branches' outputs are combined
         * @param activated whether the activation follows the join
         */
        public Parallel {
            if (branches == null || branches.isEmpty() || join == null) {
                throw new IllegalArgumentException(
                        "branches and join: got " + branches + " and " + join + ", expected at least one branch and a join");
            }
            List<List<NetworkLayer>> copy = new java.util.ArrayList<>();
            for (int b = 0; b < branches.size(); b++) {
                List<NetworkLayer> branch = List.copyOf(branches.get(b));
                for (NetworkLayer layer : branch) {
                    if (layer instanceof Dense d && d.head()) {
                        throw new IllegalArgumentException("branches: branch " + b + " holds the head; expected hidden layers only");
                    }
                }
                copy.add(branch);
            }
            branches = List.copyOf(copy);
        }
    }
}
