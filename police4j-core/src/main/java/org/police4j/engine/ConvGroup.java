package org.police4j.engine;

import ai.djl.ndarray.NDArray;

/**
 * A conv group (convolution, per-channel affine map, optional max-pool) as a region pass sees it:
 * vertex rows take the affine part and decide the pool shift from their own values ({@link
 * PoolShift#compute}); a tracked affine map takes the affine and linear parts and decides the pool
 * shift from the region's support ({@link PoolShift#fromSupport}). Whichever pass decides hands the
 * pool shift back, for the data rows.
 */
public interface ConvGroup {

    /**
     * The affine part before the pool: convolution with its bias, then the per-channel map.
     *
     * @param rows (R, C*H*W)
     * @return (R, C', H', W')
     */
    NDArray affine(NDArray rows);

    /**
     * The linear part of {@link #affine}: no bias, no per-channel offset.
     *
     * @param rows (R, C*H*W)
     * @return (R, C', H', W')
     */
    NDArray linear(NDArray rows);

    /**
     * The max-pool over the group's windows, of pre-activations from which the pool shift was
     * subtracted.
     *
     * @param shifted (R, C', H', W')
     * @return (R, C', H'', W'')
     */
    NDArray pool(NDArray shifted);

    /** {@return the max-pool's windows on the (C', H', W') map, or null for no pool} */
    PoolWindows poolWindows();

    /** {@return the pool windows' margins from a rounding guard (C' H'' W'' values), or null} */
    float[] windowMargins();

    /** {@return the engine's margin, used when there are no window margins} */
    double margin();

    /**
     * Receives the pool shift the pass decided.
     *
     * @param shift (C', H', W') subtracted from each position before the pool
     * @param windows (P, C', H'', W'', kh*kw) vertex values in each window after the shift (padding
     *     as 0), or null
     */
    void poolShift(NDArray shift, NDArray windows);
}
