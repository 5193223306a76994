package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.region.Box;

/**
 * A tracked map's magnitudes (what the guard's bound multiplies) brought to the host a block of
 * rows at a time are the same bits as in one piece, and are {@code sum_i X_i |A_ik| + |a_k + c_k|}.
 */
class MapMagnitudesTest {

    @Test
    void blocksOfRowsGiveTheSameMagnitudes() {
        Random rnd = new Random(3);
        int d = 9;
        int k = 7;
        double[] centre = new double[d];
        double[] radius = new double[d];
        for (int i = 0; i < d; i++) {
            centre[i] = rnd.nextGaussian() * 10;
            radius[i] = 0.5 + rnd.nextDouble();
        }
        Box box = Box.of(centre, radius);
        float[] w = new float[k * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        float[] shift = new float[k];
        for (int q = 0; q < k; q++) {
            shift[q] = (float) rnd.nextGaussian();
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            AffineMapPass pass = new AffineMapPass(box, null, manager, DataType.FLOAT32, Cpa.relu(), 1e-4, box.magnitude());
            NDArray weight = manager.create(w, new Shape(k, d));
            NDArray bias = manager.create(new float[k]);
            pass.enter(weight, bias);
            double[] whole = pass.magnitudes(shift, Long.MAX_VALUE);
            for (long entries : new long[] {1, k, 3L * k, 4L * k + 2}) {
                assertThat(pass.magnitudes(shift, entries)).as("blocks of %d entries", entries).isEqualTo(whole);
            }
            double[] x = box.magnitude();
            // the map's value at the centre, in float32 as the pass has it (up to its rounding)
            float[] a = weight.matMul(manager.create(centre).toType(DataType.FLOAT32, false).reshape(d, 1))
                    .reshape(k).toFloatArray();
            for (int q = 0; q < k; q++) {
                double expected = Math.abs((double) a[q] + shift[q]);
                for (int i = 0; i < d; i++) {
                    expected += x[i] * Math.abs(w[q * d + i]);
                }
                assertThat(whole[q]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * expected));
            }
            assertThat(pass.magnitudes(shift)).as("the map is still there after its blocks were closed").isEqualTo(whole);
        }
    }
}
