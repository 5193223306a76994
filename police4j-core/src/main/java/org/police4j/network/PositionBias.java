package org.police4j.network;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Adds a constant per-position tensor (C, H, W) to an (N, C, H, W) input, broadcast over the
 * batch: a conv's bias once POLICE's per-position shifts are folded into it.
 */
public final class PositionBias extends AbstractBlock {

    private final Shape shape;
    private final Parameter bias;

    /**
     * A zero-initialised bias of the given per-position shape.
     *
     * @param shape (C, H, W), the shape of one input item
     */
    public PositionBias(Shape shape) {
        super((byte) 1);
        this.shape = shape;
        this.bias =
                addParameter(
                        Parameter.builder()
                                .setName("bias")
                                .setType(Parameter.Type.BIAS)
                                .optShape(shape)
                                .optInitializer(Initializer.ZEROS)
                                .build());
    }

    /** {@return the per-position bias parameter, (C, H, W)} */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        var x = inputs.singletonOrThrow();
        return new NDList(x.add(ps.getValue(bias, x.getDevice(), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public String toString() {
        return "PositionBias" + shape;
    }
}
