package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stencil's two walks list the same terms in the same order for every output: {@link
 * Stencil#taps} one output at a time (the exact, interval and backward evaluations), {@link
 * Stencil#rowTaps} a row of outputs at a time (the reference's and the certificate's forward
 * sums, whose bits depend on the order), over {@link StencilGeometries}; {@link
 * Stencil#termCounts}, which the bounds of those sums read, counts the terms {@code taps} lists, and
 * {@link Stencil#positionTaps} (one output position, every channel of a group) lists them in the same order.
 */
class StencilRowTapsTest {

    @Test
    void bothWalksListTheSameTermsInTheSameOrder() {
        for (Stencil s : StencilGeometries.all()) {
            int outH = s.outH();
            int outW = s.outW();
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
                        int[] counted = {0};
                        s.taps((o * outH + i) * outW + j, (in, w) -> counted[0]++);
                        assertThat(s.termCounts()[i * outW + j]).as("%s, terms of output (%d, %d, %d)", s, o, i, j)
                                .isEqualTo(counted[0]);
                        s.taps((o * outH + i) * outW + j, (in, w) -> one.add(new int[] {in, w}));
                        List<int[]> byPosition = new ArrayList<>();
                        int[] tapAt = new int[s.fanIn()];
                        int[] inputAt = new int[s.fanIn()];
                        int n = s.positionTaps(o / (s.outC() / s.groups()), i, j, tapAt, inputAt);
                        for (int a = 0; a < n; a++) {
                            byPosition.add(new int[] {inputAt[a], o * s.fanIn() + tapAt[a]});
                        }
                        assertThat(byPosition).as("%s, output (%d, %d, %d) by position", s, o, i, j)
                                .usingElementComparator((a, b) -> java.util.Arrays.compare(a, b))
                                .containsExactlyElementsOf(one);
                        assertThat(byRow.get(j)).as("%s, output (%d, %d, %d)", s, o, i, j)
                                .usingElementComparator((a, b) -> java.util.Arrays.compare(a, b))
                                .containsExactlyElementsOf(one);
                    }
                }
            }
        }
    }
}
