package org.police4j.engine;

/**
 * How the engine learns the range of each unit's pre-activation over a region.
 *
 * <p>{@link #VERTEX_ROWS} sends the P vertices through the network next to the data. {@link
 * #AFFINE_MAP} uses that the network is already affine on R up to the current layer and tracks
 * its map {@code h_l(x) = A_l x + a_l} as D+1 rows, then reads each unit's range off the map:
 * from the vertices ({@code V A_l^T + a_l}, P x D x K work instead of P x K_prev x K) or in
 * closed form for regions given by their support. {@link #AUTO} picks vertex rows when {@code P <= D+1}
 * and the map otherwise.
 */
public enum Strategy {
    /** Vertex rows for regions with few vertices ({@code P <= D+1}), the affine map otherwise. */
    AUTO,
    /** The P vertices travel through the network as extra rows beside the data. */
    VERTEX_ROWS,
    /** The network's affine map on R is tracked layer by layer and each unit's range read off it. */
    AFFINE_MAP
}
