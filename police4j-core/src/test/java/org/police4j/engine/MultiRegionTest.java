package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * Two separated regions whose target slopes differ: each must get its own affine map. A shared
 * sign for all regions would make the network affine on the hull of their union, forcing one map
 * on both and a large error on at least one.
 */
class MultiRegionTest {

    static final VertexRegion LEFT =
            VertexRegion.of("left", new double[][] {{-3, -1}, {-1, -1}, {-2, 1}});
    static final VertexRegion RIGHT =
            VertexRegion.of("right", new double[][] {{1, -1}, {3, -1}, {2, 1}});

    /** Slope -2 in x on the left, -1 on the right, plus 0.5 y everywhere. */
    static double target(double x, double y) {
        return (x < 0 ? -2 * x : -x) + 0.5 * y;
    }

    @Test
    void eachRegionGetsItsOwnCertifiedAffineMap(@TempDir Path tmp) throws Exception {
        int n = 20;
        double[][] x = new double[n * n][];
        double[][] y = new double[n * n][1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double a = -4 + 8.0 * i / (n - 1);
                double b = -2 + 4.0 * j / (n - 1);
                x[i * n + j] = new double[] {a, b};
                y[i * n + j][0] = target(a, b);
            }
        }
        try (Model model = Model.newInstance("multi");
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block =
                    PolicedMlp.builder().setRegions(List.of(LEFT, RIGHT)).setHidden(32, 32).setOutputs(1).build();
            model.setBlock(block);
            Fit.create()
                    .fit(model, Nets.matrix(data, x), Nets.matrix(data, y),
                            TrainingSettings.paper(300, 1e-2, 0, 3, 0.3, LossKind.MSE, 3));
            List<Certificate> certs = Certify.perRegion(block, Certify.Options.defaults().optInteriorSamples(200).optSeed(1));
            assertThat(certs).hasSize(2).allMatch(Certificate::certified);
            double[] left = certs.get(0).a()[0];
            double[] right = certs.get(1).a()[0];
            System.out.printf(
                    "multi-region: left map slope (%.3f, %.3f), right map slope (%.3f, %.3f); targets (-2, 0.5) and (-1, 0.5)%n",
                    left[0], left[1], right[0], right[1]);
            assertThat(left[0]).isBetween(-2.4, -1.6);
            assertThat(right[0]).isBetween(-1.4, -0.6);
            assertThat(left[1]).isBetween(0.3, 0.7);
            assertThat(right[1]).isBetween(0.3, 0.7);

            // save/load keeps both regions and the outputs bit for bit
            ModelIo.save(block, tmp.resolve("m"), null);
            PolicedMlp loaded = ModelIo.load(tmp.resolve("m"), data).block();
            assertThat(loaded.regions()).containsExactly(LEFT, RIGHT);
            ParameterStore ps = new ParameterStore(data, false);
            var in = Nets.matrix(data, x);
            assertThat(loaded.forward(ps, new NDList(in), false).head().toFloatArray())
                    .isEqualTo(block.forward(ps, new NDList(in), false).head().toFloatArray());
        }
    }

    @Test
    void supportRegionsRoundTripThroughModelFiles(@TempDir Path tmp) throws Exception {
        Region box = Box.of(new double[] {0, 1, 2}, new double[] {0.5, 0.25, 1});
        // the model stays open (and referenced) while its parameters are used: DJL's Model closes
        // its manager, and with it the parameters, when the garbage collector finalises it
        try (NDManager manager = NDManager.newBaseManager(); Model model = Model.newInstance("b")) {
            PolicedMlp block =
                    PolicedMlp.builder().setRegion(box).setHidden(8).setOutputs(1).optSignRule(SignRule.CENTER).build();
            Fit.initialize(block, model, 4);
            ModelIo.save(block, tmp.resolve("b"), null);
            PolicedMlp loaded = ModelIo.load(tmp.resolve("b"), manager).block();
            assertThat(loaded.regions()).containsExactly(box);
            assertThat(loaded.engine().rule()).isEqualTo(SignRule.CENTER);
            assertThat(Certify.policed(loaded, Certify.Options.defaults().optInteriorSamples(50).optSeed(2)).certified()).isTrue();
        }
    }
}
