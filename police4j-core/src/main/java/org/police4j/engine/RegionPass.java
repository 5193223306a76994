package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One region's journey through the hidden layers, next to the data: at each layer it reports the
 * range of the pre-activations over the region, then takes the shift (and the side each unit
 * ended on). Two implementations, chosen by {@link Strategy}: {@link VertexRowsPass} and {@link
 * AffineMapPass}; the golden vectors hold for both.
 */
public interface RegionPass {

    /**
     * Enters the next hidden layer.
     *
     * @param weight K x K_prev
     * @param bias K
     * @return the range of the layer's pre-activations over the region
     */
    LayerRange enter(NDArray weight, NDArray bias);

    /**
     * Enters a conv group (see {@link ConvGroup}): vertex rows run its affine part and decide the
     * pool shift from their values, a tracked affine map of a support region runs its affine and
     * linear parts and decides the pool shift from the region's support.
     *
     * @param group the conv group
     * @return the range of the group's units over the region
     */
    default LayerRange enter(ConvGroup group) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " carries dense layers only; conv layers need vertex rows or a support region");
    }

    /**
     * With several regions, the first half of entering a pooled conv group: runs the group's
     * affine part and gives this region's view of the pool's windows, so that one pool shift can
     * be decided for all regions ({@link PoolShift#joint}).
     *
     * @param group the conv group, with a max-pool
     * @return this region's side of the pool
     */
    default PoolShift.Side beforePool(ConvGroup group) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " carries dense layers only; conv layers need vertex rows or a support region");
    }

    /**
     * The second half: applies the shared pool shift and the pool.
     *
     * @param group the conv group
     * @param joint the pool shift decided for all regions
     * @return the range of the group's units over the region
     */
    default LayerRange afterPool(ConvGroup group, PoolShift.Joint joint) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " carries dense layers only; conv layers need vertex rows or a support region");
    }

    /**
     * Applies a layer without units (an average pool) to the region's current rows.
     *
     * @param layer the layer as a function of rows
     */
    default void apply(UnaryOperator<NDArray> layer) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " carries dense layers only; conv layers need vertex rows");
    }

    /**
     * Applies the shift and the activation.
     *
     * @param shift K shifts
     * @param sides K values +1/-1: the side of the kink the region now lies on (made on demand:
     *     a pass of vertex rows does not need them)
     */
    void leave(NDArray shift, Supplier<NDArray> sides);

    /**
     * For the {@link RoundingGuard}: per unit of the last layer entered, a bound on the
     * magnitudes the pass computed with, {@code |H + c|} at the vertices (or, for a tracked
     * affine map, the magnitudes its products handle). The next layer's rounding is a fraction of
     * these.
     *
     * @param shift the K shifts as float32 values
     * @return K bounds
     */
    double[] magnitudes(float[] shift);

    /**
     * {@return the map of the layer just entered, {@code {a (1 x K), A^T (D x K)}}, as the engine
     * computed it, or null for a pass of vertex rows}
     */
    default NDArray[] enteredMap() {
        return null;
    }

    /**
     * Hands over the arrays the pass holds for the layers to come, its outputs and its affine map:
     * whatever else it made during a layer may be closed once the layer is left (a tracked map's
     * pre-activation rows are D x K per layer; kept until the step ends they took several times
     * the map's size, docs/PERFORMANCE.md).
     *
     * @param keep takes each array held (nulls are ignored)
     */
    void held(Consumer<NDArray> keep);

    /** {@return the shifted pre-activations of the vertices at the last layer entered, or null} */
    NDArray shiftedVertexPreActivations();

    /**
     * The network's outputs at the vertices through the head, or null for support regions.
     *
     * @param headWeight the head's weight, K x width, or null for a network without head (the
     *     outputs are then the rows of the last layer left)
     * @param headBias the head's bias, K, or null without head
     * @return P x K outputs, or null
     */
    NDArray vertexOutputs(NDArray headWeight, NDArray headBias);
    /**
     * A pass starting where this one is (after the last layer it left): the region entering one
     * branch of a parallel layer. The branches' passes are then joined by {@link #enterJoin}.
     *
     * @return the new pass
     */
    default RegionPass fork() {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " carries chains only; a parallel layer (residual or concatenating"
                        + " network) needs the region as vertex rows");
    }

    /**
     * Leaves the last layer entered without shift or activation: a branch's last layer before an
     * activated join.
     */
    default void leaveLinear() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " carries chains only");
    }

    /**
     * Enters the units of an activated (or linear) join: the outputs of the branches' passes,
     * forked from this one, combined.
     *
     * @param branches the passes that went through each branch, in branch order
     * @param join how they are combined
     * @return the range of the joined values over the region
     */
    default LayerRange enterJoin(java.util.List<RegionPass> branches, Join join) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " carries chains only");
    }
}
