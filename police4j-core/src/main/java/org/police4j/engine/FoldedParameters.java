package org.police4j.engine;

/**
 * How the fold turns a layer's parameters and POLICE's shifts into the folded network's float32
 * weights and biases: batch-norm's factor into the weights ({@code fl(s W)}) and the per-channel
 * bias ({@code fl(fl(b s) + t)}), then per output position {@code fl(b - pool shift)} and {@code +
 * shift} of the unit whose window holds the position ({@code max_q(a_q + c) = max_q(a_q) + c}), or
 * the unit's own shift without a pool. Written once: the fold ({@code conv.ConvFold}) forms the
 * deployed network with it, and the guard's references ({@link VertexReference}, {@link
 * MapReference}) form the same float32 values to measure the engine against, so they cannot
 * disagree by a rounding.
 */
public final class FoldedParameters {

    private FoldedParameters() {}

    /**
     * A conv layer's folded float32 weights and per-position bias, before the shifts.
     *
     * @param weights {@code fl(s W)}, or W without a per-channel map
     * @param positionBias per output position, its channel's {@code fl(fl(b s) + t)} (or b)
     */
    public record Conv(float[] weights, float[] positionBias) {}

    /**
     * {@return a conv layer's weights and per-position bias as the fold forms them}
     *
     * @param weight (C', ...) flat
     * @param bias C' biases
     * @param scale C' factors of the per-channel affine map (batch-norm), or null for none
     * @param offset C' offsets of that map, or null
     * @param positions positions per channel (H' W')
     */
    public static Conv conv(float[] weight, float[] bias, float[] scale, float[] offset, int positions) {
        float[] w = scale == null ? weight : scaledWeights(weight, scale);
        float[] perChannel = scale == null ? bias : channelBias(bias, scale, offset);
        return new Conv(w, perPosition(perChannel, positions));
    }

    /**
     * {@return each weight times its output channel's factor, one float32 product each}
     *
     * @param weight (C', ...) flat, the same number of weights per output channel
     * @param scale C' factors
     */
    public static float[] scaledWeights(float[] weight, float[] scale) {
        float[] w = new float[weight.length];
        int per = weight.length / scale.length;
        for (int i = 0; i < w.length; i++) {
            w[i] = weight[i] * scale[i / per];
        }
        return w;
    }

    /**
     * {@return {@code fl(fl(b s) + t)} per channel}
     *
     * @param bias C' biases
     * @param scale C' factors
     * @param offset C' offsets
     */
    public static float[] channelBias(float[] bias, float[] scale, float[] offset) {
        float[] b = new float[bias.length];
        for (int o = 0; o < b.length; o++) {
            float bs = bias[o] * scale[o];
            b[o] = bs + offset[o];
        }
        return b;
    }

    /**
     * {@return per output position, its channel's bias}
     *
     * @param channelBias C' biases
     * @param positions positions per channel (H' W')
     */
    public static float[] perPosition(float[] channelBias, int positions) {
        float[] b = new float[channelBias.length * positions];
        for (int q = 0; q < b.length; q++) {
            b[q] = channelBias[q / positions];
        }
        return b;
    }

    /**
     * {@return the folded per-position bias: {@code b + c} without a pool; with one, {@code b -
     * pool shift}, then {@code + c} of the unit whose tiling window holds the position (with
     * overlapping windows the unit's shift follows the pool, as the pool's bias), float32
     * operations in this order}
     *
     * @param bias per position (per unit of a dense layer), before the shifts
     * @param pool the max-pool's windows, or null for none
     * @param shift per unit (per pooled value with a pool)
     * @param poolShift per position, or null without a pool
     */
    public static float[] shifted(float[] bias, PoolWindows pool, float[] shift, float[] poolShift) {
        float[] b = new float[bias.length];
        boolean tiles = pool == null || pool.tiles();
        for (int q = 0; q < b.length; q++) {
            float v = bias[q];
            if (pool == null) {
                v += shift[q];
            } else {
                v -= poolShift[q];
                int unit = tiles ? pool.tiledUnit(q) : -1;
                if (unit >= 0) {
                    v += shift[unit];
                }
            }
            b[q] = v;
        }
        return b;
    }
}
