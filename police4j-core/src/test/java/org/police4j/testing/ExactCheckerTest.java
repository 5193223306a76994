package org.police4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/** The independent checker on hand-built networks whose answer is known exactly. */
class ExactCheckerTest {

    /** relu(x - 1) with the head 1 * u: the unit's kink is at x = 1. */

    /** u1 = -x, u2 = -leaky(u1) - 1, head 1 * u2: u2 = s x - 1 for x > 0, s the deployed slope. */
    static FoldedNetwork twoLeakyLayers() {
        return FoldedNetwork.mlp(
                List.of(
                        new Dense(new float[][] {{-1f}}, new float[] {0f}),
                        new Dense(new float[][] {{-1f}}, new float[] {-1f})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.leakyRelu(0.01));
    }

    @Test
    void aVertexExactlyOnTheKinkIsOnBothSides() {
        ExactChecker.Result r = ExactChecker.check(RoundedCorners.kinkAtOne(), new double[][] {{0}, {1}});
        assertThat(r.affine()).as(r.toString()).isTrue();
        assertThat(r.units()).isEqualTo(1);
        assertThat(r.points()).isEqualTo(2);
        assertThat(r.first()).isNull();
    }

    @Test
    void oneUlpPastTheKinkStraddlesWithTheExactValue() {
        double above = Math.nextUp(1.0);
        ExactChecker.Result r = ExactChecker.check(RoundedCorners.kinkAtOne(), new double[][] {{0}, {above}});
        assertThat(r.affine()).isFalse();
        assertThat(r.straddles()).isEqualTo(1);
        assertThat(r.first().layer()).isZero();
        assertThat(r.first().unit()).isZero();
        assertThat(r.first().max()).isEqualByComparingTo(new BigDecimal(Math.ulp(1.0)));
        assertThat(r.first().min()).isEqualByComparingTo(BigDecimal.ONE.negate());
    }

    @Test
    void productsFinerThanADoubleAreKeptExactly() {
        // (1 + 2^-23) (1 + 2^-52) - 1 - 2^-23 = 2^-52 + 2^-75: positive, but 0 in double.
        float w = Math.nextUp(1f);
        double x = Math.nextUp(1.0);
        FoldedNetwork net = FoldedNetwork.mlp(
                List.of(new Dense(new float[][] {{w}}, new float[] {-w})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.relu());
        assertThat((double) w * x - w).isEqualTo(Math.ulp(1.0)); // double rounding drops 2^-75
        ExactChecker.Result r = ExactChecker.check(net, new double[][] {{0.5}, {x}});
        assertThat(r.affine()).isFalse();
        assertThat(r.first().max())
                .isEqualByComparingTo(new BigDecimal(Math.ulp(1.0)).add(new BigDecimal(Math.scalb(1.0, -75))));
    }

    @Test
    void exactCornersOfSupportRegionsFindTheUnitThatRoundedCornersMiss() {
        // Issue 13, counterexample 2: the corner 0.5 + (0.5 + 2^-53) = 1 + 2^-53 rounds to 1 in double.
        List<Region> regions = RoundedCorners.supportRegions();
        for (Region region : regions) {
            ExactChecker.Result exact = ExactChecker.check(RoundedCorners.kinkAtOne(), region);
            assertThat(exact.affine()).as(region.describe()).isFalse();
            assertThat(exact.first().max()).as(region.describe()).isEqualByComparingTo(new BigDecimal(0x1p-53));
            assertThat(exact.first().min()).as(region.describe())
                    .isEqualByComparingTo(BigDecimal.ONE.add(new BigDecimal(0x1p-53)).negate());
            VertexRegion rounded = ((org.police4j.region.SupportRegion) region).toVertexRegion(16);
            assertThat(ExactChecker.check(RoundedCorners.kinkAtOne(), rounded.vertices()).affine())
                    .as("the double corners of %s miss the straddle", region.describe())
                    .isTrue();
        }
    }

    @Test
    void theDeployedFloatSlopeDecidesTheSecondLayer() {
        // Issue 13, counterexample 3: u2 = 0.01f x - 1 on [100, 200] goes from -2.2e-8 to ~1.
        ExactChecker.Result r = ExactChecker.check(twoLeakyLayers(), new double[][] {{100}, {200}});
        assertThat(r.affine()).as(r.toString()).isFalse();
        assertThat(r.first().layer()).isEqualTo(1);
        assertThat(r.first().unit()).isZero();
        BigDecimal s = new BigDecimal((double) 0.01f);
        assertThat(r.first().min()).isEqualByComparingTo(s.multiply(BigDecimal.valueOf(100)).subtract(BigDecimal.ONE));
        assertThat(r.first().min().doubleValue()).isBetween(-2.3e-8, -2.2e-8);
        assertThat(r.first().max()).isEqualByComparingTo(s.multiply(BigDecimal.valueOf(200)).subtract(BigDecimal.ONE));
        // With the double 0.01 the same unit would be >= 0 everywhere: the slope is what matters.
        assertThat(new BigDecimal(0.01).multiply(BigDecimal.valueOf(100)).subtract(BigDecimal.ONE).signum()).isPositive();
        assertThat(ExactChecker.deployedSlope(Cpa.leakyRelu(0.01))).isEqualByComparingTo(s);
        assertThat(ExactChecker.deployedSlope(Cpa.abs())).isEqualByComparingTo(BigDecimal.ONE.negate());
        assertThat(ExactChecker.deployedSlope(Cpa.relu()).signum()).isZero();
    }

    @Test
    void aStraddleBehindAnAbsIsReportedAtItsLayerAndEveryStraddleIsCounted() {
        // Layer 0: u = x and v = -x, both one-sided on [1, 3]. Layer 1: |u| - 2 straddles
        // (-1 .. 1), |v| - 0.5 does not (0.5 .. 2.5), |u| + |v| - 4 straddles (-2 .. 2).
        FoldedNetwork net = FoldedNetwork.mlp(
                List.of(
                        new Dense(new float[][] {{1f}, {-1f}}, new float[] {0f, 0f}),
                        new Dense(new float[][] {{1f, 0f}, {0f, 1f}, {1f, 1f}}, new float[] {-2f, -0.5f, -4f})),
                new Dense(new float[][] {{1f, 1f, 1f}}, new float[] {0f}),
                Cpa.abs());
        ExactChecker.Result r = ExactChecker.check(net, new double[][] {{1}, {3}, {2}});
        assertThat(r.affine()).isFalse();
        assertThat(r.units()).isEqualTo(5);
        assertThat(r.straddles()).isEqualTo(2);
        assertThat(r.first().layer()).isEqualTo(1);
        assertThat(r.first().unit()).isZero();
        assertThat(r.first().min()).isEqualByComparingTo("-1");
        assertThat(r.first().max()).isEqualByComparingTo("1");
        assertThat(ExactChecker.check(net, new double[][] {{2.5}, {3}}).affine()).isTrue();
    }

    @Test
    void everyRegionIsCheckedSeparately() {
        List<Region> regions = List.of(
                VertexRegion.of(new double[][] {{-3}, {0.5}}),
                VertexRegion.of(new double[][] {{0.5}, {2}}),
                VertexRegion.of(new double[][] {{1}, {4}}));
        List<ExactChecker.Result> r = ExactChecker.checkAll(RoundedCorners.kinkAtOne(), regions);
        assertThat(r).extracting(ExactChecker.Result::affine).containsExactly(true, false, true);
    }

    @Test
    void supportRegionsGiveTheirExactCorners() {
        Box box = Box.of(new double[] {1, 2, 3}, new double[] {0.25, 0.5, 0x1p-60});
        BigDecimal[][] corners = ExactChecker.exactPoints(box, 64);
        assertThat(corners).hasNumberOfRows(8);
        assertThat(corners[5][0]).isEqualByComparingTo("1.25");
        assertThat(corners[5][1]).isEqualByComparingTo("1.5");
        assertThat(corners[5][2]).isEqualByComparingTo(new BigDecimal(3).add(new BigDecimal(0x1p-60)));
        BigDecimal[][] ball = ExactChecker.exactPoints(L1Ball.of(new double[] {0, 1e10}, 0x1p-40), 64);
        assertThat(ball).hasNumberOfRows(4);
        assertThat(ball[3][1]).isEqualByComparingTo(new BigDecimal(1e10).subtract(new BigDecimal(0x1p-40)));
        BigDecimal[][] zono = ExactChecker.exactPoints(
                Zonotope.of(new double[] {0, 0}, new double[][] {{1, 0.5}, {0, 0x1p-70}}), 64);
        assertThat(zono).hasNumberOfRows(4);
        assertThat(zono[3][0]).isEqualByComparingTo("1.5");
        assertThat(zono[3][1]).isEqualByComparingTo(new BigDecimal(0x1p-70));
        assertThat(zono[0][0]).isEqualByComparingTo("-1.5");
        assertThatThrownBy(() -> ExactChecker.exactPoints(Box.linf(new double[20], 1), 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2^20");
    }

    @Test
    void nonFiniteWeightsAreRefusedByName() {
        FoldedNetwork net = FoldedNetwork.mlp(
                List.of(new Dense(new float[][] {{Float.NaN}}, new float[] {0f})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.relu());
        assertThatThrownBy(() -> ExactChecker.check(net, new double[][] {{0}, {1}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not finite");
    }
}
