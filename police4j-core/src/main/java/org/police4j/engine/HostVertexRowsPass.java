package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Vertex rows carried in Java, for the detached shift. There the region pass needs no gradient,
 * so for a small region in narrow layers a few Java loops over the P rows replace the ten or so
 * native calls per layer of {@link VertexRowsPass} (each call costs microseconds, the loops less
 * for {@code P K K_prev} up to {@link #MAX_MULTIPLY_ADDS}). The engine decides and shifts on the
 * same float32 values (see {@link ShiftEngine}), so the constraint holds exactly as with the other
 * passes; only the product's summation order differs, by ulps absorbed by the margin.
 */
public final class HostVertexRowsPass implements RegionPass {

    /** The largest layer ({@code P x K x K_prev} multiply-adds) this pass is chosen for. */
    public static final long MAX_MULTIPLY_ADDS = 1 << 16;

    private final Cpa activation;
    private final NDManager manager;
    private final int p;
    private float[] z;
    private int width;
    private float[] h;
    private int units;
    private float[] shift;
    private LayerRange range;

    /**
     * @param vertices P x D
     * @param activation the network's activation
     * @param manager where the few engine arrays (the shifts, traces) are made
     */
    public HostVertexRowsPass(float[][] vertices, Cpa activation, NDManager manager) {
        this.activation = activation;
        this.manager = manager;
        this.p = vertices.length;
        this.width = vertices[0].length;
        this.z = new float[p * width];
        for (int row = 0; row < p; row++) {
            System.arraycopy(vertices[row], 0, z, row * width, width);
        }
    }

    /**
     * Whether a network with these layer widths is small enough for this pass.
     *
     * @param p the number of vertices
     * @param widths the input dimension, then every hidden width
     * @return true when no layer needs more than the pass's limit of P x in x out multiply-adds
     */
    public static boolean fits(int p, int... widths) {
        for (int l = 1; l < widths.length; l++) {
            if ((long) p * widths[l] * widths[l - 1] > MAX_MULTIPLY_ADDS) {
                return false;
            }
        }
        return true;
    }

    @Override
    public LayerRange enter(NDArray weight, NDArray bias) {
        activate();
        float[] w = weight.toFloatArray();
        float[] b = bias.toFloatArray();
        units = b.length;
        if (w.length != units * width) {
            throw new IllegalArgumentException("weight: shape " + weight.getShape() + ", expected (" + units + ", " + width + ")");
        }
        h = new float[p * units];
        for (int row = 0; row < p; row++) {
            int zo = row * width;
            for (int unit = 0; unit < units; unit++) {
                int wo = unit * width;
                float sum = 0;
                for (int j = 0; j < width; j++) {
                    sum += z[zo + j] * w[wo + j];
                }
                h[row * units + unit] = sum + b[unit];
            }
        }
        range = LayerRange.ofHostVertices(h, p, manager);
        return range;
    }

    @Override
    public double[] magnitudes(float[] shift) {
        return range.magnitudes(shift);
    }

    @Override
    public void leave(NDArray shift, Supplier<NDArray> sides) {
        this.shift = shift.toFloatArray();
    }

    private void activate() {
        if (shift == null) {
            return;
        }
        float[] next = shifted();
        for (int i = 0; i < next.length; i++) {
            next[i] = (float) activation.apply(next[i]);
        }
        z = next;
        width = units;
        shift = null;
    }

    /** The last layer's pre-activations plus their shift, P x K row-major. */
    private float[] shifted() {
        float[] shifted = new float[p * units];
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = h[i] + shift[i % units];
        }
        return shifted;
    }

    /** None: its rows are Java arrays. */
    @Override
    public void held(Consumer<NDArray> keep) {}

    @Override
    public NDArray shiftedVertexPreActivations() {
        return shift == null ? null : manager.create(shifted(), new Shape(p, units));
    }

    @Override
    public NDArray vertexOutputs(NDArray headWeight, NDArray headBias) {
        activate();
        NDArray rows = manager.create(z, new Shape(p, width));
        return headWeight == null ? rows
                : Linear.linear(rows.toType(headWeight.getDataType(), false), headWeight, headBias).singletonOrThrow();
    }
}
