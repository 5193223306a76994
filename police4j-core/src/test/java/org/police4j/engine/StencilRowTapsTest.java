package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stencil's two walks list the same terms in the same order for every output: {@link
 * Stencil#taps} one output at a time (the exact, interval and backward evaluations), {@link
 * Stencil#rowTaps} a row of outputs at a time (the reference's and the certificate's forward
 * sums, whose bits depend on the order). Geometries with strides, padding, dilation, groups and
 * kernels wider than the padded map's edge runs.
 */
class StencilRowTapsTest {

    @Test
    void bothWalksListTheSameTermsInTheSameOrder() {
        // inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        int[][] geometries = {
            {3, 9, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {4, 10, 9, 6, 3, 2, 2, 2, 1, 0, 1, 1, 2},
            {2, 12, 12, 2, 3, 3, 1, 2, 2, 1, 2, 2, 2},
            {4, 7, 8, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4},
            {1, 6, 13, 3, 2, 5, 1, 3, 0, 2, 1, 1, 1},
            {2, 5, 5, 2, 5, 5, 3, 3, 4, 4, 1, 1, 1},
        };
        for (int[] g : geometries) {
            int outH = (g[1] + 2 * g[8] - g[10] * (g[4] - 1) - 1) / g[6] + 1;
            int outW = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
            Stencil s = new Stencil(g[0], g[1], g[2], g[3], outH, outW, g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
                    g[12]);
            for (int o = 0; o < s.outC(); o++) {
                for (int i = 0; i < outH; i++) {
                    List<List<int[]>> byRow = new ArrayList<>();
                    for (int j = 0; j < outW; j++) {
                        byRow.add(new ArrayList<>());
                    }
                    s.rowTaps(o, i, (w, base, j0, j1) -> {
                        assertThat(j0).isLessThan(j1);
                        for (int j = j0; j < j1; j++) {
                            byRow.get(j).add(new int[] {base + j * s.strideW(), w});
                        }
                    });
                    for (int j = 0; j < outW; j++) {
                        List<int[]> one = new ArrayList<>();
                        s.taps((o * outH + i) * outW + j, (in, w) -> one.add(new int[] {in, w}));
                        assertThat(byRow.get(j)).as("geometry %s, output (%d, %d, %d)", java.util.Arrays.toString(g), o, i, j)
                                .usingElementComparator((a, b) -> java.util.Arrays.compare(a, b))
                                .containsExactlyElementsOf(one);
                    }
                }
            }
        }
    }
}
