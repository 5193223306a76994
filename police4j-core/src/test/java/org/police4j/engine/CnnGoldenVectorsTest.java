package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.CnnGoldenCase;
import org.police4j.testing.Nets;
import org.police4j.testing.TestResources;

/**
 * The CNN golden vectors: every {@code *.json} in the test resources' {@code golden/cnn/} folder
 * (format and generator: its README.md and generate.py, an independent float64 numpy reference),
 * through a {@link PolicedConvNet} with the paper's majority rule, margin 0, no rounding guard and
 * vertex rows: tiling and overlapping padded max-pools, residual units (graph stages). Signs must
 * match exactly; pool shifts, shifts, outputs, vertex outputs, the loss and every parameter's
 * gradient to a relative 1e-4 plus an absolute 1e-5, as the dense golden vectors.
 */
class CnnGoldenVectorsTest {

    @TestFactory
    Stream<DynamicTest> everyCnnGoldenCase() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(TestResources.dir("golden/cnn"))) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).as("CNN golden cases").hasSizeGreaterThanOrEqualTo(7);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    static void check(Path file) throws IOException {
        CnnGoldenCase c = CnnGoldenCase.read(file);
        int[] in = c.inputShape();
        PolicedConvNet.Builder builder = PolicedConvNet.builder().setInput(in[0], in[1], in[2]);
        for (Stage stage : c.stages()) {
            builder.add(stage);
        }
        PolicedConvNet net = builder.outputs(c.outputs())
                .optActivation(c.activation())
                .setRegion(VertexRegion.of(c.name(), c.vertices()))
                .optMargin(0)
                .optRoundingGuard(false)
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, new Shape(1, in[0], in[1], in[2]));
            List<String> names = net.parameterNames().stream()
                    .filter(n -> n.endsWith(".weight") || n.endsWith(".bias"))
                    .toList();
            assertThat(names).as("%s: parameters", c.name()).hasSize(c.parameters().size());
            for (int i = 0; i < names.size(); i++) {
                NDArray p = net.parameter(names.get(i));
                double[] value = c.parameters().get(i);
                assertThat(p.size()).as("%s: size of %s", c.name(), names.get(i)).isEqualTo(value.length);
                p.set(toFloats(value));
                p.setRequiresGradient(true);
            }
            NDArray x = Nets.matrix(manager, c.inputs());
            PolicedNetwork.Trace trace;
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                trace = net.forwardWithTrace(new ParameterStore(manager, false), x, true);
                NDArray lossArray = trace.outputs().square().mean();
                gc.backward(lossArray);
                loss = lossArray.getFloat();
            }
            GoldenVectorsTest.Errors err = new GoldenVectorsTest.Errors(c.name());
            assertThat(trace.layers()).as("%s: layers of units", c.name()).hasSize(c.units().size());
            int signs = 0;
            for (int l = 0; l < c.units().size(); l++) {
                CnnGoldenCase.Unit expected = c.units().get(l);
                PolicedNetwork.LayerTrace got = trace.layers().get(l);
                if (expected.signs() == null) {
                    assertThat(got.signs()).as("%s: signs of linear layer %d", c.name(), l).isNull();
                } else {
                    float[] s = got.signs().toFloatArray();
                    assertThat(s.length).as("%s: units of layer %d", c.name(), l).isEqualTo(expected.signs().length);
                    for (int k = 0; k < s.length; k++) {
                        assertThat((double) s[k]).as("%s: sign of layer %d unit %d", c.name(), l, k)
                                .isEqualTo(expected.signs()[k]);
                    }
                    signs += s.length;
                }
                err.compare("shift[" + l + "]", got.shift().toFloatArray(), expected.shift());
                if (expected.poolShift() == null) {
                    assertThat(got.poolShift()).as("%s: pool shift of layer %d", c.name(), l).isNull();
                } else {
                    err.compare("pool shift[" + l + "]", got.poolShift().toFloatArray(), expected.poolShift());
                }
            }
            err.compare("outputs", trace.outputs().toFloatArray(), GoldenVectorsTest.flat(c.outputsExpected()));
            err.compare("vertex_outputs", trace.vertexOutputs().toFloatArray(), GoldenVectorsTest.flat(c.vertexOutputs()));
            err.compare("loss", new float[] {loss}, new double[] {c.loss()});
            for (int i = 0; i < names.size(); i++) {
                err.compare("grad " + names.get(i), net.parameter(names.get(i)).getGradient().toFloatArray(),
                        c.grads().get(i));
            }
            System.out.printf(Locale.ROOT,
                    "golden %-26s P=%-2d D=%-3d unit layers=%d signs=%-4d params=%-2d %-10s OK (worst relative error %.2e in %s)%n",
                    c.name(), c.vertices().length, c.vertices()[0].length, c.units().size(), signs, names.size(),
                    c.activation().id(), err.worst, err.worstWhat);
        }
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
