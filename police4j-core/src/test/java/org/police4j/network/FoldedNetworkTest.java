package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.certify.Certify;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.GlobalAvgPool;
import org.police4j.network.Layer.AvgPool;
import org.police4j.network.Layer.MaxPool;
import org.police4j.engine.Cpa;
import org.police4j.engine.PoolWindows;
import org.police4j.region.Box;
import org.police4j.region.VertexRegion;

/**
 * The one folded network type, on hand-built networks with every layer kind: the DJL export, the
 * double, the rigorous double and the exact evaluations and the dense unrolling all compute the
 * same function, and the certificate reads it for MLP and CNN alike.
 */
public class FoldedNetworkTest {

    private static final Cpa LEAKY = Cpa.leakyRelu(0.125);

    /** (1, 4, 4) -> conv 2x3x3 pad 1 -> pool 2 -> act -> flatten -> dense 8->3 -> act -> dense 3->2. */
    static FoldedNetwork pooledCnn(Random rnd) {
        return new FoldedNetwork(new Shape(1, 4, 4), List.of(
                new Conv(1, 4, 4, 2, 3, 3, 1, 1, 1, floats(rnd, 18), floats(rnd, 32)),
                new MaxPool(2, 4, 4, 2, 2),
                new Activation(LEAKY),
                new Flatten(2, 2, 2),
                dense(rnd, 8, 3),
                new Activation(LEAKY),
                dense(rnd, 3, 2)));
    }

    /** (2, 4, 4) -> conv 3x2x2 stride 2 -> channel affine -> act -> average pool (area 4) -> dense 3->2. */
    static FoldedNetwork averagedCnn(Random rnd) {
        return new FoldedNetwork(new Shape(2, 4, 4), List.of(
                new Conv(2, 4, 4, 3, 2, 2, 2, 0, 0, floats(rnd, 24), floats(rnd, 12)),
                new ChannelAffine(3, 4, new float[] {0.5f, -1.25f, 2f}, new float[] {0.25f, 0f, -0.5f}),
                new Activation(Cpa.abs()),
                new GlobalAvgPool(3, 2, 2),
                dense(rnd, 3, 2)));
    }

    /**
     * (2, 6, 6) -> conv 4 filters 2x2, padding 1, dilation 2, 2 groups -> max-pool 3 stride 2
     * padding 1 with a bias after the max -> act -> average pool 2 stride 2 padding 1, ceil mode ->
     * flatten -> dense 16->2. Public: the certificate's tests use it too.
     *
     * @param rnd the source of the parameters
     * @return the network
     */
    public static FoldedNetwork windowedCnn(Random rnd) {
        return new FoldedNetwork(new Shape(2, 6, 6), List.of(
                new Conv(2, 6, 6, 4, 2, 2, 1, 1, 1, 1, 2, 2, 2, floats(rnd, 16), floats(rnd, 144)),
                new MaxPool(4, 6, 6, 3, 3, 2, 2, 1, 1, floats(rnd, 36)),
                new Activation(LEAKY),
                new AvgPool(new PoolWindows(4, 3, 3, 2, 2, 2, 2, 1, 1, true), true),
                new Flatten(4, 2, 2),
                dense(rnd, 16, 2)));
    }

    @Test
    void theGradientIsTheSlopeOfThePieceEveryLayerKindIncluded() {
        // piecewise linear: a central difference with a step far below the distance to the next
        // kink is the slope, up to rounding
        Random rnd = new Random(11);
        for (FoldedNetwork net : List.of(pooledCnn(rnd), averagedCnn(rnd), windowedCnn(rnd))) {
            assertGradientIsTheSlope(net, rnd);
        }
    }

