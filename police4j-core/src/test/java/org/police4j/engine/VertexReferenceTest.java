package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;

/**
 * The reference's own claims, against the exact evaluation of the same folded network: after
 * every layer of a 30-layer chain, with the engine's float32 values next to it, (1) what it
 * reports as measured bounds {@code |H - z*|} for the engine's values, and (2) its own pairs stay
 * within their bound of the exact values; (3) that bound stays far below float32's precision
 * at depth 30.
 */
class VertexReferenceTest {

    @Test
    void boundsHoldAndStaySmallThroughThirtyLayers() {
        for (Cpa activation : new Cpa[] {Cpa.relu(), Cpa.leakyRelu(), Cpa.relu6(), Cpa.hardTanh(), Cpa.abs()}) {
            check(activation, 1e3);
            check(activation, 1e-3);
        }
    }

    private static void check(Cpa activation, double scale) {
        int depth = 30;
        int width = 12;
        int d = 5;
        Random rnd = new Random(41);
        double[][] v = new double[3][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = scale * (rnd.nextDouble() - 0.3);
            }
        }
        List<Layer> layers = new ArrayList<>();
        List<float[][]> weights = new ArrayList<>();
        List<float[]> biases = new ArrayList<>();
        int in = d;
        for (int l = 0; l < depth; l++) {
            float[][] w = new float[width][in];
            float[] b = new float[width];
            // first layer rescales the inputs to about 1; later layers keep the values' size
            double s = (l == 0 ? 1 / scale : 1) * 2.2 / Math.sqrt(in);
            for (int k = 0; k < width; k++) {
                for (int j = 0; j < in; j++) {
                    w[k][j] = (float) (s * (rnd.nextDouble() - 0.5) * 2);
                }
                b[k] = (float) (0.1 * rnd.nextGaussian());
            }
            weights.add(w);
            biases.add(b);
            layers.add(new Layer.Dense(w, b));
            layers.add(new Layer.Activation(activation));
            in = width;
        }
        layers.add(new Layer.Dense(new float[1][width], new float[1])); // a head, which the reference does not reach
        FoldedNetwork net = new FoldedNetwork(new Shape(d), layers);
        ExactEval exact = new ExactEval(net);
        List<ExactEval.Point> points = new ArrayList<>();
        for (double[] p : v) {
            points.add(exact.point(p));
        }
        VertexReference reference = new VertexReference(v, activation);
        // the engine: float32 rows, as a vertex-rows pass computes them
        float[][] z = new float[v.length][];
        for (int p = 0; p < v.length; p++) {
            z[p] = new float[d];
            for (int j = 0; j < d; j++) {
                z[p][j] = (float) v[p][j];
            }
        }
        double largest = 0;
        int exactZeros = 0; // units proved on a flat piece at every vertex: their bound is 0
        double[] bounds = null;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int l = 0; l < depth; l++) {
                float[][] w = weights.get(l);
                float[] b = biases.get(l);
                float[] h = new float[v.length * width];
                for (int p = 0; p < v.length; p++) {
                    for (int k = 0; k < width; k++) {
                        float sum = b[k];
                        for (int j = 0; j < w[k].length; j++) {
                            sum += w[k][j] * z[p][j];
                        }
                        h[p * width + k] = sum;
                    }
                }
                double[] measured = reference.dense(manager.create(w), manager.create(b),
                        LayerRange.ofVertices(manager.create(h, new Shape(v.length, width))));
                reference.leave(new float[width], null, true);
                bounds = reference.bounds();
                for (double e : bounds) {
                    exactZeros += e == 0 ? 1 : 0;
                }
                for (int p = 0; p < v.length; p++) {
                    z[p] = new float[width];
                    for (int k = 0; k < width; k++) {
                        BigDecimal pre = points.get(p).value(2 * l, k);
                        BigDecimal engineError = new BigDecimal(h[p * width + k]).subtract(pre).abs();
                        assertThat(engineError).as("%s x%s layer %d unit %d vertex %d: measured", activation.id(), scale, l, k, p)
                                .isLessThanOrEqualTo(new BigDecimal(measured[k]));
                        BigDecimal act = points.get(p).value(2 * l + 1, k);
                        BigDecimal own = reference.exactValue(p, k).subtract(act).abs();
                        assertThat(own).as("%s x%s layer %d unit %d vertex %d: bound", activation.id(), scale, l, k, p)
                                .isLessThanOrEqualTo(new BigDecimal(bounds[k]));
                        z[p][k] = (float) activation.apply(h[p * width + k]);
                        largest = Math.max(largest, Math.abs(act.doubleValue()));
                    }
                }
            }
        }
        double worst = 0;
        for (double e : bounds) {
            worst = Math.max(worst, e);
        }
        assertThat(largest).as("%s: the chain keeps values", activation.id()).isGreaterThan(1e-3);
        if (activation.kind() == Cpa.Kind.RELU) {
            assertThat(exactZeros).as("relu x%s: units off at every vertex pass an exact 0", scale).isGreaterThan(depth);
        }
        // the bound grows by the rows' L1 norm over the units not proved flat (x3.8 here for the
        // Lipschitz constant) from about n^2 2^-106: 5e-13 at depth 30,
        // five decades below float32's 2^-24 = 6e-8 (an a priori float64 bound would be 2^53 times larger)
        assertThat(worst).as("%s x%s: the reference's bound after 30 layers", activation.id(), scale)
                .isLessThan(1e-10 * Math.max(1, largest));
    }
}
