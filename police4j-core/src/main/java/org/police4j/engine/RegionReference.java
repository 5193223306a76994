package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The folded float32 network computed beside one region's pass, more accurately than the engine,
 * with a rigorous bound of its own distance to the exact folded network: what lets the {@link
 * RoundingGuard} measure the engine's rounding ({@code |engine - reference| + bound}) instead of
 * bounding it a priori, a bound that compounds through {@code |W|} with depth
 * (docs/ROUNDING-DEPTH.md). It follows the engine's decisions (shifts, pool shifts and winners,
 * the pieces the region is on) and forms the fold's own float32 weights and biases ({@link
 * FoldedParameters}).
 *
 * <p>Two kinds: {@link VertexReference} (double-double at a region's vertices, or at a small box's
 * or l1 ball's {@link org.police4j.region.AxisPoints}) and {@link MapReference} (the affine map of
 * any other support region, natively in float64).
 */
public interface RegionReference {

    /** {@return a reference where this one is: the region entering one branch of a parallel layer} */
    RegionReference fork();

    /**
     * Hands over the arrays the reference holds for the layers to come (see {@link
     * RegionPass#held}); none by default (a reference of Java arrays).
     *
     * @param keep takes each array held
     */
    default void held(Consumer<NDArray> keep) {}

    /**
     * Enters a dense layer.
     *
     * @param layer the layer's index, for messages
     * @param weight K x K_prev (its float32 values are the fold's)
     * @param bias K, as before the shift
     * @param pass the engine's pass, which has just entered the layer
     * @param range the engine's range of the layer
     * @return per unit, a rigorous bound of the engine's distance to the exact folded values over
     *     the region, before the shift (the guard's {@code measured})
     */
    double[] dense(int layer, NDArray weight, NDArray bias, RegionPass pass, LayerRange range);

    /**
     * Enters a conv group.
     *
     * @param layer the layer's index, for messages
     * @param stencil the convolution's geometry
     * @param weight (C', C / groups, kh, kw) as the layer holds it
     * @param bias C' biases
     * @param scale C' factors of the per-channel affine map, or null for none
     * @param offset C' offsets of that map, or null
     * @param pool the max-pool's windows, or null for no pool
     * @param affine the engine's values (vertex rows) or map centre before the pool shift, (R, C', H', W')
     * @param linear the engine's map directions before the pool (D, C', H', W'), or null for vertex rows
     * @return per position before the pool, a rigorous bound of the engine's distance to the
     *     exact folded values over the region
     */
    double[] conv(int layer, Stencil stencil, NDArray weight, NDArray bias, NDArray scale, NDArray offset,
            PoolWindows pool, NDArray affine, NDArray linear);

    /**
     * Enters the units of a join.
     *
     * @param layer the join's index, for messages
     * @param branches the references that went through each branch, in branch order (of this kind)
     * @param join how they are combined
     * @param pass the engine's pass, which has just entered the join
     * @param range the engine's range of the joined values
     * @return per joined value, a rigorous bound of the engine's distance to the exact values
     */
    double[] join(int layer, List<RegionReference> branches, Join join, RegionPass pass, LayerRange range);

    /**
     * Leaves the layer entered: the fold's biases formed from the engine's float32 shifts (and
     * pool shift), the pool, the activation on the pieces the engine put the region on.
     *
     * @param shift one float32 shift per unit (after the pool), zeros for a layer left linear
     * @param poolShift the pool shift per position before the pool, or null without a pool
     * @param sides per unit, the side (+1/-1) or piece the region is on, or null when left linear
     * @param activated whether the units are activated (false: a layer left linear)
     */
    void leave(float[] shift, NDArray poolShift, float[] sides, boolean activated);

    /**
     * Moves through an average pool, which has no units.
     *
     * @param layer the pool as the engine applies it to flat rows
     * @param windows its windows
     * @param countIncludePad whether padded positions count in the divisor
     */
    void averagePool(UnaryOperator<NDArray> layer, PoolWindows windows, boolean countIncludePad);
}
