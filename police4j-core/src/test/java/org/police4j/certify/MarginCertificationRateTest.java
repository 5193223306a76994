package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.engine.ShiftEngine;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;

/**
 * Why the engine has a margin: with the paper's rule a shifted vertex sits exactly on the kink in
 * float32, and folding the shift into a float32 bias can leave it a few ulps across. Measures the
 * share of random networks whose folded form the exact certificate accepts, with and without the
 * default margin; the default must certify every one.
 */
class MarginCertificationRateTest {

    static final int NETWORKS = 200;

    @Test
    void defaultMarginCertifiesEveryFoldedNetwork() {
        int withoutMargin = 0;
        int withMargin = 0;
        for (int i = 0; i < NETWORKS; i++) {
            Random rng = new Random(1000 + i);
            int d = 1 + rng.nextInt(4);
            int p = 1 + rng.nextInt(12);
            double[][] v = new double[p][d];
            for (double[] row : v) {
                for (int j = 0; j < d; j++) {
                    row[j] = 3 * rng.nextGaussian();
                }
            }
            VertexRegion region = VertexRegion.of(v);
            int[] hidden = new int[1 + rng.nextInt(4)];
            for (int l = 0; l < hidden.length; l++) {
                hidden[l] = 8 + rng.nextInt(57);
            }
            Cpa activation = new Cpa[] {Cpa.relu(), Cpa.leakyRelu(), Cpa.abs()}[rng.nextInt(3)];
            if (certifies(region, hidden, activation, 0.0, i)) {
                withoutMargin++;
            }
            if (certifies(region, hidden, activation, ShiftEngine.DEFAULT_MARGIN, i)) {
                withMargin++;
            }
        }
        System.out.printf(
                "certified after fold: margin 0 (paper) %d/%d, margin %.0e (default) %d/%d%n",
                withoutMargin, NETWORKS, ShiftEngine.DEFAULT_MARGIN, withMargin, NETWORKS);
        assertThat(withMargin).isEqualTo(NETWORKS);
    }

    static boolean certifies(VertexRegion region, int[] hidden, Cpa activation, double margin, int seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block =
                    PolicedMlp.builder()
                            .setRegion(region)
                            .setHidden(hidden)
                            .setOutputs(1)
                            .optActivation(activation)
                            .optMargin(margin)
                            .build();
            Engine.getInstance().setRandomSeed(seed);
            block.initialize(manager, DataType.FLOAT32, new Shape(1, region.dimension()));
            return Certifier.certify(Fold.weights(block), region.vertices(), region.vertices()).certified();
        }
    }
}
