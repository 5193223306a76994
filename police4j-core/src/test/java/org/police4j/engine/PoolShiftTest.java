package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

/** The window shift on a hand example: majority winner, ties to the lowest position, gradient. */
class PoolShiftTest {

    @Test
    void tiedVotesGoToTheLowestPositionAndLosersAreShiftedWithGradient() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // one channel, one 2x2 window (positions 0 1 / 2 3), plus an uncovered last column
            float[] v = {
                3, 1, 9, //
                0, 0, 9, //
                1, 2, 9, //
                0, 0, 9
            };
            NDArray h = manager.create(v, new Shape(2, 1, 2, 3));
            h.setRequiresGradient(true);
            PoolShift.Result r;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                r = PoolShift.compute(h, 2, 2, 1e-4, null);
                gc.backward(r.shift().sum());
            }
            // vertex 0 votes for position 0, vertex 1 for position 1: a tie, position 0 wins
            assertThat(r.winner().toLongArray()).containsExactly(0L);
            float[] d = r.shift().toFloatArray(); // (1, 2, 3)
            assertThat(d[0]).isZero(); // the winner
            assertThat((double) d[1]).isCloseTo(1 + 1e-4, offset(1e-6)); // max(1-3, 2-1) + margin
            assertThat(d[3]).isZero(); // max(0-3, 0-1) + margin < 0
            assertThat(d[4]).isZero();
            assertThat(d[2]).isZero(); // outside every window
            assertThat(d[5]).isZero();
            // after the shift the winner is ahead at every vertex
            float[] w = r.shiftedWindows().toFloatArray(); // (2, 1, 1, 1, 4)
            for (int p = 0; p < 2; p++) {
                for (int q = 1; q < 4; q++) {
                    assertThat(w[p * 4] - w[p * 4 + q]).isGreaterThanOrEqualTo(1e-4f * 0.99f);
                }
            }
            // d_1 = h_1(v1) - h_0(v1) + margin: gradient +1 on vertex 1's position 1, -1 on its position 0
            float[] g = h.getGradient().toFloatArray();
            assertThat(g).containsExactly(0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 0, 0);
        }
    }
}
