package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.network.BoundedEval;
import org.police4j.network.DoubleEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.FoldedNetworkTest;
import org.police4j.network.Layer;
import org.police4j.network.Pattern;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;
import org.police4j.testing.UnitRanges;
import org.police4j.wrap.Policed;

/**
 * The certificate's fast path on every layer kind: the rigorous double evaluation decides CNNs
 * (max-pool, batch-norm, average pool) unit by unit and hands to exact arithmetic only what its
 * bound cannot decide; the rigorous double map encloses the exact one within its stated bound;
 * the exact map stays available; {@code Certify.policed} takes what {@code Policed.wrap} returns.
 */
class ScalableCertificateTest {

    private static final Certifier FAST = Certifier.builder().optExactMap(false).build();
    private static final Certifier EXACT = Certifier.builder().optFastPath(false).build();

    /** A POLICEd CNN (conv, pool, batch-norm conv, average pool, dense) folded on four random images. */
    private static FoldedNetwork policedCnn(long seed, double[][] v, Cpa activation) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = PolicedConvNet.builder().setInput(1, 8, 8).conv(3, 3, 1, 1).maxPool(2, 2)
                    .conv(4, 3).batchNorm().globalAvgPool().dense(6).outputs(3)
                    .optActivation(activation).setRegion(VertexRegion.of(v)).build();
            Engine.getInstance().setRandomSeed((int) seed);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
            return net.fold();
        }
    }

    private static double[][] images(Random rnd, int n) {
        double[][] v = new double[n][64];
        for (double[] row : v) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        return v;
    }

    /** The first conv with the bias at the position whose pre-activation varies most moved to the middle of its range. */
    private static FoldedNetwork breakFirstConv(FoldedNetwork net, double[][] v) {
        Layer.Conv conv = (Layer.Conv) net.layers().get(0);
        UnitRanges r = UnitRanges.over(v, conv.bias().length, x -> DoubleEval.trace(net, x).get(1));
        int u = r.widest();
        float[] bias = conv.bias().clone();
        bias[u] -= (float) ((r.lo[u] + r.hi[u]) / 2);
        return net.with(0, conv.withBias(bias));
    }

    @Test
    void theFastPathDecidesCnnsAsTheExactPathDoesAndRarelyNeedsIt() {
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.leakyRelu(0.3))) { // max-pool needs a non-decreasing activation
            Random rnd = new Random(31);
            double[][] v = images(rnd, 4);
            double[][] inside = Nets.convexCombinations(rnd, v, 5);
            FoldedNetwork net = policedCnn(3, v, act);
            FoldedNetwork broken = breakFirstConv(net, v);
            Certifier.Analysis fast = FAST.analyze(net, v, inside);
            Certifier.Analysis exact = EXACT.analyze(net, v, inside);
            assertThat(fast.certificate.certified()).as(act.id()).isTrue();
            assertThat(fast.exactVertices).as("no unit of a POLICEd CNN is within rounding of its kink").isZero();
            sameVerdict(fast, exact);
            Certifier.Analysis fastBroken = FAST.analyze(broken, v, inside);
            Certifier.Analysis exactBroken = EXACT.analyze(broken, v, inside);
            assertThat(fastBroken.certificate.certified()).as(act.id() + " broken").isFalse();
            sameVerdict(fastBroken, exactBroken);
            assertThat(fastBroken.certificate.firstViolation().layer()).isZero();
        }
    }

    /** The same proved sides, verdict, counts and first violation; the maps agree within the fast map's bound. */
    private static void sameVerdict(Certifier.Analysis fast, Certifier.Analysis exact) {
        Certificate f = fast.certificate;
        Certificate e = exact.certificate;
        assertThat(f.certified()).isEqualTo(e.certified());
        assertThat(f.unitsChecked()).isEqualTo(e.unitsChecked());
        assertThat(f.offendingUnits()).isEqualTo(e.offendingUnits());
        assertThat(fast.sides).isDeepEqualTo(exact.sides);
        if (e.firstViolation() != null) {
            assertThat(f.firstViolation().layer()).isEqualTo(e.firstViolation().layer());
            assertThat(f.firstViolation().unit()).isEqualTo(e.firstViolation().unit());
        }
        assertThat(e.mapError()).isZero();
        assertThat(f.mapError()).isPositive().isLessThan(1e-9);
        for (int k = 0; k < e.b().length; k++) {
            assertThat(Math.abs(f.b()[k] - e.b()[k])).isLessThanOrEqualTo(f.mapError());
            for (int j = 0; j < e.a()[k].length; j++) {
                assertThat(Math.abs(f.a()[k][j] - e.a()[k][j])).isLessThanOrEqualTo(f.mapError());
            }
        }
    }

    @Test
    void theRigorousMapEnclosesTheExactMapEntryByEntry() {
        Random rnd = new Random(41);
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(0.3))) {
            double[][] v = images(rnd, 3);
            for (FoldedNetwork net : List.of(policedCnn(7, v, act), breakFirstConv(policedCnn(7, v, act), v),
                    Nets.randomNet(rnd, act, 5, new int[] {40, 30, 20}, 4))) {
                int[][][] pattern = sidesAndWinners(net, net.inputDimension() == 64 ? v : Nets.randomPoints(rnd, 1, 5));
                BoundedEval.AffineMap fast = new BoundedEval(net).affineMap(pattern[0], pattern[1], false);
                double[][][] exact = new ExactEval(net).affineMap(pattern[0], pattern[1], false);
                for (int k = 0; k < fast.b().length; k++) {
                    // the exact map rounded to double is within half an ulp of the exact real entry
                    assertThat(Math.abs(fast.b()[k] - exact[1][0][k]))
                            .isLessThanOrEqualTo(fast.bBound()[k] + Math.ulp(exact[1][0][k]) / 2);
                    for (int j = 0; j < fast.a()[k].length; j++) {
                        assertThat(Math.abs(fast.a()[k][j] - exact[0][k][j])).as("A[%d][%d]", k, j)
                                .isLessThanOrEqualTo(fast.aBound()[k][j] + Math.ulp(exact[0][k][j]) / 2);
                        assertThat(fast.aBound()[k][j]).isLessThanOrEqualTo(fast.maxBound());
                    }
                }
                assertThat(fast.maxBound()).isLessThan(1e-10);
            }
        }
    }

    /**
     * Activations with several kinks: the rigorous map of every unit held on a piece (drawn at
     * random, so that every slope and intercept serves) encloses the exact map entry by entry, for
     * ReLU6, hard-tanh and a four-kink CPA whose intercepts are not dyadic.
     */
    @Test
    void theRigorousMapEnclosesTheExactMapWithSeveralKinks() {
        Random rnd = new Random(47);
        Cpa fourKinks = Cpa.piecewise(new double[] {-0.3f, 0.1f, 0.7f, 1.9f}, new double[] {0.2f, 1.1f, -0.7f, 0.9f, 0.05f}, 0.3f);
        for (Cpa act : List.of(Cpa.relu6(), Cpa.hardTanh(), fourKinks)) {
            FoldedNetwork net = Nets.randomNet(rnd, act, 5, new int[] {30, 20, 10}, 3);
            Pattern shape = new ExactEval(net).pattern(Nets.randomPoints(rnd, 1, 5)[0]);
            int[][] pieces = new int[shape.sign.length][];
            for (int l = 0; l < pieces.length; l++) {
                pieces[l] = new int[shape.sign[l].length];
                for (int u = 0; u < pieces[l].length; u++) {
                    pieces[l][u] = rnd.nextInt(act.kinkCount() + 1);
                }
            }
            int[][] winners = new int[0][];
            BoundedEval.AffineMap fast = new BoundedEval(net).affineMap(pieces, winners, false);
            double[][][] exact = new ExactEval(net).affineMap(pieces, winners, false);
            for (int k = 0; k < fast.b().length; k++) {
                assertThat(Math.abs(fast.b()[k] - exact[1][0][k])).as("%s: b[%d]", act.id(), k)
                        .isLessThanOrEqualTo(fast.bBound()[k] + Math.ulp(exact[1][0][k]) / 2);
                for (int j = 0; j < fast.a()[k].length; j++) {
                    assertThat(Math.abs(fast.a()[k][j] - exact[0][k][j])).as("%s: A[%d][%d]", act.id(), k, j)
                            .isLessThanOrEqualTo(fast.aBound()[k][j] + Math.ulp(exact[0][k][j]) / 2);
                }
            }
            assertThat(fast.maxBound()).as(act.id()).isLessThan(1e-10);
        }
    }

    /** The sides (majority, ties to +1) and winners (lowest maximum) of the exact patterns at the points. */
    private static int[][][] sidesAndWinners(FoldedNetwork net, double[][] points) {
        ExactEval exact = new ExactEval(net);
        List<Pattern> patterns = new ArrayList<>();
        for (double[] x : points) {
            patterns.add(exact.pattern(x));
        }
        Pattern first = patterns.get(0);
        int[][] sides = new int[first.sign.length][];
        for (int l = 0; l < sides.length; l++) {
            sides[l] = new int[first.sign[l].length];
            for (int u = 0; u < sides[l].length; u++) {
                int sum = 0;
                for (Pattern p : patterns) {
                    sum += p.sign[l][u];
                }
                sides[l][u] = sum >= 0 ? 1 : -1;
            }
        }
        int[][] winners = new int[first.maxima.length][];
        for (int p = 0; p < winners.length; p++) {
            winners[p] = new int[first.maxima[p].length];
            for (int u = 0; u < winners[p].length; u++) {
                winners[p][u] = Long.numberOfTrailingZeros(first.maxima[p][u]);
            }
        }
        return new int[][][] {sides, winners};
    }

    /** Every layer kind: conv, channel affine, leaky-ReLU, max-pool, strided conv, abs, global average, dense. */
    private static FoldedNetwork everyKind(Random rnd) {
        return new FoldedNetwork(new Shape(1, 6, 6), List.of(
                new Layer.Conv(1, 6, 6, 2, 3, 3, 1, 1, 1, floats(rnd, 18), floats(rnd, 72)),
                new Layer.ChannelAffine(2, 36, new float[] {0.75f, -1.5f}, new float[] {0.125f, -0.25f}),
                new Layer.Activation(Cpa.leakyRelu()),
                new Layer.MaxPool(2, 6, 6, 2, 2),
                new Layer.Conv(2, 3, 3, 3, 2, 2, 1, 0, 0, floats(rnd, 24), floats(rnd, 12)),
                new Layer.Activation(Cpa.abs()),
                new Layer.GlobalAvgPool(3, 2, 2),
                new Layer.Flatten(3, 1, 1),
                new Layer.Dense(new float[][] {floats(rnd, 3), floats(rnd, 3)}, floats(rnd, 2))));
    }

    private static float[] floats(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) rnd.nextGaussian();
        }
        return f;
    }

    @Test
    void everyLayerKindIsBoundedAsExactArithmeticDecidesIt() {
        Random rnd = new Random(59);
        for (int trial = 0; trial < 10; trial++) {
            boundedAsExact(everyKind(rnd), rnd, 2 + trial % 3);
        }
    }

    /**
     * The windowed layer kinds (grouped dilated conv, padded overlapping max-pool with a bias
     * after the max, ceil-mode average pool with padding) likewise: the same patterns, verdicts
     * and maps on both paths.
     */
    @Test
    void windowedLayerKindsAreBoundedAsExactArithmeticDecidesThem() {
        Random rnd = new Random(61);
        for (int trial = 0; trial < 10; trial++) {
            boundedAsExact(FoldedNetworkTest.windowedCnn(rnd), rnd, 2 + trial % 3);
        }
    }

    /**
     * At n Gaussian points: the rigorous double patterns (with the exact fallback) are the exact
     * ones, both certifier paths give the same verdict, and the rigorous map encloses the exact
     * one entry by entry.
     */
    private static void boundedAsExact(FoldedNetwork net, Random rnd, int n) {
        int d = net.inputDimension();
        double[][] v = new double[n][d];
        for (double[] row : v) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        BoundedEval bounded = new BoundedEval(net);
        ExactEval exact = new ExactEval(net);
        for (double[] x : v) {
            Pattern b = bounded.pattern(x, exact);
            Pattern e = exact.pattern(x);
            assertThat(b.sign).isDeepEqualTo(e.sign);
            assertThat(b.maxima).isDeepEqualTo(e.maxima);
        }
        sameVerdict(FAST.analyze(net, v, null), EXACT.analyze(net, v, null));
        int[][][] pattern = sidesAndWinners(net, v);
        BoundedEval.AffineMap fast = bounded.affineMap(pattern[0], pattern[1], false);
        double[][][] map = exact.affineMap(pattern[0], pattern[1], false);
        for (int k = 0; k < fast.b().length; k++) {
            assertThat(Math.abs(fast.b()[k] - map[1][0][k]))
                    .isLessThanOrEqualTo(fast.bBound()[k] + Math.ulp(map[1][0][k]));
            for (int j = 0; j < d; j++) {
                assertThat(Math.abs(fast.a()[k][j] - map[0][k][j])).as("A[%d][%d]", k, j)
                        .isLessThanOrEqualTo(fast.aBound()[k][j] + Math.ulp(map[0][k][j]));
            }
        }
        assertThat(fast.maxBound()).isLessThan(1e-10);
    }

    @Test
    void theExactMapOnRequestIsExactEvalsMap() {
        Random rnd = new Random(43);
        double[][] v = images(rnd, 3);
        FoldedNetwork net = policedCnn(11, v, Cpa.leakyRelu());
        VertexRegion region = VertexRegion.of(v);
        Certify.Options options = Certify.Options.defaults().optInteriorSamples(3);
        Certificate exact = Certify.of(net, region, options.optExactMap(true));
        Certificate fast = Certify.of(net, region, options);
        Certifier.Analysis an = Certifier.builder().build().analyze(net, v, null);
        int[][][] pattern = sidesAndWinners(net, v);
        double[][][] map = new ExactEval(net).affineMap(an.sides, pattern[1], false);
        assertThat(exact.a()).isDeepEqualTo(map[0]);
        assertThat(exact.b()).isEqualTo(map[1][0]);
        assertThat(exact.mapError()).isZero();
        assertThat(fast.mapError()).isPositive();
        assertThat(fast.certified()).isEqualTo(exact.certified()).isTrue();
        assertThat(exact.summary()).contains("correctly rounded");
        assertThat(fast.summary()).contains("of the exact map");
    }

    /** {@code h0 = 1 + x0 - x1}, {@code h1 = 1 + x1}, ReLU, then their sum. */
    private static FoldedNetwork kinkNetwork() {
        return new FoldedNetwork(new Shape(2), List.of(
                new Layer.Dense(new float[][] {{1, -1}, {0, 1}}, new float[] {1, 1}),
                new Layer.Activation(Cpa.relu()),
                new Layer.Dense(new float[][] {{1, 1}}, new float[] {0})));
    }

    /**
     * What double arithmetic cannot decide, double-double does, without exact arithmetic: {@code h0
     * = 1 + x0 - x1} with x0 = +/- 2^-60 and x1 = 1 is 0 in double and +/- 2^-60 exactly.
     */
    @Test
    void doubleDoubleDecidesWhatDoubleRoundsAway() {
        double tiny = 0x1p-60;
        double[][] v = {{tiny, 1}, {-tiny, 1}};
        FoldedNetwork kink = kinkNetwork();
        assertThat(DoubleEval.preActivations(kink, v[0]).get(0)[0]).isZero();
        Pattern up = new BoundedEval(kink).pattern(v[0]);
        Pattern down = new BoundedEval(kink).pattern(v[1]);
        assertThat(up).isNotNull();
        assertThat(down).isNotNull();
        assertThat(up.sign[0]).containsExactly(1, 1);
        assertThat(down.sign[0]).containsExactly(-1, 1);
        assertThat(up.pre[0][0]).isEqualTo(tiny);
        Certifier.Analysis fast = FAST.analyze(kink, v, null);
        assertThat(fast.certificate.certified()).isFalse();
        assertThat(fast.exactVertices).isZero();
        sameVerdict(fast, EXACT.analyze(kink, v, null));
    }

    /**
     * Exact zeros (zero inputs through zero biases, as in the dark corners of images) are proved
     * where they are: a unit exactly on its kink is side 0 and a window of tied exact zeros has
     * them all as maxima, without exact arithmetic. Before, each went to exact arithmetic, and
     * ResNetV1-50's certificate ran out of a 4 GB heap converting weights to BigDecimal.
     */
    @Test
    void exactZerosAreProvedWithoutExactArithmetic() {
        double[][] v = {{0, 0, 1}, {0, 0, 2}};
        FoldedNetwork net = new FoldedNetwork(new Shape(3), List.of(
                new Layer.Dense(new float[][] {{1, 1, 0}, {0, 0, 1}, {1, -1, 0}}, new float[] {0, 0, 0}),
                new Layer.Activation(Cpa.relu()),
                new Layer.Dense(new float[][] {{1, 0, 0}, {0, 0, 1}}, new float[] {0, 0}),
                new Layer.MaxPool(1, 1, 2, 1, 2),
                new Layer.Dense(new float[][] {{1}}, new float[] {0})));
        for (double[] x : v) {
            Pattern p = new BoundedEval(net).pattern(x);
            assertThat(p).as("decided without exact arithmetic").isNotNull();
            assertThat(p.sign[0]).containsExactly(0, 1, 0);
            assertThat(p.maxima[0]).containsExactly(0b11L);
        }
        Certifier.Analysis fast = FAST.analyze(net, v, null);
        assertThat(fast.exactVertices).isZero();
        assertThat(fast.certificate.certified()).isTrue();
        sameVerdict(fast, EXACT.analyze(net, v, null));
    }

    /**
     * Units and windows that the fast path's bound cannot decide: {@code h0 = 1 + x0 - x1} with x0
     * = +/- 2^-120 and x1 = 1 is 0 in double and +/- 2^-120 exactly, far inside the double-double
     * pass's bound (about 2^-100 here), so the vertices straddle unit 0; and a window comparing
     * {@code x0 + x1} with {@code x1} ties within the bound while its winner changes between the
     * vertices. Double arithmetic alone would certify both; the exact fallback, for those units
     * only, refuses.
     */
    @Test
    void whatRoundingCannotDecideFallsThroughToExactArithmetic() {
        double tiny = 0x1p-120;
        double[][] v = {{tiny, 1}, {-tiny, 1}};
        FoldedNetwork kink = kinkNetwork();
        assertThat(DoubleEval.preActivations(kink, v[0]).get(0)[0]).isZero();
        assertThat(DoubleEval.preActivations(kink, v[1]).get(0)[0]).isZero();
        Pattern p = new BoundedEval(kink).pattern(v[0], new ExactEval(kink));
        assertThat(p.exact).isTrue();
        assertThat(p.sign[0]).containsExactly(1, 1);
        assertThat(new BoundedEval(kink).pattern(v[0])).as("undecidable without exact arithmetic").isNull();
        Certifier.Analysis fast = FAST.analyze(kink, v, null);
        assertThat(fast.certificate.certified()).isFalse();
        assertThat(fast.certificate.firstViolation().unit()).isZero();
        assertThat(fast.exactVertices).isEqualTo(2);
        sameVerdict(fast, EXACT.analyze(kink, v, null));

        // exactly on the kink at one vertex, above it at the other: certified, decided exactly
        double[][] onKink = {{0, 1}, {tiny, 1}};
        Certifier.Analysis zero = FAST.analyze(kink, onKink, null);
        assertThat(zero.certificate.certified()).isTrue();
        assertThat(zero.exactVertices).isEqualTo(2);
        sameVerdict(zero, EXACT.analyze(kink, onKink, null));

        FoldedNetwork window = new FoldedNetwork(new Shape(2), List.of(
                new Layer.Dense(new float[][] {{1, 1}, {0, 1}}, new float[] {0, 0}),
                new Layer.MaxPool(1, 1, 2, 1, 2),
                new Layer.Dense(new float[][] {{1}}, new float[] {0})));
        Pattern w = new BoundedEval(window).pattern(v[1], new ExactEval(window));
        assertThat(w.maxima[0]).containsExactly(0b10L); // 1 - 2^-120 < 1: position 1 alone
        Certifier.Analysis pooled = FAST.analyze(window, v, null);
        assertThat(pooled.certificate.certified()).isFalse();
        assertThat(pooled.exactVertices).isEqualTo(2);
        sameVerdict(pooled, EXACT.analyze(window, v, null));
        Certifier.Analysis tie = FAST.analyze(window, onKink, null);
        assertThat(tie.certificate.certified()).as("a tie at one vertex keeps the common winner").isTrue();

        // the same near-tie in padded overlapping windows (1x3, stride 1, padding 1: window 0 is
        // {pad, h0, h1}, window 1 {h0, h1, pad}) with a bias after the max: padding never competes
        FoldedNetwork padded = new FoldedNetwork(new Shape(2), List.of(
                new Layer.Dense(new float[][] {{1, 1}, {0, 1}}, new float[] {0, 0}),
                new Layer.MaxPool(1, 1, 2, 1, 3, 1, 1, 0, 1, new float[] {0.5f, -0.25f}),
                new Layer.Dense(new float[][] {{1, 1}}, new float[] {0})));
        Pattern pw = new BoundedEval(padded).pattern(v[1], new ExactEval(padded));
        assertThat(pw.exact).isTrue();
        assertThat(pw.maxima[0]).containsExactly(0b100L, 0b10L);
        assertThat(new ExactEval(padded).pattern(v[1]).maxima[0]).containsExactly(0b100L, 0b10L);
        assertThat(new ExactEval(padded).pattern(onKink[0]).maxima[0]).containsExactly(0b110L, 0b11L);
        Certifier.Analysis paddedFast = FAST.analyze(padded, v, null);
        assertThat(paddedFast.certificate.certified()).isFalse();
        assertThat(paddedFast.exactVertices).isEqualTo(2);
        sameVerdict(paddedFast, EXACT.analyze(padded, v, null));
        Certifier.Analysis paddedTie = FAST.analyze(padded, onKink, null);
        assertThat(paddedTie.certificate.certified()).isTrue();
        sameVerdict(paddedTie, EXACT.analyze(padded, onKink, null));
        // both windows' common winner is h0 = x0 + x1; the map adds each window's bias after the max
        assertThat(paddedTie.certificate.a()[0]).containsExactly(2.0, 2.0);
        assertThat(paddedTie.certificate.b()[0]).isEqualTo(0.25);
    }

    @Test
    void certifyTakesWhatPolicedWrapReturnsAndRefusesAPlainBlock() {
        Random rnd = new Random(47);
        double[][] v = images(rnd, 3);
        VertexRegion region = VertexRegion.of(v);
        SequentialBlock dense = new SequentialBlock().add(Linear.builder().setUnits(8).build())
                .add(Activation::relu).add(Linear.builder().setUnits(2).build());
        SequentialBlock cnn = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build())
                .add(Activation::relu).add(Pool.maxPool2dBlock(new Shape(2, 2))).add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(2).build());
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Block mlp = Policed.wrap(dense, region, new Shape(64));
            mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
            Block conv = Policed.wrap(cnn, region, new Shape(1, 8, 8));
            conv.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
            assertThat(mlp).isInstanceOf(PolicedMlp.class);
            assertThat(conv).isInstanceOf(PolicedConvNet.class);
            Certificate m = Certify.policed(mlp);
            Certificate c = Certify.policed(conv);
            assertThat(m.certified()).isTrue();
            assertThat(c.certified()).isTrue();
            assertThat(m).isEqualTo(Certify.policed((PolicedMlp) mlp, Certify.Options.defaults()));
            assertThat(c).isEqualTo(Certify.policed((PolicedConvNet) conv, Certify.Options.defaults()));
            assertThat(c.interiorPoints()).isPositive();
        }
        assertThatThrownBy(() -> Certify.policed(dense))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ai.djl.nn.SequentialBlock")
                .hasMessageContaining("Policed.wrap")
                .hasMessageContaining("Certify.plain");
        assertThatThrownBy(() -> Certify.policed((Block) null)).hasMessageContaining("block: null");
    }

    @Test
    void largeNetworksCheckFewerInteriorPointsUnlessAskedFor() {
        Random rnd = new Random(53);
        FoldedNetwork wide = Nets.randomNet(rnd, Cpa.relu(), 64, new int[] {2048, 2048}, 2);
        long cost = Deviation.cost(wide);
        assertThat(cost).isEqualTo(64L * 2048 + 2048 + 2048L * 2048 + 2048 + 2048L * 2);
        Certify.Options defaults = Certify.Options.defaults();
        assertThat(defaults.samplesFor(wide)).isEqualTo((int) Math.max(Certify.Options.MIN_INTERIOR_SAMPLES,
                Certify.Options.INTERIOR_BUDGET / cost)).isLessThan(1000);
        assertThat(defaults.optInteriorSamples(1000).samplesFor(wide)).isEqualTo(1000);
        FoldedNetwork small = Nets.randomNet(rnd, Cpa.relu(), 4, new int[] {16}, 2);
        assertThat(defaults.samplesFor(small)).isEqualTo(1000);
        assertThat(defaults.optInteriorSamples(3).samplesFor(small)).isEqualTo(3);
    }
}
