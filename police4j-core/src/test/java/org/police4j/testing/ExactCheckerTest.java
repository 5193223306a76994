package org.police4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.math.BigDecimal;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.engine.PoolWindows;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.FoldedNetworkTest;
import org.police4j.network.Layer;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.network.Layer.Parallel;
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

    private static final Dense ONE_HEAD_OF_6 = new Dense(new float[][] {{1, 1, 1, 1, 1, 1}}, new float[] {0});

    /**
     * A grouped (2 groups), dilated (2 along columns), padded conv on a (2, 1, 3) map, per-position
     * bias: output (0, j) = x0[j - 1] + 2 x0[j + 1] + b, output (1, j) = x1[j - 1] - x1[j + 1] + b
     * (zeros outside). Output (1, 1) = c0 - c2 + b11 is the only unit that moves between the
     * points below; with b11 = 0 it straddles [-1, 1], with b11 = 1 it lies in [0, 2].
     */
    static FoldedNetwork groupedDilatedConv(float b11) {
        float[] bias = {0.5f, 0.5f, 0.5f, 0.5f, b11, 0.5f};
        return new FoldedNetwork(new Shape(2, 1, 3), List.of(
                new Conv(2, 1, 3, 2, 1, 2, 1, 1, 0, 1, 1, 2, 2, new float[] {1, 2, 1, -1}, bias),
                new Activation(Cpa.relu()),
                new Flatten(2, 1, 3),
                ONE_HEAD_OF_6));
    }

    @Test
    void aGroupedDilatedConvReadsItsOwnTapsAndStraddlesAtTheHandComputedUnit() {
        double[][] points = {{0, 0, 0, 1, 0, 0}, {0, 0, 0, 0, 0, 1}};
        ExactChecker.Result r = ExactChecker.check(groupedDilatedConv(0f), points);
        assertThat(r.affine()).isFalse();
        assertThat(r.units()).isEqualTo(6);
        assertThat(r.straddles()).isOne();
        assertThat(r.first().where()).isEqualTo(ExactChecker.Where.KINK);
        assertThat(r.first().unit()).isEqualTo(4);
        assertThat(r.first().min()).isEqualByComparingTo("-1");
        assertThat(r.first().max()).isEqualByComparingTo("1");
        assertThat(ExactChecker.check(groupedDilatedConv(1f), points).affine()).isTrue();
        // the taps of channel 0 (weights 1 and 2, two columns apart): x0 = (1, 0, 1) gives (0.5, 3.5, 0.5)
        assertThat(ExactChecker.outputs(groupedDilatedConv(1f), new double[][] {{1, 0, 1, 0, 0, 0}})[0][0])
                .isEqualTo(0.5 + 3.5 + 0.5 + 0.5 + 1 + 0.5);
    }

    /**
     * An overlapping padded max-pool on a (1, 1, 3) map: windows of 2 columns, stride 1, padding 1,
     * so four windows {x0}, {x0, x1}, {x1, x2}, {x2}, then a bias per window and ReLU.
     */
    static FoldedNetwork paddedOverlappingPool(float[] bias) {
        return new FoldedNetwork(new Shape(1, 1, 3), List.of(
                new MaxPool(1, 1, 3, 1, 2, 1, 1, 0, 1, bias),
                new Activation(Cpa.relu()),
                new Flatten(1, 1, 4),
                new Dense(new float[][] {{1, 1, 1, 1}}, new float[] {0})));
    }

    @Test
    void aMaxPoolWindowWithoutOneWinnerIsRefutedAndPaddingNeverCompetes() {
        float[] bias = {2, 0, 0, 0};
        // window {x1, x2}: x2 wins at the first point (by 1), x1 at the second (by 2)
        ExactChecker.Result r = ExactChecker.check(paddedOverlappingPool(bias), new double[][] {{-1, 1, 2}, {1, 3, 1}});
        assertThat(r.affine()).isFalse();
        assertThat(r.straddles()).isOne();
        assertThat(r.units()).as("4 windows and 4 units").isEqualTo(8);
        assertThat(r.first().where()).isEqualTo(ExactChecker.Where.POOL);
        assertThat(r.first().layer()).isZero();
        assertThat(r.first().unit()).isEqualTo(2);
        assertThat(r.first().max()).isEqualByComparingTo("1");
        // a tie is a win: x1 = x2 = 3 at the second point; window {x0} alone (x0 = -1 and 1) is
        // fine although a zero padding would beat x0 = -1 (the bias 2 keeps its unit positive)
        ExactChecker.Result tie = ExactChecker.check(paddedOverlappingPool(bias), new double[][] {{-1, 1, 2}, {1, 3, 3}});
        assertThat(tie.affine()).as(tie.toString()).isTrue();
        // the bias is added after the max: window {x2} is 2 and 3, minus 2.5 straddles
        ExactChecker.Result late = ExactChecker.check(paddedOverlappingPool(new float[] {2, 0, 0, -2.5f}),
                new double[][] {{-1, 1, 2}, {1, 3, 3}});
        assertThat(late.affine()).isFalse();
        assertThat(late.first().where()).isEqualTo(ExactChecker.Where.KINK);
        assertThat(late.first().unit()).isEqualTo(3);
        assertThat(late.first().min()).isEqualByComparingTo("-0.5");
        assertThat(late.first().max()).isEqualByComparingTo("0.5");
    }

    /**
     * PyTorch's avg_pool2d on a (1, 1, 4) map, windows of 3 columns, stride 2, padding 1, ceil mode:
     * three windows {x0, x1}, {x1, x2, x3}, {x3}, divisors 3, 3, 2 counting the padding (clipped to
     * the padded map) and 2, 3, 1 without; then a per-channel offset -1 and ReLU.
     */
    static FoldedNetwork ceilModeAverage(boolean countIncludePad) {
        return new FoldedNetwork(new Shape(1, 1, 4), List.of(
                new AvgPool(new PoolWindows(1, 1, 4, 1, 3, 1, 2, 0, 1, true), countIncludePad),
                new ChannelAffine(1, 3, new float[] {1}, new float[] {-1}),
                new Activation(Cpa.relu()),
                new Flatten(1, 1, 3),
                new Dense(new float[][] {{1, 1, 1}}, new float[] {0})));
    }

    @Test
    void averagePoolsDivideByPyTorchsDivisorsExactly() {
        double[][] points = {{3, 3, 0, 1}, {3, 3, 0, 3}};
        // counting the padding, the last window is x3 / 2 - 1: -0.5 and 0.5
        ExactChecker.Result r = ExactChecker.check(ceilModeAverage(true), points);
        assertThat(r.affine()).isFalse();
        assertThat(r.units()).isEqualTo(3);
        assertThat(r.first().unit()).isEqualTo(2);
        assertThat(r.first().min()).isEqualByComparingTo("-0.5");
        assertThat(r.first().max()).isEqualByComparingTo("0.5");
        // without it, x3 - 1: 0 and 2 (on the kink is fine)
        assertThat(ExactChecker.check(ceilModeAverage(false), points).affine()).isTrue();
        double[] y = ExactChecker.outputs(ceilModeAverage(true), new double[][] {{3, 3, 0, 6}})[0];
        assertThat(y[0]).isEqualTo((6.0 / 3 - 1) + (9.0 / 3 - 1) + (6.0 / 2 - 1));
    }

    /** The mean of three values minus 1: the thirds are compared without ever being rounded. */
    @Test
    void aGlobalAveragePoolIsComparedWithoutDividing() {
        FoldedNetwork net = new FoldedNetwork(new Shape(1, 1, 3), List.of(
                new GlobalAvgPool(1, 1, 3),
                new Dense(new float[][] {{1}}, new float[] {-1}),
                new Activation(Cpa.relu()),
                new Dense(new float[][] {{1}}, new float[] {0})));
        double e = 0x1p-53; // 1 - e is the double below 1
        ExactChecker.Result r = ExactChecker.check(net, new double[][] {{1, 1, 1 + 0x1p-52}, {1, 1 - e, 1}});
        assertThat(r.affine()).isFalse();
        // the reported range is the exact one divided by 3 to 34 digits: 3 times it is the exact sum - 3
        BigDecimal tolerance = new BigDecimal(0x1p-52).scaleByPowerOfTen(-32);
        assertThat(r.first().max().multiply(new BigDecimal(3))).isCloseTo(new BigDecimal(0x1p-52), within(tolerance));
        assertThat(r.first().min().multiply(new BigDecimal(3))).isCloseTo(new BigDecimal(-e), within(tolerance));
        assertThat(ExactChecker.check(net, new double[][] {{1, 1, 1}, {1, 1, 1 + 0x1p-52}}).affine()).isTrue();
    }

    /**
     * The checker's own evaluation of every layer kind against PyTorch's (the DJL block a folded
     * network exports): a grouped dilated strided conv, a padded overlapping max-pool with a bias,
     * ceil-mode and padded average pools (counting the padding: DJL's PyTorch engine ignores
     * {@code countIncludePad}, the other rule is checked by hand above), a global average and a dense
     * head, and a graph (a residual sum with a max-pool in a branch, a concatenation with the
     * identity), at random points (a per-channel affine has no DJL block: it is checked by hand below).
     */
    @Test
    void theCheckersEvaluationIsPyTorchsOnEveryLayerKind() {
        Random rnd = new Random(17);
        FoldedNetwork other = new FoldedNetwork(new Shape(2, 7, 7), List.of(
                new Conv(2, 7, 7, 4, 3, 3, 2, 1, 1, 1, 1, 1, 2, gaussian(rnd, 36), gaussian(rnd, 4 * 4 * 7)),
                new Activation(Cpa.leakyRelu(0.1)),
                new AvgPool(new PoolWindows(4, 4, 7, 3, 2, 2, 2, 1, 1, true), true),
                new MaxPool(4, 3, 4, 2, 2, 1, 1, 1, 0, gaussian(rnd, 4 * 4 * 3)),
                new Activation(Cpa.abs()),
                new GlobalAvgPool(4, 4, 3),
                new Dense(new float[][] {gaussian(rnd, 4), gaussian(rnd, 4)}, gaussian(rnd, 2))));
        // a residual unit whose conv branch holds an overlapping padded max-pool with a bias, summed
        // with a 1x1 projection, then a concatenation with the identity
        FoldedNetwork graph = new FoldedNetwork(new Shape(2, 5, 5), List.of(
                new Parallel(List.of(
                        List.of(new Conv(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, gaussian(rnd, 54), gaussian(rnd, 75)),
                                new Activation(Cpa.relu()),
                                new MaxPool(3, 5, 5, 3, 3, 1, 1, 1, 1, gaussian(rnd, 75))),
                        List.of(new Conv(2, 5, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, gaussian(rnd, 6), gaussian(rnd, 75)))),
                        Join.SUM, gaussian(rnd, 75)),
                new Activation(Cpa.leakyRelu(0.2)),
                new Parallel(List.of(List.of(), List.of(
                        new Conv(3, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, gaussian(rnd, 54), gaussian(rnd, 50)))),
                        Join.CONCAT, gaussian(rnd, 125)),
                new Activation(Cpa.relu()),
                new GlobalAvgPool(5, 5, 5),
                new Dense(new float[][] {gaussian(rnd, 5), gaussian(rnd, 5)}, gaussian(rnd, 2))));
        for (FoldedNetwork net : List.of(FoldedNetworkTest.windowedCnn(rnd), other, graph)) {
            int d = net.inputDimension();
            double[][] xs = new double[5][d];
            float[] flat = new float[5 * d];
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < d; j++) {
                    flat[i * d + j] = (float) rnd.nextGaussian();
                    xs[i][j] = flat[i * d + j];
                }
            }
            double[][] exact = ExactChecker.outputs(net, xs);
            try (NDManager manager = NDManager.newBaseManager()) {
                SequentialBlock block = net.block(manager);
                NDArray x = manager.create(flat, new Shape(5, d));
                float[] y = block.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
                for (int i = 0; i < 5; i++) {
                    for (int k = 0; k < 2; k++) {
                        assertThat((double) y[i * 2 + k]).as("point %d output %d", i, k)
                                .isCloseTo(exact[i][k], org.assertj.core.data.Offset.offset(1e-4));
                    }
                }
            }
        }
    }

    /** A per-channel affine's scale decides the side: channel 1's scale -1 turns (1, 2) into (-1, -2) + 1. */
    @Test
    void aChannelAffineStraddlesThroughItsScaleAndOffset() {
        FoldedNetwork net = new FoldedNetwork(new Shape(2, 1, 1), List.of(
                new ChannelAffine(2, 1, new float[] {1, -1}, new float[] {0, 1.5f}),
                new Activation(Cpa.relu()),
                new Dense(new float[][] {{1, 1}}, new float[] {0})));
        ExactChecker.Result r = ExactChecker.check(net, new double[][] {{1, 1}, {1, 2}});
        assertThat(r.affine()).isFalse();
        assertThat(r.first().unit()).isOne();
        assertThat(r.first().min()).isEqualByComparingTo("-0.5");
        assertThat(r.first().max()).isEqualByComparingTo("0.5");
        assertThat(ExactChecker.check(net, new double[][] {{1, 1}, {1, 1.5}}).affine()).isTrue();
    }

    /** A residual unit: (x0, -x1) + the identity (x0, x1) + bias = (2 x0 + b0, b1), then ReLU. */
    static FoldedNetwork residual(float[] bias) {
        return new FoldedNetwork(new Shape(2), List.of(
                new Parallel(List.of(List.of(new Dense(new float[][] {{1, 0}, {0, -1}}, new float[] {0, 0})), List.of()),
                        Join.SUM, bias),
                new Activation(Cpa.relu()),
                new Dense(new float[][] {{1, 1}}, new float[] {0})));
    }

    @Test
    void aResidualSumAddsTheIdentityBranchAndTheJoinsBias() {
        double[][] points = {{1, 0}, {0, 1}};
        assertThat(ExactChecker.check(residual(new float[] {0, -1}), points).affine()).isTrue();
        // 2 x0 - 1 goes from 1 to -1 (without the identity branch it would be x0 - 1, one-sided)
        ExactChecker.Result r = ExactChecker.check(residual(new float[] {-1, 0}), points);
        assertThat(r.affine()).isFalse();
        assertThat(r.units()).isEqualTo(2);
        assertThat(r.first().layer()).isZero();
        assertThat(r.first().unit()).isZero();
        assertThat(r.first().min()).isEqualByComparingTo("-1");
        assertThat(r.first().max()).isEqualByComparingTo("1");
        assertThat(ExactChecker.outputs(residual(new float[] {-1, 0}), new double[][] {{3, 5}})[0][0]).isEqualTo(5 + 0);
    }

    /**
     * A concatenation of (x0 + x1) and a branch with its own hidden layer, relu(x0 - x1) - 0.25,
     * then the join's bias and ReLU: hidden layers are numbered branch by branch, then
     * after the join; so are the units of the joined layer.
     */
    static FoldedNetwork concatenation(float[] bias) {
        return new FoldedNetwork(new Shape(2), List.of(
                new Parallel(List.of(
                        List.of(new Dense(new float[][] {{1, 1}}, new float[] {0})),
                        List.of(new Dense(new float[][] {{1, -1}}, new float[] {0}), new Activation(Cpa.relu()),
                                new Dense(new float[][] {{1}}, new float[] {-0.25f}))),
                        Join.CONCAT, bias),
                new Activation(Cpa.relu()),
                new Dense(new float[][] {{1, 1}}, new float[] {0})));
    }

    @Test
    void aConcatenationKeepsBranchOrderAndNumbersHiddenLayersDepthFirst() {
        // inside branch 1, x0 - x1 is 1 and -1: hidden layer 0 (the branch's) unit 0 straddles, and
        // so does the joined unit 1, relu(x0 - x1) - 0.25 (0.75 and -0.25), reported second
        ExactChecker.Result inBranch = ExactChecker.check(concatenation(new float[] {0, 0}), new double[][] {{1, 0}, {0, 1}});
        assertThat(inBranch.affine()).isFalse();
        assertThat(inBranch.straddles()).isEqualTo(2);
        assertThat(inBranch.units()).isEqualTo(3);
        assertThat(inBranch.first().layer()).isZero();
        assertThat(inBranch.first().min()).isEqualByComparingTo("-1");
        // at (1, 0) and (2, 0): the joined values are (x0, relu(x0) - 0.25 + b1); b1 = -1 puts
        // unit 1 of hidden layer 1 in [-0.25, 0.75]
        ExactChecker.Result joined = ExactChecker.check(concatenation(new float[] {0, -1}), new double[][] {{1, 0}, {2, 0}});
        assertThat(joined.affine()).isFalse();
        assertThat(joined.first().layer()).isOne();
        assertThat(joined.first().unit()).isOne();
        assertThat(joined.first().min()).isEqualByComparingTo("-0.25");
        assertThat(joined.first().max()).isEqualByComparingTo("0.75");
        assertThat(ExactChecker.check(concatenation(new float[] {0, 0}), new double[][] {{1, 0}, {2, 0}}).affine()).isTrue();
    }

    /** ReLU6 after a global average of three values: its kinks 0 and 6 are compared as 0 and 6 x 3. */
    @Test
    void everyKinkOfReluSixIsCheckedAndItsTopPieceIsSix() {
        FoldedNetwork net = new FoldedNetwork(new Shape(1, 1, 3), List.of(
                new GlobalAvgPool(1, 1, 3),
                new Activation(Cpa.relu6()),
                new Dense(new float[][] {{1}}, new float[] {0})));
        ExactChecker.Result r = ExactChecker.check(net, new double[][] {{5, 5, 5}, {7, 7, 7}});
        assertThat(r.affine()).isFalse();
        assertThat(r.first().min()).isEqualByComparingTo("5");
        assertThat(r.first().max()).isEqualByComparingTo("7");
        double e = 0x1p-50;
        assertThat(ExactChecker.check(net, new double[][] {{6, 6, 6}, {6, 6, 6 + e}}).affine()).as("6 is on the kink").isTrue();
        assertThat(ExactChecker.check(net, new double[][] {{6, 6, 6 - e}, {6, 6, 6 + e}}).affine()).isFalse();
        assertThat(ExactChecker.check(net, new double[][] {{-1, 0, 0}, {1, 0, 0}}).affine()).as("the kink at 0").isFalse();
        assertThat(ExactChecker.check(net, new double[][] {{1, 0, 0}, {17, 0, 0}}).affine()).isTrue();
        double[][] y = ExactChecker.outputs(net, new double[][] {{9, 9, 9}, {-3, -3, -3}, {3, 3, 4.5}});
        assertThat(y[0][0]).isEqualTo(6);
        assertThat(y[1][0]).isEqualTo(0);
        assertThat(y[2][0]).isEqualTo(3.5);
    }

    @Test
    void hardTanhHasTwoKinksAndAMiddlePiece() {
        FoldedNetwork net = FoldedNetwork.mlp(
                List.of(new Dense(new float[][] {{1}}, new float[] {0})), new Dense(new float[][] {{1}}, new float[] {0}),
                Cpa.hardTanh());
        ExactChecker.Result low = ExactChecker.check(net, new double[][] {{-2}, {-0.5}});
        assertThat(low.affine()).isFalse();
        assertThat(low.first().min()).isEqualByComparingTo("-2");
        assertThat(ExactChecker.check(net, new double[][] {{-0.5}, {0.5}}).affine()).isTrue();
        assertThat(ExactChecker.check(net, new double[][] {{-1}, {1}}).affine()).as("both kinks at the ends").isTrue();
        assertThat(ExactChecker.check(net, new double[][] {{0.5}, {2}}).affine()).isFalse();
        assertThat(ExactChecker.check(net, new double[][] {{-7}, {-1}}).affine()).isTrue();
        double[][] y = ExactChecker.outputs(net, new double[][] {{-3}, {0.25}, {3}});
        assertThat(y[0][0]).isEqualTo(-1);
        assertThat(y[1][0]).isEqualTo(0.25);
        assertThat(y[2][0]).isEqualTo(1);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        return f;
    }
}
