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
 * against the exact evaluation of the same folded conv, over {@link StencilGeometries}. Each pair is
 * within the reported bound of the exact value, the bound is small, and the measured bound covers
 * the engine's float32 values; computed on one thread ({@link Loops#sequential}), the same bits as split over the pool,
 * and the same bits with the sums run across the output channels or across a row's columns.
 */
class VertexReferenceConvTest {

    @Test
    void everyGeometryStaysWithinItsBound() {
        Random rnd = new Random(7);
        for (Stencil s : StencilGeometries.all()) {
            int inC = s.inC();
            int outC = s.outC();
            int per = s.fanIn();
            float[] w = new float[outC * per];
            float[] b = new float[outC];
            int outH = s.outH();
            int outW = s.outW();
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
            Layer.Conv conv = new Layer.Conv(inC, s.inH(), s.inW(), outC, s.kernelH(), s.kernelW(), s.strideH(),
                    s.strideW(), s.padH(), s.padW(), s.dilationH(), s.dilationW(), s.groups(), w, positionBias);
            assertThat(conv.stencil()).isEqualTo(s);
            int d = s.inputs();
            double[][] v = new double[3][d];
            for (double[] row : v) {
                for (int j = 0; j < d; j++) {
                    row[j] = rnd.nextInt(129) / 64.0 - 1;
                }
            }
            FoldedNetwork net = new FoldedNetwork(new Shape(inC, s.inH(), s.inW()),
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
                ai.djl.ndarray.NDArray weights = manager.create(w, new Shape(outC, inC / s.groups(), s.kernelH(), s.kernelW()));
                ai.djl.ndarray.NDArray engineValues = manager.create(engine, new Shape(v.length, k));
                double[] measured = Loops.split(
                        () -> reference.conv(s, weights, manager.create(b), null, null, null, engineValues));
                reference.leave(new float[k], null, false);
                double[] bounds = reference.bounds();
                // the channels' loop on one thread: the same bits as split over the pool
                VertexReference alone = new VertexReference(v, Cpa.relu());
                double[] measuredAlone = Loops.sequential(
                        () -> alone.conv(s, weights, manager.create(b), null, null, null, engineValues));
                alone.leave(new float[k], null, false);
                assertThat(measuredAlone).as("geometry %s: measured, one thread", s).isEqualTo(measured);
                assertThat(alone.bounds()).as("geometry %s: bounds, one thread", s).isEqualTo(bounds);
                for (int p = 0; p < v.length; p++) {
                    assertThat(alone.values(p)).as("geometry %s: values, one thread", s).isEqualTo(reference.values(p));
                }
                // the sums run across the output channels or across a row's columns: the same bits
                for (boolean byChannels : new boolean[] {true, false}) {
                    VertexReference other = new VertexReference(v, Cpa.relu());
                    double[] measuredOther = Loops.split(() -> other.conv(
                            s, weights, manager.create(b), null, null, null, engineValues, byChannels));
                    other.leave(new float[k], null, false);
                    assertThat(measuredOther).as("geometry %s: measured, by channels %s", s, byChannels).isEqualTo(measured);
                    assertThat(other.bounds()).as("geometry %s: bounds, by channels %s", s, byChannels).isEqualTo(bounds);
                    for (int p = 0; p < v.length; p++) {
                        for (int q = 0; q < k; q++) {
                            assertThat(other.exactValue(p, q)).as("geometry %s, by channels %s, (%d, %d)", s, byChannels, p, q)
                                    .isEqualTo(reference.exactValue(p, q));
                        }
                    }
                }
                for (int p = 0; p < v.length; p++) {
                    ExactEval.Point point = exact.point(v[p]);
                    for (int q = 0; q < k; q++) {
                        BigDecimal z = point.value(0, q);
                        assertThat(reference.exactValue(p, q).subtract(z).abs())
                                .as("geometry %s, vertex %d, output %d: own bound", s, p, q)
                                .isLessThanOrEqualTo(new BigDecimal(bounds[q]));
                        assertThat(new BigDecimal(engine[p * k + q]).subtract(z).abs())
                                .as("geometry %s, vertex %d, output %d: measured", s, p, q)
                                .isLessThanOrEqualTo(new BigDecimal(measured[q]));
                        assertThat(bounds[q]).isLessThan(1e-25);
                    }
                }
            }
        }
    }
}
