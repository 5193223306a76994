package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The conv kernel the guard's reference (several vertices) and the certificate (one point) share:
 * the points do not interact, so each point's pairs are the bits it gets alone, whichever loop
 * order runs; the bound for several points is the largest of theirs (the magnitudes are the
 * largest over the points, and the bound grows with them), and an exact zero has bound 0.
 */
class PairConvTest {

    @Test
    void pointsAreIndependentAndTheBoundIsTheirLargest() {
        Random rnd = new Random(11);
        for (Stencil s : StencilGeometries.all()) {
            float[] w = new float[s.weights()];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() / Math.sqrt(s.fanIn()));
            }
            float[] bias = new float[s.outputs()];
            for (int q = 0; q < bias.length; q++) {
                bias[q] = (float) (0.1 * rnd.nextGaussian());
            }
            int d = s.inputs();
            int points = 3;
            double[] hi = new double[points * d];
            double[] lo = new double[points * d];
            double[] err = new double[d];
            for (int i = 0; i < hi.length; i++) {
                hi[i] = rnd.nextGaussian() * (1 + i % 5);
                lo[i] = Math.ulp(hi[i]) * (rnd.nextDouble() - 0.5);
            }
            for (int j = 0; j < d; j++) {
                err[j] = 1e-20 * rnd.nextDouble();
            }
            for (boolean acrossChannels : new boolean[] {true, false}) {
                PairConv.Pairs all = PairConv.apply(s, w, bias, new PairConv.Pairs(hi, lo, err), acrossChannels);
                int k = s.outputs();
                double[] largest = new double[k];
                for (int p = 0; p < points; p++) {
                    double[] h1 = java.util.Arrays.copyOfRange(hi, p * d, (p + 1) * d);
                    double[] l1 = java.util.Arrays.copyOfRange(lo, p * d, (p + 1) * d);
                    PairConv.Pairs one = PairConv.apply(s, w, bias, new PairConv.Pairs(h1, l1, err), !acrossChannels);
                    assertThat(java.util.Arrays.copyOfRange(all.hi(), p * k, (p + 1) * k))
                            .as("%s, point %d, across channels %s", s, p, acrossChannels).containsExactly(one.hi());
                    assertThat(java.util.Arrays.copyOfRange(all.lo(), p * k, (p + 1) * k)).containsExactly(one.lo());
                    for (int q = 0; q < k; q++) {
                        largest[q] = Math.max(largest[q], one.err()[q]);
                    }
                }
                for (int q = 0; q < k; q++) {
                    assertThat(all.err()[q]).as("%s, output %d", s, q).isGreaterThanOrEqualTo(largest[q]);
                }
            }
            PairConv.Pairs zero = PairConv.apply(s, w, new float[s.outputs()],
                    new PairConv.Pairs(new double[d], new double[d], new double[d]), true);
            assertThat(zero.err()).containsOnly(0.0);
            assertThat(zero.hi()).containsOnly(0.0);
        }
    }
}
