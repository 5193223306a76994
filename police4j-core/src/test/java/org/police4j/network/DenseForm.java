package org.police4j.network;

import java.util.ArrayList;
import java.util.List;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;

/**
 * A test oracle: a network without max-pool rewritten as dense layers computing exactly the same
 * function, so that the dense certificate can cross-check the conv one (the library no longer
 * needs it: {@link IntervalMapEval} evaluates every layer kind): every conv
 * becomes a {@code (C'H'W' x CHW)} matrix with its per-position bias (through the one stencil,
 * {@link Conv#taps}), a per-channel affine map a diagonal matrix, flatten vanishes, and a global
 * average pool is merged into the next dense layer as weights {@code W[o][c] * (1 / area)}, which
 * is exact only when the area is a power of two (else refused).
 */
public final class DenseForm {

    private DenseForm() {}

    /**
     * {@return the same function as dense layers and activations; {@code net} itself when already dense}
     *
     * @param net the network, without max-pool
     * @throws IllegalArgumentException with max-pool, a non-power-of-two average area, or an
     *     average pool not followed by a dense layer
     */
    public static FoldedNetwork of(FoldedNetwork net) {
        if (net.isDense()) {
            return net;
        }
        List<Layer> out = new ArrayList<>();
        int pendingArea = 0;
        for (Layer layer : net.layers()) {
            if (layer instanceof MaxPool) {
                throw new IllegalArgumentException("unroll: max-pool is not a dense layer; certify it from its vertices");
            } else if (layer instanceof Layer.AvgPool) {
                throw new IllegalArgumentException("unroll: a windowed average pool's divisors are not floats in general;"
                        + " the dense form would not be exact");
            } else if (layer instanceof Conv c) {
                float[][] m = new float[c.bias().length][c.inputSize()];
                float[] w = c.weight();
                for (int o = 0; o < m.length; o++) {
                    float[] row = m[o];
                    c.taps(o, (in, wi) -> row[in] = w[wi]);
                }
                out.add(new Dense(m, c.bias().clone()));
            } else if (layer instanceof ChannelAffine a) {
                int n = a.inputSize();
                float[][] m = new float[n][n];
                float[] b = new float[n];
                for (int i = 0; i < n; i++) {
                    m[i][i] = a.scale()[i / a.positions()];
                    b[i] = a.offset()[i / a.positions()];
                }
                out.add(new Dense(m, b));
            } else if (layer instanceof GlobalAvgPool g) {
                if (Integer.bitCount(g.area()) != 1) {
                    throw new IllegalArgumentException(
                            "unroll: global average pool over " + g.area() + " positions; 1/" + g.area()
                                    + " is not a float, so the dense form would not be exact");
                }
                pendingArea = g.area();
            } else if (layer instanceof Dense d) {
                float[][] w = d.weight();
                if (pendingArea > 0) {
                    float inv = 1f / pendingArea;
                    float[][] spread = new float[w.length][d.inputs() * pendingArea];
                    for (int o = 0; o < w.length; o++) {
                        for (int ch = 0; ch < w[o].length; ch++) {
                            for (int p = 0; p < pendingArea; p++) {
                                spread[o][ch * pendingArea + p] = w[o][ch] * inv;
                            }
                        }
                    }
                    w = spread;
                    pendingArea = 0;
                }
                out.add(new Dense(w, d.bias().clone()));
            } else if (layer instanceof Activation) {
                if (pendingArea > 0) {
                    throw new IllegalArgumentException("unroll: a global average pool must be followed by a dense layer");
                }
                out.add(layer);
            }
            // Flatten vanishes
        }
        return new FoldedNetwork(new ai.djl.ndarray.types.Shape(net.inputDimension()), out);
    }
}
