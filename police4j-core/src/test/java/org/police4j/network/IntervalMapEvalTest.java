package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.police4j.network.FoldedNetworkTest.averagedCnn;
import static org.police4j.network.FoldedNetworkTest.dense;
import static org.police4j.network.FoldedNetworkTest.floats;
import static org.police4j.network.FoldedNetworkTest.pooledCnn;
import static org.police4j.network.FoldedNetworkTest.windowedCnn;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.region.Box;
import org.police4j.testing.IntervalWalk;

/**
 * The interval evaluation of every layer kind: on small boxes where every side and winner is
 * proved, each layer's bounds enclose the double evaluation at points of the box, and the final
 * map is within its stated uncertainty of the exact map ({@link ExactEval}) of the same pattern.
 */
class IntervalMapEvalTest {

    /**
     * (2, 1, 7) -> channel affine (first, on the input) -> 1-D conv 3x2x1x3 pad 1 -> leaky ->
     * max-pool 1x2 (drops the last column) -> average pool over 3 (1/3 is not a float) -> dense 3->2.
     */
    static FoldedNetwork oneDimensional(Random rnd) {
        return new FoldedNetwork(new Shape(2, 1, 7), List.of(
                new ChannelAffine(2, 7, new float[] {0.75f, -1.5f}, new float[] {0.125f, -0.25f}),
                new Conv(2, 1, 7, 3, 1, 3, 1, 0, 1, floats(rnd, 18), floats(rnd, 21)),
                new Activation(Cpa.leakyRelu()),
                new MaxPool(3, 1, 7, 1, 2),
                new GlobalAvgPool(3, 1, 3),
                dense(rnd, 3, 2)));
    }

    /** A box of radius r around a random point, its centre on a 2^-20 grid. */
    static Box box(Random rnd, int d, double r) {
        double[] m = new double[d];
        for (int j = 0; j < d; j++) {
            m[j] = Math.round(rnd.nextGaussian() * 0x1p20) * 0x1p-20;
        }
        return Box.linf(m, r);
    }

    @Test
    void everyLayerKindIsEnclosedAndTheMapIsWithinItsUncertaintyOfTheExactOne() {
        Random rnd = new Random(14);
        int walked = 0;
        int pooled = 0;
        for (int rep = 0; rep < 12; rep++) {
            for (FoldedNetwork net : List.of(pooledCnn(rnd), averagedCnn(rnd), oneDimensional(rnd), windowedCnn(rnd))) {
                int d = net.inputDimension();
                Box box = box(rnd, d, 0x1p-9);
                double[][] points = box.sample(20, new Random(rep));
                IntervalMapEval[] last = new IntervalMapEval[1];
                int[][][] pattern = IntervalWalk.walk(net, box, points, last);
                if (pattern == null) {
                    continue;
                }
                walked++;
                pooled += net.hasMaxPool() ? 1 : 0;
                IntervalMapEval.AffineMap map = last[0].uncentred(box.center());
                double[][][] exact = new ExactEval(net).affineMap(pattern[0], pattern[1], false);
                assertThat(map.uncertainty()).isLessThan(1e-12);
                for (int k = 0; k < exact[0].length; k++) {
                    for (int j = 0; j < d; j++) {
                        double ulp = Math.ulp(exact[0][k][j]);
                        assertThat(Math.abs(map.map()[k][j] - exact[0][k][j])).isLessThanOrEqualTo(map.uncertainty() + ulp);
                    }
                    double ulp = Math.ulp(exact[1][0][k]);
                    assertThat(Math.abs(map.offset()[k] - exact[1][0][k])).isLessThanOrEqualTo(map.uncertainty() + ulp);
                }
            }
        }
        assertThat(walked).as("networks proved affine on their tiny box").isGreaterThanOrEqualTo(24);
        assertThat(pooled).as("of which with max-pool").isGreaterThanOrEqualTo(18);
    }

    @Test
    void exactZerosStayExactThroughPoolsAndTiesAreProved() {
        // ReLU kills both units of a window exactly: the pool's tie is exact, so proved
        FoldedNetwork net = new FoldedNetwork(new Shape(1, 1, 2), List.of(
                new Conv(1, 1, 2, 1, 1, 1, 1, 0, 0, new float[] {1f}, new float[] {-4f, -5f}),
                new Activation(Cpa.relu()),
                new MaxPool(1, 1, 2, 1, 2),
                dense(new Random(1), 1, 1)));
        Box box = Box.linf(new double[] {0.5, 0.25}, 0.125);
        IntervalMapEval e = IntervalMapEval.input(box.center()).apply(net.layers().get(0));
        double[][] b = e.bounds(box);
        assertThat(Math.max(b[1][0], b[1][1])).isNegative();
        e = e.activate(Cpa.relu(), new int[] {-1, -1});
        MaxPool pool = (MaxPool) net.layers().get(2);
        int[] w = e.centreWinners(pool);
        assertThat(w).containsExactly(0);
        assertThat(e.gapBounds(pool, w, box)[0]).containsExactly(0.0);
        e = e.pool(pool, w);
        assertThat(e.bounds(box)[0]).containsExactly(0.0);
        assertThat(e.bounds(box)[1]).containsExactly(0.0);
    }

    @Test
    void activationsAndPoolsNeedTheirProvedSidesAndBadLengthsAreNamed() {
        IntervalMapEval e = IntervalMapEval.input(new double[] {1, 2});
        assertThatThrownBy(() -> e.apply(new Activation(Cpa.relu())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Activation")
                .hasMessageContaining("activate");
        assertThatThrownBy(() -> e.apply(new MaxPool(1, 1, 2, 1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MaxPool");
        assertThatThrownBy(() -> e.activate(Cpa.relu(), new int[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sides: has 1 entries, expected 2");
        assertThatThrownBy(() -> e.uncentred(new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("centre: has 1 entries, expected 2");
    }
}
