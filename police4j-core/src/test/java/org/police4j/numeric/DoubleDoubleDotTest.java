package org.police4j.numeric;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DoubleDouble.Dot} against exact BigDecimal sums: the pair it gives is within its bound of
 * the exact {@code b + sum_j w_j y_j} (the inputs' own bounds carried), on sums built to cancel
 * over a wide range of magnitudes, with up to 3000 terms; and its bound is {@code rho(n)} of the
 * magnitudes, about {@code 2 n^2 2^-106}.
 */
class DoubleDoubleDotTest {

    @Test
    void pairsStayWithinTheirBoundOnCancellingSums() {
        Random rnd = new Random(2026);
        DoubleDouble.Dot dot = new DoubleDouble.Dot();
        double[] pair = new double[2];
        int checked = 0;
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + rnd.nextInt(trial % 4 == 0 ? 3000 : 60);
            int spread = rnd.nextInt(60); // exponent range of weights and inputs
            float[] w = new float[n];
            double[] hi = new double[n];
            double[] lo = new double[n];
            double[] err = new double[n];
            for (int j = 0; j < n; j++) {
                w[j] = (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(spread + 1) - spread / 2));
                double h = rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(spread + 1) - spread / 2);
                if (j > 0 && rnd.nextInt(3) == 0) {
                    w[j] = -w[j - 1]; // cancel the previous term, up to the low parts
                    h = hi[j - 1];
                }
                double l = (rnd.nextDouble() - 0.5) * Math.ulp(h); // a normalised pair: |lo| <= ulp(hi) / 2
                double s = h + l;
                hi[j] = s;
                lo[j] = DoubleDouble.twoSumError(h, l, s);
                err[j] = rnd.nextInt(4) == 0 ? Math.abs(s) * 0x1p-90 : 0;
            }
            float bias = (float) rnd.nextGaussian();
            dot.reset(bias);
            BigDecimal exact = new BigDecimal(bias);
            double magnitude = Math.abs(bias);
            for (int j = 0; j < n; j++) {
                dot.add(w[j], hi[j], lo[j], err[j]);
                exact = exact.add(new BigDecimal(w[j]).multiply(new BigDecimal(hi[j]).add(new BigDecimal(lo[j]))));
                magnitude += Math.abs(w[j]) * (Math.abs(hi[j]) + Math.abs(lo[j]));
            }
            dot.result(pair);
            assertThat(Math.abs(pair[1])).as("trial %d: a normalised pair", trial).isLessThanOrEqualTo(Math.ulp(pair[0]) / 2);
            BigDecimal off = new BigDecimal(pair[0]).add(new BigDecimal(pair[1])).subtract(exact).abs();
            // the inputs' bounds are carried on top: the computed pair must be within the rest
            double carried = 0;
            for (int j = 0; j < n; j++) {
                carried += Math.abs(w[j]) * err[j];
            }
            BigDecimal own = new BigDecimal(dot.bound()).subtract(new BigDecimal(carried));
            assertThat(off).as("trial %d, n %d: |pair - exact| within the bound", trial, n).isLessThanOrEqualTo(own);
            if (carried == 0) {
                assertThat(dot.bound()).as("trial %d, n %d: the bound", trial, n)
                        .isLessThanOrEqualTo(DoubleDouble.rho(n) * magnitude * (1 + 0x1p-19) + DoubleDouble.TINY * (n + 5));
            }
            checked++;
        }
        assertThat(checked).isEqualTo(400);
    }

    @Test
    void aSumOfExactZerosIsAnExactZero() {
        DoubleDouble.Dot dot = new DoubleDouble.Dot();
        dot.reset(0);
        dot.add(0f, 3.5, 0, 0);
        dot.add(2f, 0, 0, 0);
        double[] pair = new double[2];
        dot.result(pair);
        assertThat(pair).containsExactly(0.0, 0.0);
        assertThat(dot.bound()).isZero();
    }
}
