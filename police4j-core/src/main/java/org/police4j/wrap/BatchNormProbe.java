package org.police4j.wrap;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.math.BigDecimal;
import java.math.MathContext;
import org.police4j.conv.Stage;

/**
 * A DJL {@code BatchNorm}'s epsilon and momentum, which DJL keeps private (its MobileNets use
 * epsilon 2e-5, not the 1e-5 police4j assumed). An initialised block is read by what it computes,
 * run with a parameter store that hands it statistics of our own, so neither the block nor its
 * arrays are touched: in inference mode with mean 0, variance 0, gamma 1 and beta 0, an input of 1
 * comes out as {@code 1 / sqrt(epsilon)}; in training mode with a running mean of 0 and a batch
 * whose mean is 1, the running mean comes out as PyTorch's momentum (DJL's {@code 1 - momentum}).
 * What is read is float32-rounded; a value within 1e-4 relative of a number of three significant
 * digits (1e-5, 2e-5, 0.1, 0.01) is taken as that number, which is what a builder's {@code
 * optEpsilon} wrote. A block not yet initialised cannot run without initialising itself (DJL's
 * lazy initialisation would change the user's network), so its two fields are read instead.
 */
final class BatchNormProbe {

    private BatchNormProbe() {}

    /**
     * @param norm a batch-norm over the channels of a (N, C, H, W) map (run when initialised, else
     *     its fields read)
     * @param channels C
     * @param where the block's position, for messages
     * @return its epsilon and momentum (PyTorch's convention)
     * @throws IllegalArgumentException if the block does not run on such a map or gives numbers
     *     no batch-norm gives
     */
    static Stage.BatchNorm read(BatchNorm norm, int channels, String where) {
        if (!norm.isInitialized()) {
            return fields(norm, where);
        }
        try (NDManager probe = NDManager.newBaseManager()) {
            Shape c = new Shape(channels);
            NDArray ones = probe.ones(new Shape(2, channels, 1, 1));
            float inference = run(norm, new Statistics(probe, probe.ones(c), probe.zeros(c), probe.zeros(c),
                    probe.zeros(c)), ones, false, where)[0];
            double epsilon = roundedToThreeDigits(1 / ((double) inference * inference));
            NDArray runningMean = probe.zeros(c);
            run(norm, new Statistics(probe, probe.ones(c), probe.zeros(c), runningMean, probe.ones(c)), ones, true, where);
            double momentum = roundedToThreeDigits(runningMean.toFloatArray()[0]);
            try {
                return new Stage.BatchNorm((float) epsilon, (float) momentum);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " is not a batch-norm police4j can fold: " + e.getMessage(), e);
            }
        }
    }

    /** The block's own fields, for a block that cannot run yet (DJL 0.36's names). */
    private static Stage.BatchNorm fields(BatchNorm norm, String where) {
        try {
            java.lang.reflect.Field epsilon = BatchNorm.class.getDeclaredField("epsilon");
            java.lang.reflect.Field momentum = BatchNorm.class.getDeclaredField("momentum");
            epsilon.setAccessible(true);
            momentum.setAccessible(true);
            // DJL passes PyTorch 1 - momentum; rounded as a probe's reading is, so both ways agree
            return new Stage.BatchNorm(epsilon.getFloat(norm), (float) roundedToThreeDigits(1 - (double) momentum.getFloat(norm)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": its epsilon and momentum cannot be read before it is"
                    + " initialised (" + e.getMessage() + "); initialise the network first", e);
        }
    }

    private static float[] run(BatchNorm norm, ParameterStore ps, NDArray x, boolean training, String where) {
        try {
            return norm.forward(ps, new NDList(x), training).singletonOrThrow().toFloatArray();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + " does not run on the conv's (N, C, H, W) output: " + e.getMessage(), e);
        }
    }

    /** {@code x}, or the number of three significant digits within 1e-4 relative of it. */
    static double roundedToThreeDigits(double x) {
        if (!(x > 0) || Double.isInfinite(x)) {
            return x;
        }
        double r = new BigDecimal(x).round(new MathContext(3)).doubleValue();
        return Math.abs(r - x) <= 1e-4 * x ? r : x;
    }

    /** Hands a batch-norm our gamma, beta and statistics instead of its own. */
    private static final class Statistics extends ParameterStore {
        private final NDArray gamma;
        private final NDArray beta;
        private final NDArray mean;
        private final NDArray var;

        Statistics(NDManager manager, NDArray gamma, NDArray beta, NDArray mean, NDArray var) {
            super(manager, false);
            this.gamma = gamma;
            this.beta = beta;
            this.mean = mean;
            this.var = var;
        }

        @Override
        public NDArray getValue(Parameter parameter, Device device, boolean training) {
            return switch (parameter.getType()) {
                case GAMMA -> gamma;
                case BETA -> beta;
                case RUNNING_MEAN -> mean;
                case RUNNING_VAR -> var;
                default -> super.getValue(parameter, device, training);
            };
        }
    }
}
