package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The guard's loops split over the pool ({@link Loops#split}) give the same bits as on one thread
 * ({@link Loops#sequential}): the conv margins over {@link StencilGeometries} and two geometries of
 * 16 output channels (a priori and measured, with a batch-norm map; also with the magnitudes summed
 * across the output channels or across a row's columns), the dense margins, and the reference's
 * dense sums.
 */
class LoopsTest {

    @Test
    void theGuardsMarginsAreTheSameBitsSplitOrNot() {
        Random rnd = new Random(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Stencil> geometries = new java.util.ArrayList<>(StencilGeometries.all());
            geometries.add(new Stencil(3, 9, 11, 16, 9, 11, 3, 3, 1, 1, 1, 1)); // 16 output channels
            geometries.add(new Stencil(4, 10, 9, 16, 4, 4, 3, 2, 2, 3, 1, 2, 2, 1, 2)); // 8 per group, strided, dilated
            for (Stencil s : geometries) {
                double[] magnitude = new double[s.inputs()];
                for (int j = 0; j < magnitude.length; j++) {
                    magnitude[j] = rnd.nextDouble() * 3;
                }
                float[] w = gaussian(rnd, s.weights());
                NDArray weights = manager.create(w, new Shape(s.outC(), s.groupInC(), s.kernelH(), s.kernelW()));
                NDArray bias = manager.create(gaussian(rnd, s.outC()));
                NDArray scale = manager.create(gaussian(rnd, s.outC()));
                NDArray offset = manager.create(gaussian(rnd, s.outC()));
                double[] measured = new double[s.outputs()];
                for (int q = 0; q < measured.length; q++) {
                    measured[q] = rnd.nextDouble() * 1e-6;
                }
                for (double[] m : new double[][] {null, measured}) {
                    RoundingGuard.ConvMargins split = Loops.split(() -> new RoundingGuard(1e-4, Cpa.relu(), magnitude, 0)
                            .margins(0, s, weights, bias, scale, offset, null, m));
                    RoundingGuard.ConvMargins alone = Loops.sequential(() -> new RoundingGuard(1e-4, Cpa.relu(), magnitude, 0)
                            .margins(0, s, weights, bias, scale, offset, null, m));
                    assertThat(split.units()).as("%s, measured %s", s, m != null).isEqualTo(alone.units());
                    // the magnitudes summed across the output channels or across a row's columns: the same bits
                    for (boolean byChannels : new boolean[] {true, false}) {
                        RoundingGuard.ConvMargins other = Loops.split(() -> new RoundingGuard(1e-4, Cpa.relu(), magnitude, 0)
                                .margins(0, s, weights, bias, scale, offset, null, m, byChannels));
                        assertThat(other.units()).as("%s, measured %s, by channels %s", s, m != null, byChannels)
                                .isEqualTo(alone.units());
                    }
                    for (float x : split.units()) {
                        assertThat(x).as("a margin above the fixed margin").isGreaterThan(1e-4f);
                    }
                }
            }
            int k = 37;
            int n = 23;
            double[] magnitude = new double[n];
            java.util.Arrays.fill(magnitude, 2.0);
            NDArray weights = manager.create(gaussian(rnd, k * n), new Shape(k, n));
            NDArray bias = manager.create(gaussian(rnd, k));
            float[] split = Loops.split(() -> new RoundingGuard(1e-4, Cpa.relu(), magnitude, 0).margins(0, weights, bias));
            float[] alone = Loops.sequential(() -> new RoundingGuard(1e-4, Cpa.relu(), magnitude, 0).margins(0, weights, bias));
            assertThat(split).isEqualTo(alone);

            double[][] vertices = new double[3][n];
            for (double[] v : vertices) {
                for (int j = 0; j < n; j++) {
                    v[j] = rnd.nextGaussian() * 1e3;
                }
            }
            LayerRange range = LayerRange.ofVertices(manager.create(new float[3 * k], new Shape(3, k)));
            VertexReference a = new VertexReference(vertices, Cpa.relu());
            VertexReference b = new VertexReference(vertices, Cpa.relu());
            double[] ma = Loops.split(() -> a.dense(weights, bias, range));
            double[] mb = Loops.sequential(() -> b.dense(weights, bias, range));
            assertThat(ma).isEqualTo(mb);
            a.leave(new float[k], null, true);
            b.leave(new float[k], null, true);
            assertThat(a.bounds()).isEqualTo(b.bounds());
            for (int p = 0; p < 3; p++) {
                assertThat(a.values(p)).isEqualTo(b.values(p));
            }
        }
    }

    @Test
    void aFailingIterationReachesTheCallerAsItWasThrown() {
        for (int failing : new int[] {0, 7, 63}) {
            IllegalStateException thrown = null;
            try {
                Loops.split(() -> {
                    Loops.parallel(64, 1, i -> {
                        if (i == failing) {
                            throw new IllegalStateException("layer 3, unit " + i + ": beyond float32");
                        }
                    });
                    return null;
                });
            } catch (IllegalStateException e) {
                thrown = e;
            }
            assertThat(thrown).as("iteration %d", failing).isNotNull();
            assertThat(thrown.getMessage()).isEqualTo("layer 3, unit " + failing + ": beyond float32");
        }
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        return f;
    }
}
