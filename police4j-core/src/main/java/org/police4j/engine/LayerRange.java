package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * What one region tells the engine about one hidden layer: the pre-activations of its vertices
 * (P x K) when it has vertices, otherwise the centre value and half-width of each unit's range.
 * Minimum, maximum and centre are derived on demand, so the paper's majority rule pays only for
 * what it uses.
 */
public final class LayerRange {

    private NDArray vertices;
    private final float[] hostVertices;
    private final int hostRows;
    private final NDManager manager;
    private NDArray lo;
    private NDArray hi;
    private NDArray centre;
    private float[] margins;
    private float[] hostCopy;

    private LayerRange(
            NDArray vertices, float[] hostVertices, int hostRows, NDManager manager, NDArray lo, NDArray hi, NDArray centre) {
        this.vertices = vertices;
        this.hostVertices = hostVertices;
        this.hostRows = hostRows;
        this.manager = manager;
        this.lo = lo;
        this.hi = hi;
        this.centre = centre;
    }

    /**
     * The range spanned by vertex pre-activations.
     *
     * @param vertexPreActivations P x K, one row per vertex
     * @return the range, its bounds computed when first asked for
     */
    public static LayerRange ofVertices(NDArray vertexPreActivations) {
        return new LayerRange(vertexPreActivations, null, 0, null, null, null, null);
    }

    /**
     * Vertex pre-activations computed in Java, without gradient (see {@link HostVertexRowsPass}):
     * the engine decides and shifts on these values directly, and an engine array is made only if
     * someone asks for {@link #vertices()}.
     *
     * @param values P x K, row-major
     * @param p the number of vertices P
     * @param manager where {@link #vertices()} is made, if asked for
     */
    static LayerRange ofHostVertices(float[] values, int p, NDManager manager) {
        return new LayerRange(null, values, p, manager, null, null, null);
    }

    /**
     * The range {@code centre -/+ halfWidth} of a support region (K each).
     *
     * @param centre K pre-activations at the region's centre
     * @param halfWidth K non-negative half widths
     * @return the range, without vertices
     */
    public static LayerRange ofSupport(NDArray centre, NDArray halfWidth) {
        return new LayerRange(null, null, 0, null, centre.sub(halfWidth), centre.add(halfWidth), centre);
    }

    /** {@return the vertex pre-activations (P x K), or null for a support region} */
    public NDArray vertices() {
        if (vertices == null && hostVertices != null) {
            vertices = manager.create(hostVertices, new Shape(hostRows, hostVertices.length / hostRows));
        }
        return vertices;
    }

    /**
     * Gives every unit its own margin (from a {@link RoundingGuard}) in place of the engine's
     * single one.
     *
     * @param margins K values {@code >= 0}
     * @return this range
     */
    public LayerRange withMargins(float[] margins) {
        this.margins = margins;
        return this;
    }

    /** The per-unit margins, or null for the engine's own. */
    float[] margins() {
        return margins;
    }

    /**
     * The vertex pre-activations as a row-major float32 copy, made once ({@link HostShift}
     * and the rounding guard read the same copy).
     */
    float[] hostValues() {
        if (hostVertices != null) {
            return hostVertices;
        }
        if (hostCopy == null) {
            hostCopy = floats(vertices());
        }
        return hostCopy;
    }

    /**
     * Per unit, {@code max |v + shift|} over the range's values (vertex values, or the ends of a
     * support range), from the Java copy when one was made, else from {@link #lo()}/{@link #hi()}.
     */
    double[] magnitudes(float[] shift) {
        int k = shift.length;
        double[] m = new double[k];
        if (hostVertices != null || hostCopy != null) {
            float[] v = hostValues();
            for (int o = 0; o < v.length; o += k) {
                for (int unit = 0; unit < k; unit++) {
                    m[unit] = Math.max(m[unit], Math.abs((double) v[o + unit] + shift[unit]));
                }
            }
            return m;
        }
        float[] l = floats(lo());
        float[] h = floats(hi());
        for (int unit = 0; unit < k; unit++) {
            m[unit] = Math.max(Math.abs((double) l[unit] + shift[unit]), Math.abs((double) h[unit] + shift[unit]));
        }
        return m;
    }

    /** A float32 copy of {@code a}, converted first when it holds another type. */
    static float[] floats(NDArray a) {
        return (a.getDataType() == DataType.FLOAT32
                ? a : a.toType(DataType.FLOAT32, false)).toFloatArray();
    }

    /** The number of vertex rows P. */
    int rows() {
        return hostVertices != null ? hostRows : (int) vertices().getShape().get(0);
    }

    /**
     * {@return whether the range comes from vertices (else from a support region's centre and half width)}
     */
    public boolean hasVertices() {
        return vertices != null || hostVertices != null;
    }

    /** Vertex pre-activations held in Java (row-major P x K, no gradient), or null. */
    float[] hostVertices() {
        return hostVertices;
    }

    /** Where arrays for {@link #hostVertices()} are made. */
    NDManager manager() {
        return manager;
    }

    /** P, when {@link #hostVertices()} is not null. */
    int hostRows() {
        return hostRows;
    }

    /** {@return the K lower ends of the range, computed once} */
    public NDArray lo() {
        if (lo == null) {
            lo = vertices().min(new int[] {0});
        }
        return lo;
    }

    /** {@return the K upper ends of the range, computed once} */
    public NDArray hi() {
        if (hi == null) {
            hi = vertices().max(new int[] {0});
        }
        return hi;
    }

    /**
     * {@return the pre-activation at the region's centre (for vertices: their mean, exact for affine maps)}
     */
    public NDArray centre() {
        if (centre == null) {
            centre = vertices().mean(new int[] {0});
        }
        return centre;
    }
}
