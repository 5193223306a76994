package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.Cpa;
import org.police4j.engine.CpaOps;
import org.police4j.engine.HostVertexRowsPass;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * The detached shift: the same constrained forward as the exact mode, and the gradient of the
 * folded network (the shift held constant), both when the region pass runs in Java (small
 * regions) and in the engine (large ones). The exact mode's gradient must differ, or the test
 * would not tell the two apart.
 */
class DetachedShiftTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // Java pass: P K K_prev small.
                Arguments.of(Regions.paperTriangle(), new int[] {16, 16, 16}, Cpa.leakyRelu(), true),
                Arguments.of(Regions.paperSquare(), new int[] {24, 24}, Cpa.relu(), true),
                Arguments.of(Regions.simplex(3), new int[] {12, 12, 12, 12}, Cpa.abs(), true),
                // Engine pass: 21 x 256 x 20 multiply-adds in the first layer.
                Arguments.of(Regions.simplex(20), new int[] {256, 64}, Cpa.leakyRelu(), false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void detachedForwardIsExactAndItsGradientIsTheFoldedNetworks(
            VertexRegion region, int[] hidden, Cpa activation, boolean java) {
        int[] widths = new int[hidden.length + 1];
        widths[0] = region.dimension();
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        assertThat(HostVertexRowsPass.fits(region.vertexCount(), widths)).isEqualTo(java);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            PolicedMlp detached = build(region, hidden, activation, true, manager);
            PolicedMlp exact = build(region, hidden, activation, false, manager);
            for (int l = 0; l < detached.layers().size(); l++) {
                exact.weight(l).set(detached.weight(l).toFloatArray());
                exact.bias(l).set(detached.bias(l).toFloatArray());
            }
            NDArray x = manager.randomNormal(0, 1, new Shape(64, region.dimension()), DataType.FLOAT32);
            NDArray upstream = manager.randomNormal(0, 1, new Shape(64, 2), DataType.FLOAT32);

            Run d = run(detached, x, upstream);
            Run e = run(exact, x, upstream);
            assertClose(d.output, e.output, 1e-5, "outputs, detached vs exact");

            // The folded network: biases b + c with c fixed, trained as a plain network.
            float[][] shifts = Fold.shifts(detached);
            int shifted = 0;
            for (float[] layer : shifts) {
                for (float c : layer) {
                    shifted += c != 0 ? 1 : 0;
                }
            }
            assertThat(shifted).as("units shifted at initialisation").isGreaterThan(0);
            Run folded = runFolded(detached, shifts, x, upstream, manager);
            assertClose(d.output, folded.output, 1e-5, "outputs, detached vs folded");
            for (int i = 0; i < d.gradients.size(); i++) {
                assertClose(d.gradients.get(i), folded.gradients.get(i), 1e-4, "gradient " + i + ", detached vs folded");
            }
            double exactDifference = 0;
            for (int i = 0; i < d.gradients.size(); i++) {
                exactDifference = Math.max(exactDifference, maxDifference(d.gradients.get(i), e.gradients.get(i)));
            }
            assertThat(exactDifference).as("the exact gradient also flows through the shift").isGreaterThan(1e-3);
        }
    }

    @Test
    void trainingDetachedKeepsTheCertificateAndTheModeIsSaved(@TempDir Path dir) throws Exception {
        double[][] points = new double[256][2];
        float[] x = new float[512];
        float[] y = new float[256];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 256; i++) {
            points[i][0] = random.nextDouble() * 4 - 2;
            points[i][1] = random.nextDouble() * 4 - 2;
            x[2 * i] = (float) points[i][0];
            x[2 * i + 1] = (float) points[i][1];
            y[i] = (float) Math.sin(2 * points[i][0]) * (float) Math.cos(points[i][1]);
        }
        PolicedMlp block = PolicedMlp.builder().setRegion(Regions.paperSquare()).setHidden(32, 32, 32).setOutputs(1)
                .optDetachedShift(true).build();
        try (Model model = Model.newInstance("detached"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(block);
            Fit.create().fit(model, m.create(x, new Shape(256, 2)), m.create(y, new Shape(256, 1)),
                    TrainingSettings.paper(150, 5e-3, 1e-5, 3, 0.3, LossKind.MSE, 11));
            Certificate certificate = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(200).optSeed(5));
            assertThat(certificate.certified()).as(certificate.summary()).isTrue();
            ModelIo.save(block, dir.resolve("model"), null);
            PolicedMlp loaded = ModelIo.load(dir.resolve("model"), m).block();
            assertThat(loaded.detachedShift()).isTrue();
        }
    }

    private static PolicedMlp build(VertexRegion region, int[] hidden, Cpa activation, boolean detached, NDManager m) {
        PolicedMlp block = PolicedMlp.builder().setRegion(region).setHidden(hidden).setOutputs(2)
                .optActivation(activation).optDetachedShift(detached).build();
        block.initialize(m, DataType.FLOAT32, new Shape(1, region.dimension()));
        return block;
    }

    private record Run(float[] output, List<float[]> gradients) {}

    private static Run run(PolicedMlp block, NDArray x, NDArray upstream) {
        List<NDArray> parameters = new ArrayList<>();
        for (int l = 0; l < block.layers().size(); l++) {
            parameters.add(block.weight(l));
            parameters.add(block.bias(l));
        }
        return differentiate(parameters, upstream,
                () -> block.forward(new ParameterStore(x.getManager(), false), new NDList(x), true).head());
    }

    private static Run runFolded(PolicedMlp block, float[][] shifts, NDArray x, NDArray upstream, NDManager m) {
        List<NDArray> parameters = new ArrayList<>();
        int hidden = block.layers().size() - 1;
        for (int l = 0; l <= hidden; l++) {
            NDArray w = m.create(block.weight(l).toFloatArray(), block.weight(l).getShape());
            float[] b = block.bias(l).toFloatArray();
            if (l < hidden) {
                for (int k = 0; k < b.length; k++) {
                    b[k] += shifts[l][k];
                }
            }
            parameters.add(w);
            parameters.add(m.create(b));
        }
        return differentiate(parameters, upstream, () -> {
            NDArray z = x;
            for (int l = 0; l < hidden; l++) {
                z = CpaOps.apply(block.activation(),
                        Linear.linear(z, parameters.get(2 * l), parameters.get(2 * l + 1)).head());
            }
            return Linear.linear(z, parameters.get(2 * hidden), parameters.get(2 * hidden + 1)).head();
        });
    }

    /** Outputs, and the gradients of {@code sum(outputs * upstream)} for every parameter. */
    private static Run differentiate(List<NDArray> parameters, NDArray upstream, Supplier<NDArray> forward) {
        for (NDArray p : parameters) {
            p.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray out = forward.get();
            gc.backward(out.mul(upstream).sum());
            List<float[]> gradients = new ArrayList<>();
            for (NDArray p : parameters) {
                gradients.add(p.getGradient().toFloatArray());
            }
            return new Run(out.toFloatArray(), gradients);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static void assertClose(float[] actual, float[] expected, double tolerance, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(maxDifference(actual, expected)).as(what).isLessThanOrEqualTo(tolerance * Math.max(1, scale));
    }
}
