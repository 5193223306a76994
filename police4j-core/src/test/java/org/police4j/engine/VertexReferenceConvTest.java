package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;

/**
 * The reference's conv layers (computed row by row, one tap across a row's columns at a time)
 * against the exact evaluation of the same folded conv, over geometries that move the rows'
 * ends: strides 1 and 2, padding, dilation, groups, non-square kernels and maps. Each pair is
 * within the reported bound of the exact value, the bound is small, and the measured bound covers
 * the engine's float32 values.
 */
class VertexReferenceConvTest {

    @Test
    void everyGeometryStaysWithinItsBound() {
        // inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        int[][] geometries = {
            {3, 9, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {4, 10, 9, 6, 3, 2, 2, 2, 1, 0, 1, 1, 2},
            {2, 12, 12, 2, 3, 3, 1, 2, 2, 1, 2, 2, 2},
            {4, 7, 8, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4},
            {1, 6, 13, 3, 2, 5, 1, 3, 0, 2, 1, 1, 1},
        };
        Random rnd = new Random(7);
        for (int[] g : geometries) {
            int inC = g[0];
            int outC = g[3];
            int per = inC / g[12] * g[4] * g[5];
            float[] w = new float[outC * per];
            float[] b = new float[outC];
            int outH = (g[1] + 2 * g[8] - g[10] * (g[4] - 1) - 1) / g[6] + 1;
            int outW = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() / Math.sqrt(per));
            }
            for (int o = 0; o < outC; o++) {
                b[o] = (float) (0.1 * rnd.nextGaussian());
            }
            float[] positionBias = new float[outC * outH * outW]; // the folded conv's bias is per position
            for (int q = 0; q < positionBias.length; q++) {
                positionBias[q] = b[q / (outH * outW)];
            }
            Layer.Conv conv = new Layer.Conv(inC, g[1], g[2], outC, g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
                    g[12], w, positionBias);
            Stencil s = conv.stencil();
            int d = inC * g[1] * g[2];
            double[][] v = new double[3][d];
            for (double[] row : v) {
                for (int j = 0; j < d; j++) {
                    row[j] = rnd.nextInt(129) / 64.0 - 1;
                }
            }
            FoldedNetwork net = new FoldedNetwork(new Shape(inC, g[1], g[2]),
                    List.of(conv, new Layer.Activation(Cpa.relu()), new Layer.Dense(new float[1][s.outputs()], new float[1])));
            ExactEval exact = new ExactEval(net);
            VertexReference reference = new VertexReference(v, Cpa.relu());
            int k = s.outputs();
            float[] engine = new float[v.length * k];
            try (NDManager manager = NDManager.newBaseManager()) {
                for (int p = 0; p < v.length; p++) {
                    float[] row = new float[d];
                    for (int j = 0; j < d; j++) {
                        row[j] = (float) v[p][j];
                    }
                    for (int q = 0; q < k; q++) {
                        float[] sum = {b[q / (s.outH() * s.outW())]};
                        Stencil.taps(q, (in, wi) -> sum[0] += w[wi] * row[in], s.inC(), s.inH(), s.inW(), s.outC(),
                                s.outH(), s.outW(), s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), s.padH(),
                                s.padW(), s.dilationH(), s.dilationW(), s.groups());
                        engine[p * k + q] = sum[0];
                    }
                }
                double[] measured = reference.conv(s, manager.create(w, new Shape(outC, inC / g[12], g[4], g[5])),
                        manager.create(b), null, null, null, manager.create(engine, new Shape(v.length, k)));
                reference.leave(new float[k], null, false);
                double[] bounds = reference.bounds();
                for (int p = 0; p < v.length; p++) {
                    ExactEval.Point point = exact.point(v[p]);
                    for (int q = 0; q < k; q++) {
                        BigDecimal z = point.value(0, q);
                        assertThat(reference.exactValue(p, q).subtract(z).abs())
                                .as("geometry %s, vertex %d, output %d: own bound", java.util.Arrays.toString(g), p, q)
                                .isLessThanOrEqualTo(new BigDecimal(bounds[q]));
                        assertThat(new BigDecimal(engine[p * k + q]).subtract(z).abs())
                                .as("geometry %s, vertex %d, output %d: measured", java.util.Arrays.toString(g), p, q)
                                .isLessThanOrEqualTo(new BigDecimal(measured[q]));
                        assertThat(bounds[q]).isLessThan(1e-25);
                    }
                }
            }
        }
    }
}