    /** At 4 random points, the gradient of {@code 0.75 y_0 - 1.5 y_1} is the central difference's slope. */
    static void assertGradientIsTheSlope(FoldedNetwork net, Random rnd) {
        int d = net.inputDimension();
        double[] weights = {0.75, -1.5};
        for (double[] x : points(rnd, 4, d, 1)) {
            DoubleEval.ValueAndGradient r = DoubleEval.gradient(net, x, weights);
            assertThat(r.outputs()).containsExactly(DoubleEval.evaluate(net, x));
            double h = 1e-7;
            for (int i = 0; i < d; i++) {
                double[] up = x.clone();
                double[] down = x.clone();
                up[i] += h;
                down[i] -= h;
                double slope = (dot(weights, DoubleEval.evaluate(net, up)) - dot(weights, DoubleEval.evaluate(net, down))) / (2 * h);
                assertThat(r.gradient()[i]).as("coordinate " + i).isCloseTo(slope, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void theDjlBlockComputesWhatTheDoubleEvaluationComputes() {
        Random rnd = new Random(3);
        for (FoldedNetwork net : List.of(pooledCnn(rnd), windowedCnn(rnd))) {
            theDjlBlockComputes(net, rnd);
        }
    }

    private static void theDjlBlockComputes(FoldedNetwork net, Random rnd) {
        int d = net.inputDimension();
        double[][] xs = points(rnd, 5, d, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock block = net.block(manager);
            float[] flat = new float[5 * d];
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < d; j++) {
                    flat[i * d + j] = (float) xs[i][j];
                }
            }
            NDArray x = manager.create(flat, new Shape(5, d));
            float[] y = block.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
            for (int i = 0; i < 5; i++) {
                double[] expected = net.evaluate(xs[i]);
                for (int k = 0; k < 2; k++) {
                    assertThat((double) y[i * 2 + k]).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
    }

    @Test
    void exactAndRigorousPatternsAgreeWithTheDoubleEvaluation() {
        Random rnd = new Random(5);
        FoldedNetwork convNoPool = new FoldedNetwork(new Shape(1, 4, 4), List.of(
                new Conv(1, 4, 4, 2, 3, 3, 1, 1, 1, floats(rnd, 18), floats(rnd, 32)),
                new Activation(LEAKY),
                new Flatten(2, 4, 4),
                dense(rnd, 32, 2)));
        ExactEval exact = new ExactEval(convNoPool);
        BoundedEval bounded = new BoundedEval(convNoPool);
        assertThat(bounded.supported()).isTrue();
        assertThat(new BoundedEval(pooledCnn(rnd)).supported()).as("max-pool is bounded too").isTrue();
        for (double[] x : points(rnd, 20, 16, 1)) {
            Pattern e = exact.pattern(x);
            Pattern b = bounded.pattern(x);
            double[] pre = convNoPool.preActivations(x).get(0);
            assertThat(b).isNotNull();
            assertThat(b.sign[0]).isEqualTo(e.sign[0]);
            for (int u = 0; u < pre.length; u++) {
                assertThat(e.pre[0][u]).isCloseTo(pre[u], org.assertj.core.data.Offset.offset(1e-12));
                assertThat((int) e.sign[0][u]).isEqualTo((int) Math.signum(pre[u]));
            }
        }
    }

    @Test
    void theDenseFormComputesTheSameFunction() {
        Random rnd = new Random(7);
        FoldedNetwork net = averagedCnn(rnd);
        FoldedNetwork dense = DenseForm.of(net);
        assertThat(dense.layers()).allMatch(l -> l instanceof Dense || l instanceof Activation);
        assertThat(dense.isDense()).as("the channel map stays its own dense layer: nothing is rounded").isFalse();
        for (double[] x : points(rnd, 10, 32, 1)) {
            double[] a = net.evaluate(x);
            double[] b = dense.evaluate(x);
            for (int k = 0; k < a.length; k++) {
                assertThat(b[k]).isCloseTo(a[k], org.assertj.core.data.Offset.offset(1e-12));
            }
        }
        assertThatThrownBy(() -> DenseForm.of(pooledCnn(rnd))).hasMessageContaining("max-pool");
        FoldedNetwork plainCnn = new FoldedNetwork(new Shape(1, 4, 4), List.of(
                new Conv(1, 4, 4, 2, 2, 2, 2, 0, 0, floats(rnd, 8), floats(rnd, 8)),
                new Activation(LEAKY),
                new GlobalAvgPool(2, 2, 2),
                dense(rnd, 2, 1)));
        assertThat(DenseForm.of(plainCnn).isDense()).isTrue();
    }

    /**
     * Every layer kind through the exact map: on a tiny box around a point no unit and no window
     * changes, so the certificate holds and its map reproduces the network; a large region bends.
     */
    @Test
    void theCertificateReadsEveryLayerKind() {
        Random rnd = new Random(11);
        for (FoldedNetwork net : List.of(pooledCnn(rnd), averagedCnn(rnd), windowedCnn(rnd))) {
            int d = net.inputDimension();
            double[] c = points(rnd, 1, d, 1)[0];
            double[][] vertices = new double[d + 1][];
            for (int i = 0; i <= d; i++) {
                vertices[i] = c.clone();
                if (i < d) {
                    vertices[i][i] += 1e-7;
                }
            }
            double[][] inside = {c};
            Certificate tiny = Certifier.certify(net, vertices, inside);
            assertThat(tiny.kind()).isEqualTo(Certificate.Kind.EXACT_VERTICES);
            assertThat(tiny.certified()).as(tiny.summary()).isTrue();
            assertThat(tiny.hiddenLayers()).isEqualTo(net.hiddenLayers());
            assertThat(tiny.vertexDeviation()).isLessThan(1e-9);
            Certificate exactOnly = Certifier.builder().optFastPath(false).optParallel(false).build().run(net, vertices, inside);
            assertThat(exactOnly.a()).isEqualTo(tiny.a());
            assertThat(exactOnly.b()).isEqualTo(tiny.b());

            Certificate wide = Certifier.certify(net, points(rnd, 40, d, 3), null);
            assertThat(wide.certified()).isFalse();
            assertThat(wide.summary()).contains("NOT CERTIFIED").contains("majority");
        }
    }

    @Test
    void aSupportCertificateSaysWhatItIs() {
        Random rnd = new Random(13);
        List<Dense> hidden = new ArrayList<>();
        hidden.add(dense(rnd, 20, 6));
        FoldedNetwork mlp = FoldedNetwork.mlp(hidden, dense(rnd, 6, 1), Cpa.relu());
        double[] c = points(rnd, 1, 20, 1)[0];
        Certificate small = Certify.of(mlp, Box.linf(c, 1e-9));
        assertThat(small.kind()).isEqualTo(Certificate.Kind.SUPPORT_BOUND);
        assertThat(small.certified()).isTrue();
        assertThat(small.summary()).contains("support").doesNotContain("at the vertices");
        Certificate large = Certify.of(mlp, Box.linf(c, 10));
        assertThat(large.certified()).isFalse();
        assertThat(large.summary()).contains("could not be proved").contains("centre");
        Certificate vertices = Certify.of(mlp, VertexRegion.of(new double[][] {c, c.clone()}));
        assertThat(vertices.kind()).isEqualTo(Certificate.Kind.EXACT_VERTICES);
        assertThat(vertices.toMap()).containsEntry("kind", "EXACT_VERTICES");
        assertThat(vertices.interiorPoints()).isEqualTo(Certify.Options.defaults().interiorSamples());
        Certify.Options seven = Certify.Options.defaults().optInteriorSamples(7).optSeed(3);
        assertThat(Certify.of(mlp, Box.linf(c, 1e-9), seven).interiorPoints()).isEqualTo(7);
        assertThatThrownBy(() -> Certify.Options.defaults().optInteriorSamples(-1))
                .hasMessageContaining("interiorSamples: -1, expected at least 0");
    }

    @Test
    void layersThatDoNotFitAreRefusedNamingTheLayer() {
        Random rnd = new Random(17);
        assertThatThrownBy(() -> new FoldedNetwork(new Shape(5), List.of(dense(rnd, 4, 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0 (Dense) reads 4 values, expected 5");
        assertThatThrownBy(() -> new FoldedNetwork(new Shape(4), List.of()))
                .hasMessageContaining("layers: none");
        assertThatThrownBy(() -> new Conv(1, 2, 2, 1, 3, 3, 1, 0, 0, new float[9], new float[1]))
                .hasMessageContaining("kernel within the padded input");
        assertThatThrownBy(() -> pooledCnn(rnd).hidden()).isInstanceOf(IllegalStateException.class);
    }

    static Dense dense(Random rnd, int in, int out) {
        float[][] w = new float[out][];
        for (int k = 0; k < out; k++) {
            w[k] = floats(rnd, in);
        }
        return new Dense(w, floats(rnd, out));
    }

    static float[] floats(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        return f;
    }

    static double[][] points(Random rnd, int p, int d, double scale) {
        double[][] x = new double[p][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextGaussian() * scale;
            }
        }
        return x;
    }
}
