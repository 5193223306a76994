package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.engine.Cpa;
import org.police4j.fold.Fold;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.ModelIo;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.Nets;

/**
 * The guarantee itself, over random networks and regions: P even and odd (ties) and P = 1,
 * widths 1..64, depth 1..5, all three activations, training and inference mode.
 */
class PolicedMlpProperties {

    static final AtomicInteger CASES = new AtomicInteger();

    /** One random case: the architecture, the region and the seeds. */
    record Case(int d, int p, int[] hidden, int outputs, Cpa activation, long seed) {}

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Integer> d = Arbitraries.integers().between(1, 4);
        Arbitrary<Integer> p = Arbitraries.integers().between(1, 10);
        Arbitrary<int[]> hidden =
                Arbitraries.integers().between(1, 64).array(int[].class).ofMinSize(1).ofMaxSize(5);
        Arbitrary<Integer> outputs = Arbitraries.integers().between(1, 3);
        Arbitrary<Cpa> act =
                Arbitraries.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.leakyRelu(0.2), Cpa.abs());
        Arbitrary<Long> seed = Arbitraries.longs().between(0, 1_000_000);
        return Combinators.combine(d, p, hidden, outputs, act, seed).as(Case::new);
    }

    static VertexRegion region(Case c) {
        Random rng = new Random(c.seed());
        double[][] v = new double[c.p()][c.d()];
        for (double[] row : v) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 2 * rng.nextGaussian();
            }
        }
        return VertexRegion.of("random", v);
    }

    @Property(tries = 150, seed = "20231127")
    void affineOnTheRegionAfterEveryForward(@ForAll("cases") Case c) throws Exception {
        CASES.incrementAndGet();
        VertexRegion region = region(c);
        Random rng = new Random(c.seed() + 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block =
                    PolicedMlp.builder()
                            .setHidden(c.hidden())
                            .setOutputs(c.outputs())
                            .optActivation(c.activation())
                            .setRegion(region)
                            .build();
            Engine.getInstance().setRandomSeed((int) c.seed());
            block.initialize(manager, DataType.FLOAT32, new Shape(1, c.d()));
            double[][] interior = region.sample(32, rng);
            double[][] weights = Barycentric.lambdas(interior.length, c.p(), rng);
            double[][] points = Barycentric.combine(weights, region.vertices());
            NDArray x = Nets.matrix(manager, points);
            ParameterStore ps = new ParameterStore(manager, false);
            for (boolean training : new boolean[] {true, false}) {
                PolicedNetwork.Trace t = block.forwardWithTrace(ps, x, training);
                for (int l = 0; l < t.vertexPreActivations().size(); l++) {
                    Barycentric.assertNoStraddle(Nets.rows(t.vertexPreActivations().get(l)), l, c);
                }
                Barycentric.assertInterpolates(Nets.rows(t.outputs()), Nets.rows(t.vertexOutputs()), weights, c);
            }
            float[] constrained = block.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] folded = Fold.block(block, manager).forward(ps, new NDList(x), false).head().toFloatArray();
            assertNormwiseClose(folded, constrained, 1e-6, c);
            Path dir = Files.createTempDirectory("police4j-prop");
            try {
                ModelIo.save(block, dir.resolve("m"), null);
                PolicedMlp loaded = ModelIo.load(dir.resolve("m"), manager).block();
                float[] again = loaded.forward(ps, new NDList(x), false).head().toFloatArray();
                assertThat(again).as("save/load of %s", c).isEqualTo(constrained);
            } finally {
                AtomicDirectory.deleteTree(dir);
            }
            Certificate cert = Certifier.certify(Fold.weights(block), region.vertices(), interior);
            assertThat(cert.certified()).as("certificate of %s: %s", c, cert.summary()).isTrue();
            assertThat(cert.interiorDeviation()).isLessThan(1e-6 * (1 + maxAbs(constrained)));
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("property cases run (affine on R after every forward): " + CASES.get());
    }

    static void assertNormwiseClose(float[] a, float[] e, double rel, Case c) {
        double worst = 0;
        double scale = 1e-30;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        assertThat(worst / scale).as("fold of %s", c).isLessThanOrEqualTo(rel);
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
