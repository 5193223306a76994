package org.police4j.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import org.police4j.engine.Cpa;

/**
 * The unconstrained twin of a {@link PolicedMlp}: the same layers, activation and initialisation,
 * no region. The baseline for every "what does the constraint cost" comparison, and what {@link
 * PolicedMlp#wrap} accepts.
 */
public final class PlainMlp {

    private PlainMlp() {}

    /**
     * @param inputDimension D
     * @param hidden hidden widths
     * @param outputs head width
     * @param activation the activation after each hidden layer
     * @return an uninitialised block with PyTorch's default initialisation
     */
    public static SequentialBlock build(int inputDimension, int[] hidden, int outputs, Cpa activation) {
        SequentialBlock net = new SequentialBlock();
        long fanIn = inputDimension;
        for (int width : hidden) {
            net.add(linear(width, fanIn));
            net.add(activationBlock(activation));
            fanIn = width;
        }
        net.add(linear(outputs, fanIn));
        return net;
    }

    /**
     * DJL's own block for the activation (abs, hard-tanh and the general form have none: named lambdas), so that plain and
     * folded networks are made of DJL's blocks only.
     *
     * @param cpa the activation
     * @return a parameterless block applying it
     */
    public static Block activationBlock(Cpa cpa) {
        switch (cpa.kind()) {
            case RELU:
                return Activation.reluBlock();
            case LEAKY_RELU:
                return Activation.leakyReluBlock((float) cpa.negativeSlope());
            case RELU6:
                return Activation.relu6Block();
            case ABS:
                return new LambdaBlock(list -> new NDList(list.singletonOrThrow().abs()), "Abs");
            default: // hard-tanh and the general form: the same float32 operations as the engine's
                return new CpaBlock(cpa);
        }
    }

    static Linear linear(int width, long fanIn) {
        if (width <= 0) {
            throw new IllegalArgumentException("width: " + width + "; expected > 0");
        }
        Linear linear = Linear.builder().setUnits(width).build();
        FanInUniform init = new FanInUniform(fanIn);
        linear.setInitializer(init, Parameter.Type.WEIGHT);
        linear.setInitializer(init, Parameter.Type.BIAS);
        return linear;
    }
}
