package org.police4j.cli.fashion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.fold.DenseLayer;
import org.police4j.fold.FoldedWeights;
import org.police4j.nn.Cpa;

/** The certified-radius arithmetic on hand-made affine maps, and PGD against it. */
class BoxMarginsTest {

    /**
     * y0 = 2 x0 + x1 + 1, y1 = x0 - x1, y2 = 0 at m = (1, 1): y = (4, 0, 0), class 0.
     * d_1 = (1, 2), e_1 = 1: margin 4, l1 = 3; d_2 = (2, 1), e_2 = 1: margin 4, l1 = 3.
     */
    static final double[][] A = {{2, 1}, {1, -1}, {0, 0}};
    static final double[] B = {1, 0, 0};
    static final double[] M = {1, 1};

    @Test
    void knownAnswerInsideAndBeyondEps() {
        BoxMargins small = BoxMargins.of(A, B, M, 0.5);
        assertThat(small.predicted()).isZero();
        assertThat(small.centreMargin()).isCloseTo(4, within(1e-12));
        assertThat(small.certifiedMinMargin()).isCloseTo(4 - 0.5 * 3, within(1e-12));
        assertThat(small.radius()).isEqualTo(0.5); // capped: the box is entirely class 0
        assertThat(small.linearRadius()).isCloseTo(4.0 / 3, within(1e-12));

        BoxMargins big = BoxMargins.of(A, B, M, 2);
        assertThat(big.certifiedMinMargin()).isCloseTo(4 - 2 * 3, within(1e-12));
        assertThat(big.radius()).isCloseTo(4.0 / 3, within(1e-12)); // the class flips inside the box
        // the worst vertex attains the minimum
        double[] v = big.worstVertex();
        int j = big.worstClass();
        double at = (A[0][0] - A[j][0]) * v[0] + (A[0][1] - A[j][1]) * v[1] + B[0] - B[j];
        assertThat(at).isCloseTo(big.certifiedMinMargin(), within(1e-12));
    }

    @Test
    void unequalNormsPickTheWorstClass() {
        // y0 = x0, y1 = 0.5, y2 = -x1 + 0.9 at m = (1, 0.2): y = (1, 0.5, 0.7)
        double[][] a = {{1, 0}, {0, 0}, {0, -1}};
        double[] b = {0, 0.5, 0.9};
        BoxMargins r = BoxMargins.of(a, b, new double[] {1, 0.2}, 0.1);
        // j=1: margin 0.5, l1 1 -> 0.4; j=2: margin 0.3, l1 2 -> 0.1
        assertThat(r.centreMargin()).isCloseTo(0.3, within(1e-12));
        assertThat(r.certifiedMinMargin()).isCloseTo(0.1, within(1e-12));
        assertThat(r.worstClass()).isEqualTo(2);
        assertThat(r.radius()).isCloseTo(0.1, within(1e-12)); // 0.15 capped at eps
        assertThat(r.linearRadius()).isCloseTo(0.15, within(1e-12));
        assertThat(r.worstVertex()).containsExactly(0.9, 0.1);
    }

    @Test
    void pgdOnAnAffineNetworkFindsTheCertifiedMinimum() {
        // a "network" with no hidden layer is affine everywhere: PGD must reach the exact minimum
        Random rng = new Random(1);
        int d = 20;
        int k = 4;
        float[][] w = new float[k][d];
        float[] b = new float[k];
        double[][] a = new double[k][d];
        for (int i = 0; i < k; i++) {
            for (int p = 0; p < d; p++) {
                w[i][p] = (float) rng.nextGaussian();
                a[i][p] = w[i][p];
            }
            b[i] = (float) rng.nextGaussian();
        }
        double[] bd = new double[k];
        for (int i = 0; i < k; i++) {
            bd[i] = b[i];
        }
        double[] m = new double[d];
        for (int p = 0; p < d; p++) {
            m[p] = rng.nextDouble();
        }
        FoldedWeights net = new FoldedWeights(List.of(), new DenseLayer(w, b), Cpa.leakyRelu());
        double eps = 0.05;
        BoxMargins bm = BoxMargins.of(a, bd, m, eps);
        Pgd.Result pgd = Pgd.attack(net, m, eps, bm.predicted(), 50, 2.5 * eps / 50);
        assertThat(pgd.minMargin()).isCloseTo(bm.certifiedMinMargin(), within(1e-9));
        assertThat(pgd.worstClass()).isEqualTo(bm.worstClass());
    }

    @Test
    void pgdGradientMatchesFiniteDifferences() {
        Random rng = new Random(2);
        float[][] w1 = new float[5][3];
        float[] b1 = new float[5];
        float[][] w2 = new float[3][5];
        float[] b2 = new float[3];
        for (float[] r : w1) {
            for (int p = 0; p < r.length; p++) {
                r[p] = (float) rng.nextGaussian();
            }
        }
        for (float[] r : w2) {
            for (int p = 0; p < r.length; p++) {
                r[p] = (float) rng.nextGaussian();
            }
        }
        FoldedWeights net = new FoldedWeights(List.of(new DenseLayer(w1, b1)), new DenseLayer(w2, b2), Cpa.leakyRelu());
        double[] x = {0.3, -0.2, 0.7};
        double[] g = new double[3];
        double m0 = Pgd.marginAndGradient(net, x, 0, 2, g);
        double[] y = net.evaluate(x);
        assertThat(m0).isCloseTo(y[0] - y[2], within(1e-12));
        for (int p = 0; p < 3; p++) {
            double[] xp = x.clone();
            xp[p] += 1e-7;
            double[] yp = net.evaluate(xp);
            assertThat((yp[0] - yp[2] - m0) / 1e-7).isCloseTo(g[p], within(1e-5));
        }
    }
}
