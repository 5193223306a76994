package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import org.police4j.nn.Cpa;
import org.police4j.nn.CpaOps;

/** The paper's way: the P vertices go through every layer as rows. */
public final class VertexRowsPass implements RegionPass {

    private final Cpa activation;
    private NDArray z;
    private NDArray h;
    private NDArray shifted;

    /**
     * @param vertices P x D, in the dtype and on the device of the data
     * @param activation the network's activation
     */
    public VertexRowsPass(NDArray vertices, Cpa activation) {
        this.z = vertices;
        this.activation = activation;
    }

    @Override
    public LayerRange enter(NDArray weight, NDArray bias) {
        h = Linear.linear(z, weight, bias).singletonOrThrow();
        return LayerRange.ofVertices(h);
    }

    @Override
    public void leave(NDArray shift, NDArray sides) {
        shifted = h.add(shift);
        z = CpaOps.apply(activation, shifted);
    }

    @Override
    public NDArray shiftedVertexPreActivations() {
        return shifted;
    }

    @Override
    public NDArray vertexOutputs(NDArray headWeight, NDArray headBias) {
        return Linear.linear(z, headWeight, headBias).singletonOrThrow();
    }
}
