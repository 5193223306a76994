package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * An optimisation of {@link ShiftEngine}, not a second definition: for float32 vertex
 * pre-activations on the CPU, the signs and each unit's worst vertex are found in Java from one
 * copy of the P x K array, and the engine only rebuilds the differentiable part from the worst
 * vertices. Signs, shifts and gradients equal {@link ShiftEngine#algorithm1} bit for bit, ties and
 * exact zeros included ({@code ShiftEngineTest}).
 *
 * <p>Why: PyTorch's {@code min} over the vertex axis with indices takes 4.8 ms on a 785 x 1024
 * array on CPU, one copy out plus a Java pass 1.3-1.5 ms; and for the tiny arrays of 2-D regions
 * one copy replaces five or six native calls. Arrays on a GPU stay there (not measured; a copy to
 * the host per layer would likely cost more than it saves).
 */
final class HostShift {

    /**
     * Vertex arrays up to this many entries (256 MB as floats) are decided in Java; larger ones
     * stay in the engine rather than strain the Java heap. (3073 x 4096, the largest of Table 1,
     * is 12.6 M.)
     */
    static final long MAX_HOST_ENTRIES = 1L << 26;

    private HostShift() {}

    /** Whether the range's vertex values are (or are cheaply made) float32 values in Java. */
    static boolean applies(LayerRange range) {
        if (range.hostVertices() != null) {
            return true;
        }
        if (!range.hasVertices()) {
            return false;
        }
        NDArray h = range.vertices();
        return h.getDataType() == DataType.FLOAT32 && h.size() <= MAX_HOST_ENTRIES && !h.getDevice().isGpu();
    }

    /**
     * {@link ShiftEngine#shift(LayerRange)} on the Java copy. The engine rebuilds only {@code c_k
     * = w_k H[p*_k, k] + e_k} with {@code w_k = -1, e_k = s_k m_k} on the shifted units and 0
     * elsewhere: the definition's value ({@code s m - H[p*, k]}) and gradient (-1 to the worst
     * vertex), from three calls on K-vectors instead of passes over the P x K array, and none once
     * no unit needs a shift. Values held only in Java (the detached pass) have no gradient: the
     * shift is sent to the engine once.
     */
    static ShiftEngine.Shift shift(ShiftEngine engine, LayerRange range, float[] held) {
        int p = rows(range);
        float[] values = range.hostValues();
        int k = values.length / p;
        float[] margins = engine.margins(range, k);
        float[] s = signs(engine.rule(), values, p, k, margins, held);
        int[] worst = worstVertices(values, p, k, s);
        float[] c = new float[k];
        boolean[] shifted = new boolean[k];
        boolean any = false;
        for (int unit = 0; unit < k; unit++) {
            float v = values[worst[unit] * k + unit];
            // ReLU(m - s v) > 0 iff s v < m (ReLU'(0) = 0: a vertex exactly at the margin gets
            // no shift and no gradient, as in the definition); one rounding, as the engine makes.
            shifted[unit] = s[unit] * v < margins[unit];
            if (shifted[unit]) {
                c[unit] = s[unit] * margins[unit] - v;
                any = true;
            }
        }
        if (range.hostVertices() != null) {
            NDManager manager = range.manager();
            return new ShiftEngine.Shift(null, s, manager, manager.create(c), c);
        }
        NDArray h = range.vertices();
        NDManager manager = h.getManager();
        if (!any) {
            return new ShiftEngine.Shift(null, s, manager, manager.zeros(new Shape(k), h.getDataType()), c);
        }
        long[] index = new long[k];
        float[] weight = new float[k];
        float[] offset = new float[k];
        boolean anyOffset = false;
        for (int unit = 0; unit < k; unit++) {
            index[unit] = (long) worst[unit] * k + unit;
            if (shifted[unit]) {
                weight[unit] = -1f;
                offset[unit] = s[unit] * margins[unit];
                anyOffset |= offset[unit] != 0;
            }
        }
        NDArray shift = h.take(manager.create(index)).mul(manager.create(weight));
        return new ShiftEngine.Shift(null, s, manager, anyOffset ? shift.add(manager.create(offset)) : shift, c);
    }

    private static int rows(LayerRange range) {
        int p = range.rows();
        if (p == 0) {
            throw new IllegalArgumentException("vertexPreActivations: no vertex rows (P = 0)");
        }
        return p;
    }

    /**
     * The sign rule on a row-major P x K copy. Votes are counted in integers, centres summed in
     * double; the loops run along rows so that large arrays stream through the cache.
     */
    static float[] signs(SignRule rule, float[] values, int p, int k, float[] margins, float[] held) {
        float[] signs = new float[k];
        switch (rule) {
            case HYSTERESIS: {
                float[][] range = range(values, p, k);
                for (int unit = 0; unit < k; unit++) {
                    float lo = range[0][unit];
                    float hi = range[1][unit];
                    float h = held == null ? 0f : held[unit];
                    // in float32, as the definition computes lo + hi
                    boolean up = h > 0 ? hi >= 0 : h < 0 ? lo > 0 : lo + hi >= 0;
                    signs[unit] = up ? 1f : -1f;
                }
                break;
            }
            case MAJORITY: {
                int[] positive = new int[k];
                for (int row = 0; row < p; row++) {
                    int o = row * k;
                    for (int unit = 0; unit < k; unit++) {
                        if (values[o + unit] > 0) {
                            positive[unit]++;
                        }
                    }
                }
                long half = (p + 1L) / 2; // count >= P/2 <=> count >= ceil(P/2)
                for (int unit = 0; unit < k; unit++) {
                    signs[unit] = positive[unit] >= half ? 1f : -1f;
                }
                break;
            }
            case MINIMAL_SHIFT: {
                float[][] range = range(values, p, k);
                float[] lo = range[0];
                float[] hi = range[1];
                for (int unit = 0; unit < k; unit++) {
                    // in float32, as the definition computes relu(margin - lo) <= relu(hi + margin)
                    boolean up = Math.max(0f, margins[unit] - lo[unit]) <= Math.max(0f, hi[unit] + margins[unit]);
                    signs[unit] = up ? 1f : -1f;
                }
                break;
            }
            default: {
                double[] sum = new double[k];
                for (int row = 0; row < p; row++) {
                    int o = row * k;
                    for (int unit = 0; unit < k; unit++) {
                        sum[unit] += values[o + unit];
                    }
                }
                for (int unit = 0; unit < k; unit++) {
                    signs[unit] = sum[unit] >= 0 ? 1f : -1f;
                }
                break;
            }
        }
        return signs;
    }

    /** Per unit, the lowest and highest of the P values: {lo, hi}. */
    private static float[][] range(float[] values, int p, int k) {
        float[] lo = new float[k];
        float[] hi = new float[k];
        Arrays.fill(lo, Float.POSITIVE_INFINITY);
        Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        for (int row = 0; row < p; row++) {
            int o = row * k;
            for (int unit = 0; unit < k; unit++) {
                lo[unit] = Math.min(lo[unit], values[o + unit]);
                hi[unit] = Math.max(hi[unit], values[o + unit]);
            }
        }
        return new float[][] {lo, hi};
    }

    /**
     * Per unit, the row of the worst vertex {@code p* = argmin_p s H[p]} (the first on ties, as
     * {@code min} picks).
     *
     * @throws IllegalStateException when a value is not finite (training diverged)
     */
    private static int[] worstVertices(float[] values, int p, int k, float[] signs) {
        float[] best = new float[k];
        int[] worst = new int[k];
        Arrays.fill(best, Float.POSITIVE_INFINITY);
        for (int row = 0; row < p; row++) {
            int o = row * k;
            for (int unit = 0; unit < k; unit++) {
                float v = signs[unit] * values[o + unit];
                if (!(v < best[unit])) {
                    if (Float.isNaN(v)) {
                        throw notFinite(row, unit, v);
                    }
                } else {
                    best[unit] = v;
                    worst[unit] = row;
                }
            }
        }
        for (int unit = 0; unit < k; unit++) {
            if (Float.isInfinite(best[unit])) {
                throw notFinite(worst[unit], unit, best[unit]);
            }
        }
        return worst;
    }

    private static IllegalStateException notFinite(int row, int unit, float value) {
        return new IllegalStateException("vertex " + row + ", unit " + unit + ": pre-activation " + value
                + " is not finite; training diverged: lower the learning rate or rescale the inputs");
    }
}
