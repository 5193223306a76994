package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The fold's float32 bias formation, shared by the fold and the guard's reference. */
class FoldedParametersTest {

    /** Every position of a tiling window maps to that window's unit; the rows and columns left over to -1. */
    @Test
    void tiledUnitIsTheWindowHoldingThePosition() {
        PoolWindows pool = new PoolWindows(2, 5, 7, 2, 3, 2, 3, 0, 0, false); // 2 x 2 windows, a row and a column left over
        int[] expected = new int[pool.inputs()];
        Arrays.fill(expected, -1);
        for (int u = 0; u < pool.outputs(); u++) {
            for (int q : pool.members(u)) {
                expected[q] = u;
            }
        }
        int[] actual = new int[pool.inputs()];
        for (int q = 0; q < actual.length; q++) {
            actual[q] = pool.tiledUnit(q);
        }
        assertThat(actual).containsExactly(expected);
        assertThat(Arrays.stream(expected).filter(u -> u < 0).count()).isEqualTo(2 * (5 * 7 - 4 * 6));
    }

    /**
     * {@code fl(fl(b - pool shift) + c)}, in that order: with {@code b = 1}, pool shift {@code
     * -2^-24} and {@code c = 2^-24} each step rounds back to 1 (ties to even), while {@code b + (c
     * - pool shift)} would give {@code 1 + 2^-23}. Overlapping windows take no shift per position
     * (it follows the pool); without a pool the shift is added once.
     */
    @Test
    void biasMinusPoolShiftPlusShiftInFloat32() {
        float tiny = 0x1p-24f;
        PoolWindows tiles = new PoolWindows(1, 2, 2, 2, 2, 2, 2, 0, 0, false);
        float[] b = FoldedParameters.shifted(new float[] {1, 1, 1, 1}, tiles, new float[] {tiny}, new float[] {-tiny, 0, 0, 0});
        assertThat(b).containsExactly(1f, 1f + tiny, 1f + tiny, 1f + tiny);
        assertThat(1f + (tiny + tiny)).isEqualTo(1f + 0x1p-23f); // the other order differs

        PoolWindows overlapping = new PoolWindows(1, 3, 3, 2, 2, 1, 1, 0, 0, false);
        float[] o = FoldedParameters.shifted(new float[9], overlapping, new float[] {5, 5, 5, 5}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThat(o).containsExactly(-1, -2, -3, -4, -5, -6, -7, -8, -9);

        assertThat(FoldedParameters.shifted(new float[] {1, 2}, null, new float[] {0.5f, -2}, null)).containsExactly(1.5f, 0f);
    }

    /** Batch-norm's factor into the weights per output channel, and {@code fl(fl(b s) + t)}. */
    @Test
    void batchNormFoldsPerChannel() {
        float[] w = FoldedParameters.scaledWeights(new float[] {1, 2, 3, 4, 5, 6}, new float[] {2, -1});
        assertThat(w).containsExactly(2, 4, 6, -4, -5, -6);
        float s = 1.1f;
        float b = 3.3f;
        float t = -3.63f;
        assertThat(FoldedParameters.channelBias(new float[] {b}, new float[] {s}, new float[] {t})).containsExactly((b * s) + t);
        assertThat(FoldedParameters.perPosition(new float[] {1, 2}, 3)).containsExactly(1, 1, 1, 2, 2, 2);
    }
}
