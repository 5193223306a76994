package org.police4j.engine;

import ai.djl.ndarray.NDArray;

/**
 * What one region tells the engine about one hidden layer: the pre-activations of its vertices
 * (P x K) when it has vertices, otherwise the centre value and half-width of each unit's range.
 * Minimum, maximum and centre are derived on demand, so the paper's majority rule pays only for
 * what it uses.
 */
public final class LayerRange {

    private final NDArray vertices;
    private NDArray lo;
    private NDArray hi;
    private NDArray centre;

    private LayerRange(NDArray vertices, NDArray lo, NDArray hi, NDArray centre) {
        this.vertices = vertices;
        this.lo = lo;
        this.hi = hi;
        this.centre = centre;
    }

    /** The range spanned by vertex pre-activations (P x K). */
    public static LayerRange ofVertices(NDArray vertexPreActivations) {
        return new LayerRange(vertexPreActivations, null, null, null);
    }

    /** The range {@code centre -/+ halfWidth} of a support region (K each). */
    public static LayerRange ofSupport(NDArray centre, NDArray halfWidth) {
        return new LayerRange(null, centre.sub(halfWidth), centre.add(halfWidth), centre);
    }

    /** Vertex pre-activations, or null for a support region. */
    public NDArray vertices() {
        return vertices;
    }

    public boolean hasVertices() {
        return vertices != null;
    }

    public NDArray lo() {
        if (lo == null) {
            lo = vertices.min(new int[] {0});
        }
        return lo;
    }

    public NDArray hi() {
        if (hi == null) {
            hi = vertices.max(new int[] {0});
        }
        return hi;
    }

    /** The pre-activation at the region's centre (for vertices: their mean, exact for affine maps). */
    public NDArray centre() {
        if (centre == null) {
            centre = vertices.mean(new int[] {0});
        }
        return centre;
    }
}
