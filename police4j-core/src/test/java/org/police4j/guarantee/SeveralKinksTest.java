package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.Cpa;
import org.police4j.engine.SignRule;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.ExactChecker;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * POLICEd MLPs with activations of several kinks (ReLU6, hard-tanh, a custom three-kink
 * function), trained a few steps at input scales 1 and 1000: after every step the fold is
 * certified exactly, the independent checker agrees, interior points match the barycentric
 * interpolation of the vertices' outputs and the folded network gives the network's outputs;
 * after training a save/load gives identical outputs.
 */
class SeveralKinksTest {

    /** Kinks -2, 0.5 and 3, slopes 0.25, 1, -0.5, 2 (not monotone, an intercept on every piece). */
    static final Cpa CUSTOM = Cpa.piecewise(new double[] {-2, 0.5, 3}, new double[] {0.25, 1, -0.5, 2}, -1);

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Cpa cpa : new Cpa[] {Cpa.relu6(), Cpa.hardTanh(), CUSTOM}) {
            for (double scale : new double[] {1, 1000}) {
                for (SignRule rule : SignRule.values()) {
                    out.add(Arguments.of(cpa, scale, rule));
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} at scale {1}, {2}")
    @MethodSource("cases")
    void trainedNetworkIsCertifiedAfterEveryStep(Cpa cpa, double scale, SignRule rule, @TempDir Path tmp) throws Exception {
        VertexRegion region = VertexRegion.of("triangle", new double[][] {
            {-1.5 * scale, -1.0 * scale}, {0.25 * scale, 2.0 * scale}, {1.75 * scale, -0.5 * scale}});
        try (Model model = Model.newInstance("kinks");
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder()
                    .setHidden(12, 12)
                    .setOutputs(2)
                    .optActivation(cpa)
                    .setRegion(region)
                    .optSignRule(rule)
                    .build();
            model.setBlock(block);
            Engine.getInstance().setRandomSeed(21);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 2));
            Random rng = new Random(5);
            double[][] xs = new double[64][2];
            double[][] ys = new double[64][2];
            for (int i = 0; i < xs.length; i++) {
                xs[i][0] = scale * 2 * rng.nextGaussian();
                xs[i][1] = scale * 2 * rng.nextGaussian();
                ys[i][0] = Math.sin(xs[i][0] / scale);
                ys[i][1] = Math.cos(xs[i][1] / scale);
            }
            NDArray x = matrix(data, xs);
            NDArray y = matrix(data, ys);
            int[] checked = {0};
            check(block, region, x, scale, "initial");
            TrainingSettings settings = new TrainingSettings(4, 0.05, 0, 0, 1, LossKind.MSE, 16, 3);
            Fit.create()
                    .optListener((step, loss, b) -> {
                        check(b, region, x, scale, "step " + step);
                        checked[0]++;
                    })
                    .fit(model, x, y, settings);
            assertThat(checked[0]).isEqualTo(4);

            Path dir = tmp.resolve("model");
            ModelIo.save(block, dir, null);
            ModelIo.Loaded loaded = ModelIo.load(dir, data);
            assertThat(loaded.block().activation()).isEqualTo(cpa);
            ParameterStore ps = new ParameterStore(data, false);
            float[] before = block.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] after = loaded.block().forward(ps, new NDList(x), false).head().toFloatArray();
            assertThat(after).isEqualTo(before);

            // DJL's own Model.save / Model.load: the record carries the activation (its kinks for
            // the general form); a block with another activation refuses the file
            model.save(tmp, "kinks");
            try (Model again = Model.newInstance("kinks")) {
                PolicedMlp twin = PolicedMlp.builder().setHidden(12, 12).setOutputs(2).optActivation(cpa)
                        .setRegion(region).optSignRule(rule).build();
                again.setBlock(twin);
                again.load(tmp, "kinks");
                assertThat(twin.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(before);
            }
            try (Model other = Model.newInstance("kinks")) {
                Cpa different = cpa.equals(CUSTOM) ? Cpa.piecewise(new double[] {-2, 0.5, 3}, new double[] {0.25, 1, -0.5, 3}, -1)
                        : Cpa.relu();
                other.setBlock(PolicedMlp.builder().setHidden(12, 12).setOutputs(2).optActivation(different)
                        .setRegion(region).optSignRule(rule).build());
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.load(tmp, "kinks"))
                        .hasMessageContaining(cpa.kind() == Cpa.Kind.PIECEWISE ? "cpa" : "activation");
            }
        }
    }

    /**
     * A box given by its support (tracked affine map, closed-form ranges, the support certificate)
     * with each activation, at scales 1 and 1000: the support certificate proves every unit in
     * one piece after every step, and the independent checker agrees on the box's corners.
     */
    @ParameterizedTest(name = "{0} on a box at scale {1}")
    @MethodSource("boxes")
    void boxRegionIsCertifiedAfterEveryStep(Cpa cpa, double scale) {
        org.police4j.region.Box box = org.police4j.region.Box.of(new double[] {0.5 * scale, -0.25 * scale, 0},
                new double[] {0.5 * scale, 0.25 * scale, 0.125 * scale});
        try (Model model = Model.newInstance("kinks-box");
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setHidden(10, 10).setOutputs(1).optActivation(cpa)
                    .setRegion(box).optSignRule(SignRule.MINIMAL_SHIFT).build();
            model.setBlock(block);
            Engine.getInstance().setRandomSeed(17);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3));
            Random rng = new Random(8);
            double[][] xs = new double[48][3];
            double[][] ys = new double[48][1];
            for (int i = 0; i < xs.length; i++) {
                for (int j = 0; j < 3; j++) {
                    xs[i][j] = scale * rng.nextGaussian();
                }
                ys[i][0] = Math.abs(xs[i][0] / scale) - xs[i][1] / scale;
            }
            int[] checked = {0};
            Fit.create()
                    .optListener((step, loss, b) -> {
                        Certificate c = Certify.policed(b, Certify.Options.defaults().optInteriorSamples(0));
                        assertThat(c.certified()).as("step " + step + ": " + c.summary()).isTrue();
                        ExactChecker.Result exact = ExactChecker.check(Fold.weights(b), box);
                        assertThat(exact.affine()).as("step " + step + ": " + exact).isTrue();
                        checked[0]++;
                    })
                    .fit(model, matrix(data, xs), matrix(data, ys), new TrainingSettings(3, 0.05, 0, 0, 1, LossKind.MSE, 16, 4));
            assertThat(checked[0]).isEqualTo(3);
        }
    }

    static List<Arguments> boxes() {
        List<Arguments> out = new ArrayList<>();
        for (Cpa cpa : new Cpa[] {Cpa.relu6(), Cpa.hardTanh(), CUSTOM}) {
            for (double scale : new double[] {1, 1000}) {
                out.add(Arguments.of(cpa, scale));
            }
        }
        return out;
    }

    private static void check(PolicedMlp block, VertexRegion region, NDArray x, double scale, String when) {
        FoldedNetwork folded = Fold.weights(block);
        assertThat(folded.activation()).isEqualTo(block.activation());
        ExactChecker.Result exact = ExactChecker.check(folded, region);
        assertThat(exact.affine()).as(when + ": independent checker: " + exact).isTrue();
        Certificate c = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(0));
        assertThat(c.certified()).as(when + ": " + c.summary()).isTrue();
        // interior points are the barycentric interpolation of the vertices' outputs
        double[][] vertexOut = new double[region.vertexCount()][];
        for (int p = 0; p < vertexOut.length; p++) {
            vertexOut[p] = folded.evaluate(region.vertices()[p]);
        }
        double[][] lambdas = Barycentric.lambdas(50, region.vertexCount(), new Random(9));
        double[][] points = Barycentric.combine(lambdas, region.vertices());
        double[][] out = new double[points.length][];
        for (int i = 0; i < points.length; i++) {
            out[i] = folded.evaluate(points[i]);
        }
        Barycentric.assertInterpolates(out, vertexOut, lambdas, when);
        // the folded network computes the POLICEd network's outputs on data
        try (NDManager m = x.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            float[] network = block.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] fold = Fold.block(block, m).forward(ps, new NDList(x), false).head().toFloatArray();
            for (int i = 0; i < network.length; i++) {
                assertThat((double) fold[i]).as(when + ": fold vs network, output " + i)
                        .isCloseTo(network[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(network[i]))));
            }
        }
    }

    private static NDArray matrix(NDManager manager, double[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                flat[i * m[0].length + j] = (float) m[i][j];
            }
        }
        return manager.create(flat, new Shape(m.length, m[0].length));
    }
}
