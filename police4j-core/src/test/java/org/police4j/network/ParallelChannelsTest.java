package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.engine.Loops;

/**
 * The certificate's forwards of a conv run one output channel per task ({@link Loops}); on one
 * thread they give the same bits as split over the pool: the double-double pattern (values, signs) and the double
 * pre-activations, for a strided, a padded-dilated and a grouped conv; and the same bits with a conv's sums run
 * across its output channels (8 or more per group) or across a row's columns.
 */
class ParallelChannelsTest {

    @Test
    void theCertificatesForwardsGiveTheSameBitsOnOneThread() {
        Random rnd = new Random(11);
        // inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        int[][] geometries = {{3, 9, 11, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1}, {4, 10, 9, 6, 3, 2, 2, 2, 1, 0, 1, 1, 2},
            {2, 12, 12, 4, 3, 3, 1, 2, 2, 1, 2, 2, 2}, {3, 9, 11, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {4, 10, 9, 16, 3, 2, 2, 3, 1, 2, 2, 1, 2}};
        for (int[] g : geometries) {
            int outH = (g[1] + 2 * g[8] - g[10] * (g[4] - 1) - 1) / g[6] + 1;
            int outW = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
            int per = g[0] / g[12] * g[4] * g[5];
            float[] w = new float[g[3] * per];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() / Math.sqrt(per));
            }
            float[] bias = new float[g[3] * outH * outW];
            for (int q = 0; q < bias.length; q++) {
                bias[q] = (float) (0.01 * (q / (outH * outW)) - 0.02);
            }
            Layer.Conv conv = new Layer.Conv(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
                    g[12], w, bias);
            float[][] dense = new float[2][bias.length];
            for (float[] row : dense) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) rnd.nextGaussian();
                }
            }
            FoldedNetwork net = new FoldedNetwork(new Shape(g[0], g[1], g[2]),
                    List.of(conv, new Layer.Activation(Cpa.relu()), new Layer.Dense(dense, new float[2])));
            double[] x = new double[g[0] * g[1] * g[2]];
            for (int j = 0; j < x.length; j++) {
                x[j] = rnd.nextInt(129) / 64.0 - 1;
            }
            BoundedEval bounded = new BoundedEval(net);
            Pattern pooled = Loops.split(() -> bounded.pattern(x));
            // the conv's sums across its output channels or across a row's columns: the same bits
            for (boolean channelSums : new boolean[] {true, false}) {
                Pattern other = Loops.split(() -> new BoundedEval(net, channelSums).pattern(x));
                assertThat(other.pre).as("geometry %s, channel sums %s", java.util.Arrays.toString(g), channelSums)
                        .isDeepEqualTo(pooled.pre);
                assertThat(other.sign).isDeepEqualTo(pooled.sign);
            }
            Pattern alone = Loops.sequential(() -> bounded.pattern(x));
            assertThat(alone.pre).as("geometry %s", java.util.Arrays.toString(g)).isDeepEqualTo(pooled.pre);
            assertThat(alone.sign).isDeepEqualTo(pooled.sign);
            assertThat(pooled.pre[0]).as("the units are not all zero").isNotEqualTo(new double[pooled.pre[0].length]);
            List<double[]> doubles = Loops.split(() -> DoubleEval.preActivations(net, x));
            List<double[]> doublesAlone = Loops.sequential(() -> DoubleEval.preActivations(net, x));
            for (int l = 0; l < doubles.size(); l++) {
                assertThat(doublesAlone.get(l)).isEqualTo(doubles.get(l));
            }
        }
    }
}
