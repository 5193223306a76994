package org.police4j.conv;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.police4j.nn.PolicedNetwork;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.engine.Cpa;
import org.police4j.io.AtomicDirectory;
import org.police4j.network.DenseForm;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.engine.Cpa;
import org.police4j.io.ModelIo;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.Nets;
import org.police4j.testing.UnitRanges;

/**
 * The guarantee over random small CNNs: 1x6x6 or 2x5x5 inputs, one or two convs of 2..4
 * channels, optional 2x2 max-pool, optional batch-norm, flatten or global average pool, a dense
 * layer, P = 1..6 vertices (even P included), training and inference mode.
 */
class PolicedConvNetProperties {

    static final AtomicInteger CASES = new AtomicInteger();
    static final AtomicInteger POOLED = new AtomicInteger();
    static final AtomicInteger BROKEN = new AtomicInteger();
    static final AtomicInteger DENSE_CERTIFIER = new AtomicInteger();
    static double worstFold;

    record Case(
            boolean twoChannels, int convs, int channels, boolean pool, boolean batchNorm, boolean gap,
            int dense, int outputs, int p, int act, long seed) {}

    @Provide
    Arbitrary<Case> cases() {
        return Combinators.combine(
                        Arbitraries.of(true, false),
                        Arbitraries.integers().between(1, 2),
                        Arbitraries.integers().between(2, 4),
                        Arbitraries.of(true, false),
                        Arbitraries.of(true, false),
                        Arbitraries.of(true, false),
                        Arbitraries.integers().between(2, 8),
                        Arbitraries.integers().between(1, 3))
                .flatAs((a, b, c, d, e, f, g, h) -> Combinators.combine(
                                Arbitraries.integers().between(1, 6),
                                Arbitraries.integers().between(0, 2),
                                Arbitraries.longs().between(0, 1_000_000))
                        .as((p, act, seed) -> new Case(a, b, c, d, e, f, g, h, p, act, seed)));
    }

    static PolicedConvNet build(Case c, VertexRegion region) {
        Cpa act = c.act() == 0 ? Cpa.relu() : c.act() == 1 ? Cpa.leakyRelu() : c.pool() ? Cpa.leakyRelu(0.2) : Cpa.abs();
        PolicedConvNet.Builder b = PolicedConvNet.builder().optActivation(act).setRegion(region);
        if (c.twoChannels()) {
            b.setInput(2, 5, 5).conv(c.channels(), 3, 1, 1); // -> 5x5
        } else {
            b.setInput(1, 6, 6).conv(c.channels(), 3); // -> 4x4
        }
        if (c.batchNorm()) {
            b.batchNorm();
        }
        if (c.pool()) {
            b.maxPool(2, 2); // -> 2x2
        }
        if (c.convs() == 2) {
            b.conv(c.channels() + 1, 2); // -> 4x4/3x3 or 1x1
        }
        if (c.gap()) {
            b.globalAvgPool();
        } else {
            b.flatten();
        }
        return b.dense(c.dense()).outputs(c.outputs()).build();
    }

