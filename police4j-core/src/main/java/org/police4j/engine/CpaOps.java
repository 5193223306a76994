package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Applies a {@link Cpa} to an NDArray with the engine's own kernels. */
public final class CpaOps {

    private CpaOps() {}

    /**
     * Derivatives at the kink follow PyTorch (ReLU'(0) = 0, leaky'(0) = slope, |.|'(0) = 0),
     * which is what the golden vectors assume: after a shift one vertex sits exactly on the kink.
     *
     * @param cpa the activation
     * @param x pre-activations, any shape
     * @return the activation of every entry, differentiable
     */
    public static NDArray apply(Cpa cpa, NDArray x) {
        switch (cpa.kind()) {
            case RELU:
                return Activation.relu(x);
            case LEAKY_RELU:
                return Activation.leakyRelu(x, (float) cpa.negativeSlope());
            case ABS:
                return x.abs();
            default:
                throw new IllegalStateException("unknown activation " + cpa);
        }
    }
}
