package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * A region's axis points lie in the region exactly (a corner {@code c + r} a double cannot hold is
 * rounded toward the centre), their steps are exact as pairs, the factors cover {@code r / d}, a
 * flat coordinate has no point, and a radius a double cannot step by gives none at all.
 */
class AxisPointsTest {

    @Test
    void pointsLieInTheRegionAndTheFactorsCoverTheirSteps() {
        double[] c = {0.1, -1e-10, 3, 1e6, 7};
        double[] r = {0.3, 1, 0, 1e-9, 0x1p-20};
        AxisPoints box = Box.of(c, r).axisPoints();
        assertThat(box.axes()).containsExactly(0, 1, 3, 4);
        check(box, c, r);
        double rho = 0.37;
        AxisPoints ball = L1Ball.of(c, rho).axisPoints();
        assertThat(ball.spanned()).isEqualTo(c.length);
        check(ball, c, new double[] {rho, rho, rho, rho, rho});
        assertThat(Zonotope.of(c, new double[][] {{1}, {0}, {0}, {0}, {1}}).axisPoints()).as("a zonotope's generators need not follow the axes").isNull();
    }

    @Test
    void aRadiusBelowTheCentresResolutionGivesNoPoints() {
        assertThat(Box.of(new double[] {1e20}, new double[] {1e-10}).axisPoints()).isNull();
    }

    private static void check(AxisPoints axes, double[] c, double[] r) {
        assertThat(axes.points()[0]).containsExactly(c);
        for (int i = 0; i < axes.spanned(); i++) {
            int j = axes.axes()[i];
            double[] p = axes.points()[i + 1];
            for (int t = 0; t < c.length; t++) {
                if (t != j) {
                    assertThat(p[t]).isEqualTo(c[t]);
                }
            }
            BigDecimal d = new BigDecimal(p[j]).subtract(new BigDecimal(c[j]));
            assertThat(d.signum()).isPositive();
            assertThat(d).as("in R").isLessThanOrEqualTo(new BigDecimal(r[j]));
            assertThat(new BigDecimal(axes.steps()[i]).add(new BigDecimal(axes.stepLows()[i]))).isEqualByComparingTo(d);
            assertThat(new BigDecimal(axes.factors()[i]).multiply(d))
                    .as("k d >= r").isGreaterThanOrEqualTo(new BigDecimal(r[j]));
            if (Math.ulp(c[j]) < 1e-6 * r[j]) { // else the point steps back by an ulp, a visible part of r
                assertThat(axes.factors()[i]).isLessThan(1 + 1e-5);
            }
        }
    }
}