    static VertexRegion region(Case c, int d) {
        Random rng = new Random(c.seed());
        double[][] v = new double[c.p()][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        return VertexRegion.of("random", v);
    }

    @Property(tries = 40, seed = "20231127")
    void affineOnTheRegionAfterEveryForward(@ForAll("cases") Case c) throws Exception {
        CASES.incrementAndGet();
        int d = c.twoChannels() ? 50 : 36;
        VertexRegion region = region(c, d);
        Random rng = new Random(c.seed() + 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = build(c, region);
            Engine.getInstance().setRandomSeed((int) c.seed());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, d));
            double[][] weights = Barycentric.lambdas(24, region.vertexCount(), rng);
            double[][] points = Barycentric.combine(weights, region.vertices());
            NDArray x = Nets.matrix(manager, points);
            ParameterStore ps = new ParameterStore(manager, false);
            for (boolean training : new boolean[] {true, false}) {
                PolicedNetwork.Trace t = net.forwardWithTrace(ps, x, training);
                for (int l = 0; l < t.layers().size(); l++) {
                    PolicedNetwork.LayerTrace lt = t.layers().get(l);
                    Barycentric.assertNoStraddle(Nets.rows(lt.vertexPreActivations()), l, c);
                    if (lt.vertexWindows() != null) {
                        POOLED.incrementAndGet();
                        assertOneWinner(lt.vertexWindows(), l, c);
                    }
                }
                Barycentric.assertInterpolates(Nets.rows(t.outputs()), Nets.rows(t.vertexOutputs()), weights, c);
            }
            float[] constrained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            FoldedNetwork folded = net.fold();
            SequentialBlock plain = folded.block(manager);
            float[] y = plain.forward(ps, new NDList(x), false).head().toFloatArray();
            assertNormwiseClose(y, constrained, 1e-6, c);

            Path dir = Files.createTempDirectory("police4j-conv-prop");
            try {
                ModelIo.save(net, dir.resolve("m"), null);
                PolicedConvNet loaded = ModelIo.load(dir.resolve("m"), manager).convNet();
                float[] again = loaded.forward(ps, new NDList(x), false).head().toFloatArray();
                assertThat(again).as("save/load of %s", c).isEqualTo(constrained);
            } finally {
                AtomicDirectory.deleteTree(dir);
            }

            double[][] interior = Barycentric.combine(Barycentric.lambdas(8, region.vertexCount(), rng), region.vertices());
            Certificate cert = Certifier.certify(folded, region.vertices(), interior);
            assertThat(cert.certified()).as("certificate of %s: %s", c, cert.summary()).isTrue();
            assertThat(cert.interiorDeviation()).as("map of %s", c).isLessThan(1e-6 * (1 + maxAbs(constrained)));
            if (!folded.hasMaxPool() && isPowerOfTwo(folded)) {
                // the dense unrolling is exact: the existing certifier must agree
                DENSE_CERTIFIER.incrementAndGet();
                Certificate dense = Certifier.certify(DenseForm.of(folded), region.vertices(), interior);
                assertThat(dense.certified()).as("dense certificate of %s", c).isTrue();
                assertThat(dense.unitsChecked()).isEqualTo(cert.unitsChecked());
            }
            assertBreakingIsRefused(folded, region, c);
        }
    }

    static boolean isPowerOfTwo(FoldedNetwork f) {
        for (Layer layer : f.layers()) {
            if (layer instanceof Layer.GlobalAvgPool g && Integer.bitCount(g.area()) != 1) {
                return false;
            }
        }
        return true;
    }

    /** Moves the bias of the first layer's widest unit to straddle the kink: must be refused. */
    static void assertBreakingIsRefused(FoldedNetwork folded, VertexRegion region, Case c) {
        if (region.vertexCount() < 2) {
            return;
        }
        Layer.Conv cv = (Layer.Conv) folded.layers().get(0);
        int pool = folded.layers().get(1) instanceof Layer.MaxPool p ? p.kernelH() : 0;
        int actH = pool == 0 ? cv.outH() : cv.outH() / pool;
        int actW = pool == 0 ? cv.outW() : cv.outW() / pool;
        int units = cv.outC() * actH * actW;
        UnitRanges r = UnitRanges.over(region.vertices(), units, v -> folded.preActivations(v).get(0));
        int widest = r.widest();
        if (r.hi[widest] - r.lo[widest] < 1e-3) {
            return;
        }
        float mid = (float) ((r.lo[widest] + r.hi[widest]) / 2);
        float[] bias = cv.bias().clone();
        int per = actH * actW;
        int o = widest / per;
        int a = (widest / actW) % actH;
        int b = widest % actW;
        int k = Math.max(1, pool);
        for (int i = a * k; i < a * k + k; i++) {
            for (int j = b * k; j < b * k + k; j++) {
                bias[(o * cv.outH() + i) * cv.outW() + j] -= mid;
            }
        }
        Certificate broken = Certifier.certify(folded.with(0, cv.withBias(bias)), region.vertices(), null);
        assertThat(broken.certified()).as("broken %s must be refused", c).isFalse();
        assertThat(broken.firstViolation().layer()).isZero();
        assertThat(broken.summary()).contains("NOT CERTIFIED");
        BROKEN.incrementAndGet();
    }

    @AfterContainer
    static void report() {
        System.out.printf(
                "conv property cases: %d (pooled layer checks %d, dense-certifier cross-checks %d, broken nets refused %d),"
                        + " worst fold error %.3g%n",
                CASES.get(), POOLED.get(), DENSE_CERTIFIER.get(), BROKEN.get(), worstFold);
    }

    /** (P, C, PH, PW, kk): some position is >= every other at every vertex, in every window. */
    static void assertOneWinner(NDArray windows, int layer, Object c) {
        Shape s = windows.getShape();
        int p = (int) s.get(0);
        int kk = (int) s.get(4);
        int count = (int) (s.size() / p / kk);
        float[] v = windows.toFloatArray();
        for (int win = 0; win < count; win++) {
            boolean found = false;
            for (int q = 0; q < kk && !found; q++) {
                boolean wins = true;
                for (int i = 0; i < p && wins; i++) {
                    for (int r = 0; r < kk; r++) {
                        if (v[(i * count + win) * kk + r] > v[(i * count + win) * kk + q]) {
                            wins = false;
                            break;
                        }
                    }
                }
                found = wins;
            }
            assertThat(found).as("layer %d window %d has no common winner in %s", layer, win, c).isTrue();
        }
    }

    static double normwise(float[] a, float[] e) {
        double worst = 0;
        double scale = 1e-30;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return worst / scale;
    }

    static void assertNormwiseClose(float[] a, float[] e, double rel, Object c) {
        double err = normwise(a, e);
        synchronized (PolicedConvNetProperties.class) {
            worstFold = Math.max(worstFold, err);
        }
        assertThat(err).as("fold of %s", c).isLessThanOrEqualTo(rel);
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
