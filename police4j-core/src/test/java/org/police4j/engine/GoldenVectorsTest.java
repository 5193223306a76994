package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.police4j.nn.PolicedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.testing.GoldenCase;
import org.police4j.testing.Nets;
import org.police4j.testing.TestResources;

/**
 * The golden vectors: every {@code *.json} in the test resources' {@code golden/} folder (format:
 * its README.md), plus every one in the folder named by {@code -Dpolice.golden.dir} (a relative
 * folder is taken from the project root, {@code police.root.dir}), through the constrained forward and backward with
 * the paper's rule (margin 0), both with vertex rows and with affine-map tracking. Signs must match exactly; shifts, outputs, the loss and every
 * gradient to a relative 1e-4 plus an absolute 1e-5.
 */
class GoldenVectorsTest {

    static final double REL = 1e-4;
    static final double ABS = 1e-5;

    static List<Path> caseFiles() throws IOException {
        List<Path> files = new ArrayList<>(jsonIn(TestResources.dir("golden")));
        String extra = System.getProperty("police.golden.dir", "");
        if (!extra.isBlank()) {
            Path dir = Paths.get(extra);
            String root = System.getProperty("police.root.dir", "");
            if (!dir.isAbsolute() && !root.isBlank()) {
                dir = Paths.get(root).resolve(dir); // relative to where mvn ran, not the module
            }
            assertThat(dir).as("police.golden.dir").isDirectory();
            files.addAll(jsonIn(dir));
        }
        return files;
    }

    private static List<Path> jsonIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenCase() throws IOException {
        List<Path> files = caseFiles();
        assertThat(files).as("golden cases").hasSizeGreaterThanOrEqualTo(9);
        return files.stream()
                .flatMap(
                        f ->
                                Stream.of(Strategy.VERTEX_ROWS, Strategy.AFFINE_MAP)
                                        .map(
                                                s ->
                                                        DynamicTest.dynamicTest(
                                                                f.getFileName() + " " + s, () -> check(f, s))));
    }

    static void check(Path file, Strategy strategy) throws IOException {
        GoldenCase c = GoldenCase.read(file);
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = Nets.fromGolden(manager, c, 0.0, strategy);
            int layers = c.weights().size();
            for (int l = 0; l < layers; l++) {
                block.weight(l).setRequiresGradient(true);
                block.bias(l).setRequiresGradient(true);
            }
            NDArray x = Nets.matrix(manager, c.inputs());
            PolicedNetwork.Trace trace;
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                trace = block.forwardWithTrace(new ParameterStore(manager, false), x, true);
                NDArray lossArray = trace.outputs().square().mean();
                gc.backward(lossArray);
                loss = lossArray.getFloat();
            }
            Errors err = new Errors(c.name());
            for (int l = 0; l < layers - 1; l++) {
                float[] signs = trace.signs().get(l).toFloatArray();
                double[] expected = c.signs().get(l);
                for (int k = 0; k < signs.length; k++) {
                    assertThat((double) signs[k])
                            .as("%s: sign of layer %d unit %d", c.name(), l, k)
                            .isEqualTo(expected[k]);
                }
                err.compare("shift[" + l + "]", trace.shifts().get(l).toFloatArray(), c.shifts().get(l));
            }
            err.compare("outputs", trace.outputs().toFloatArray(), flat(c.outputs()));
            err.compare("vertex_outputs", trace.vertexOutputs().toFloatArray(), flat(c.vertexOutputs()));
            err.compare("loss", new float[] {loss}, new double[] {c.loss()});
            for (int l = 0; l < layers; l++) {
                err.compare("grad W" + l, block.weight(l).getGradient().toFloatArray(), flat(c.weightGrads().get(l)));
                err.compare("grad b" + l, block.bias(l).getGradient().toFloatArray(), c.biasGrads().get(l));
            }
            System.out.printf(
                    Locale.ROOT,
                    "golden %-24s %-11s P=%-3d D=%-3d layers=%d %-14s OK (worst relative error %.2e in %s)%n",
                    c.name(),
                    strategy,
                    c.vertices().length,
                    c.vertices()[0].length,
                    layers,
                    c.activation().id(),
                    err.worst,
                    err.worstWhat);
        }
    }

    static double[] flat(double[][] m) {
        return org.police4j.testing.Arrays2.flat(m);
    }

    /** Tracks the worst error while asserting each value. */
    static final class Errors {
        final String name;
        double worst;
        String worstWhat = "-";

        Errors(String name) {
            this.name = name;
        }

        void compare(String what, float[] actual, double[] expected) {
            assertThat(actual.length).as("%s: %s length", name, what).isEqualTo(expected.length);
            for (int i = 0; i < actual.length; i++) {
                double diff = Math.abs(actual[i] - expected[i]);
                assertThat(diff)
                        .as("%s: %s[%d] = %s, expected %s", name, what, i, actual[i], expected[i])
                        .isLessThanOrEqualTo(REL * Math.abs(expected[i]) + ABS);
                double rel = diff / Math.max(Math.abs(expected[i]), 1e-3);
                if (rel > worst) {
                    worst = rel;
                    worstWhat = what;
                }
            }
        }
    }
}
