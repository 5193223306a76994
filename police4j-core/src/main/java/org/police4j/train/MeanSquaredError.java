package org.police4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Mean squared error, {@code mean((label - prediction)^2)}: the values and gradients of DJL's
 * {@code Loss.l2Loss(name, 1)}, without its {@code mul(weight)}. DJL multiplies by the weight through
 * {@code NDArray.mul(Number)}, whose 0-d operand is freed before the backward pass reads it (see
 * {@link org.police4j.engine.Scalar}); with weight 1 the product is the identity, so it is left out.
 */
public final class MeanSquaredError extends Loss {

    /**
     * A mean squared error reported under {@code name}.
     *
     * @param name the loss's name in DJL's training results
     */
    public MeanSquaredError(String name) {
        super(name);
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray prediction = predictions.singletonOrThrow();
        NDArray label = labels.singletonOrThrow().reshape(prediction.getShape());
        return label.sub(prediction).square().mean();
    }
}
