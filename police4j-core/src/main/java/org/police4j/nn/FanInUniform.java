package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default {@code nn.Linear} initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
 * weight and bias alike. The paper's experiments use it, and the bias needs the weight's fan-in,
 * which a DJL initializer cannot see from the bias shape: hence one instance per layer.
 */
public final class FanInUniform implements Initializer {

    private final float bound;

    /**
     * An initializer for one layer.
     *
     * @param fanIn the layer's number of inputs, positive
     */
    public FanInUniform(long fanIn) {
        if (fanIn <= 0) {
            throw new IllegalArgumentException("fanIn must be positive, got " + fanIn);
        }
        this.bound = (float) (1.0 / Math.sqrt(fanIn));
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        return manager.randomUniform(-bound, bound, shape, dataType);
    }
}
