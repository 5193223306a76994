package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.core.Linear;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The paper's way: the P vertices go through every layer as rows. When the region is the axis
 * simplex {@code [0; s I]} the first layer needs no product: its pre-activations are {@code [b;
 * s W^T + b]}.
 */
public final class VertexRowsPass implements RegionPass {

    private final Cpa activation;
    private final double simplexScale;
    private NDArray z;
    private NDArray h;
    private NDArray shift;
    private LayerRange range;
    private NDArray prePool; // between beforePool and afterPool

    /**
     * @param vertices P x D, in the dtype and on the device of the data
     * @param activation the network's activation
     */
    public VertexRowsPass(NDArray vertices, Cpa activation) {
        this(vertices, activation, Double.NaN);
    }

    /**
     * @param vertices P x D, in the dtype and on the device of the data
     * @param activation the network's activation
     * @param simplexScale s when the vertices are {@code [0; s I]}, else NaN
     */
    public VertexRowsPass(NDArray vertices, Cpa activation, double simplexScale) {
        this.z = vertices;
        this.activation = activation;
        this.simplexScale = simplexScale;
    }

    @Override
    public LayerRange enter(NDArray weight, NDArray bias) {
        if (h == null && !Double.isNaN(simplexScale)) {
            NDArray b = bias.reshape(1, -1);
            return enter(rows -> NDArrays.concat(new NDList(b, Scalar.times(weight.transpose(), simplexScale).add(b)), 0));
        }
        return enter(rows -> Linear.linear(rows, weight, bias).singletonOrThrow());
    }

    /** The next layer's pre-activations of the (activated) vertex rows, P x K. */
    private LayerRange enter(UnaryOperator<NDArray> layer) {
        activate();
        h = layer.apply(z);
        range = LayerRange.ofVertices(h);
        return range;
    }

    /**
     * A conv group on the vertex rows: its affine part, then, with a max-pool, the pool shift
     * decided from the vertices' own values ({@link PoolShift#compute}) and the pool.
     */
    @Override
    public LayerRange enter(ConvGroup group) {
        return enter(rows -> {
            NDArray pre = group.affine(rows);
            if (group.poolWindows() != null) {
                PoolShift.Result r = PoolShift.compute(pre, group.poolWindows(), group.margin(), group.windowMargins());
                group.poolShift(r.shift(), r.shiftedWindows());
                pre = group.pool(pre.sub(r.shift()));
            }
            return pre.reshape(pre.getShape().get(0), -1);
        });
    }

    @Override
    public PoolShift.Side beforePool(ConvGroup group) {
        activate();
        prePool = group.affine(z);
        return PoolShift.Side.ofVertices(prePool, group.poolWindows());
    }

    @Override
    public LayerRange afterPool(ConvGroup group, PoolShift.Joint joint) {
        NDArray pooled = group.pool(prePool.sub(joint.shift()));
        prePool = null;
        return enter(rows -> pooled.reshape(pooled.getShape().get(0), -1));
    }

    @Override
    public void apply(UnaryOperator<NDArray> layer) {
        activate();
        z = layer.apply(z);
    }

    @Override
    public double[] magnitudes(float[] shift) {
        return range.magnitudes(shift);
    }

    /**
     * Records the shift; the vertex rows are shifted and activated only when a next layer (or a
     * trace) needs them, so the last hidden layer skips two passes over its P x K array.
     */
    @Override
    public void leave(NDArray shift, Supplier<NDArray> sides) {
        this.shift = shift;
    }

    private void activate() {
        if (shift != null) {
            z = activation.apply(h.add(shift));
            shift = null;
        }
    }

    /** The rows, and the last layer's values and shift they are activated from on demand. */
    @Override
    public void held(Consumer<NDArray> keep) {
        keep.accept(z);
        keep.accept(h);
        keep.accept(shift);
    }

    @Override
    public NDArray shiftedVertexPreActivations() {
        return shift == null ? null : h.add(shift);
    }

    @Override
    public NDArray vertexOutputs(NDArray headWeight, NDArray headBias) {
        activate();
        return headWeight == null ? z : Linear.linear(z, headWeight, headBias).singletonOrThrow();
    }
    @Override
    public RegionPass fork() {
        activate();
        return new VertexRowsPass(z, activation);
    }

    @Override
    public void leaveLinear() {
        z = h;
        shift = null;
    }

    @Override
    public LayerRange enterJoin(java.util.List<RegionPass> branches, Join join) {
        java.util.List<NDArray> rows = new java.util.ArrayList<>(branches.size());
        for (RegionPass branch : branches) {
            VertexRowsPass b = (VertexRowsPass) branch;
            b.activate();
            rows.add(b.z);
        }
        return enter(ignored -> join.apply(rows));
    }
}
