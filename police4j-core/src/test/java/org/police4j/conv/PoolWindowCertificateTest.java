package org.police4j.conv;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.region.VertexRegion;

/** A window whose winner changes inside the region is refused, naming the pooled unit. */
class PoolWindowCertificateTest {

    @Test
    void aWindowWithoutACommonWinnerIsRefused() {
        Random rng = new Random(11);
        double[][] v = new double[4][36];
        for (double[] row : v) {
            for (int j = 0; j < 36; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        VertexRegion region = VertexRegion.of(v);
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net =
                    PolicedConvNet.builder().setInput(1, 6, 6).conv(2, 3).maxPool(2, 2).flatten().outputs(1).setRegion(region).build();
            Engine.getInstance().setRandomSeed(5);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            FoldedNetwork folded = net.fold();
            assertThat(Certifier.certify(folded, v, null).certified()).isTrue();

            Layer.Conv cv = (Layer.Conv) folded.layers().get(0);
            assertThat(folded.layers().get(1)).isInstanceOf(Layer.MaxPool.class);
            double[][] conv = new double[v.length][];
            for (int p = 0; p < v.length; p++) {
                conv[p] = DoubleEval.trace(folded, v[p]).get(1); // the conv's output: the pool's input
            }
            // window of pooled unit 0 (channel 0, rows 0-1, cols 0-1): positions 0, 1, 4, 5 of the 4x4 map
            int[] pos = {0, 1, 4, 5};
            int w = -1;
            for (int cand : pos) {
                boolean wins = true;
                for (double[] c : conv) {
                    for (int q : pos) {
                        wins &= c[cand] >= c[q];
                    }
                }
                if (wins) {
                    w = cand;
                }
            }
            assertThat(w).as("POLICE left a common winner").isNotNegative();
            // the loser whose lag behind the winner varies most across the vertices
            int q = -1;
            double lo = 0;
            double hi = 0;
            for (int cand : pos) {
                if (cand == w) {
                    continue;
                }
                double mn = Double.POSITIVE_INFINITY;
                double mx = Double.NEGATIVE_INFINITY;
                for (double[] c : conv) {
                    mn = Math.min(mn, c[cand] - c[w]);
                    mx = Math.max(mx, c[cand] - c[w]);
                }
                if (q < 0 || mx - mn > hi - lo) {
                    q = cand;
                    lo = mn;
                    hi = mx;
                }
            }
            assertThat(hi - lo).isGreaterThan(1e-3);
            float[] bias = cv.bias().clone();
            bias[q] -= (float) ((lo + hi) / 2); // q now beats w at some vertices, loses at others
            Certificate broken = Certifier.certify(folded.with(0, cv.withBias(bias)), v, null);
            assertThat(broken.certified()).isFalse();
            assertThat(broken.firstViolation().layer()).isZero();
            assertThat(broken.firstViolation().unit()).isZero();
            assertThat(broken.firstViolation().min()).isNegative();
            assertThat(broken.firstViolation().max()).isPositive();
            assertThat(broken.offendingUnits()).isGreaterThanOrEqualTo(1);
            System.out.println("broken pool window: " + broken.firstViolation());
        }
    }
}
