package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.nn.PolicedNetwork;
import org.police4j.certify.Certify;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;
import org.police4j.testing.Nets;

/**
 * The engine's strategies and region kinds describe the same constraint: vertex rows vs affine-map
 * tracking (default margin, rounding guard off), and a box / l1 ball / zonotope by their support vs the same region by
 * its vertices. Same shifts, same outputs, same gradients.
 */
class StrategyEquivalenceTest {

    /** Forward + backward of mean(out^2); returns shifts, outputs and all gradients, flattened. */
    static List<float[]> run(Region region, Strategy strategy, SignRule rule, Cpa activation, long seed, double[][] data) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block =
                    PolicedMlp.builder()
                            .setRegion(region)
                            .setHidden(24, 16, 8)
                            .setOutputs(2)
                            .optActivation(activation)
                            .optSignRule(rule)
                            .optStrategy(strategy)
                            // the guard sizes margins from how the region is carried: compare
                            // the strategies on the fixed margin (RoundingGuardTest covers both)
                            .optRoundingGuard(false)
                            .build();
            Engine.getInstance().setRandomSeed((int) seed);
            block.initialize(manager, DataType.FLOAT32, new Shape(1, region.dimension()));
            for (int l = 0; l < block.layers().size(); l++) {
                block.weight(l).setRequiresGradient(true);
                block.bias(l).setRequiresGradient(true);
            }
            NDArray x = Nets.matrix(manager, data);
            List<float[]> out = new ArrayList<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                PolicedNetwork.Trace t = block.forwardWithTrace(new ParameterStore(manager, false), x, true);
                for (NDArray c : t.shifts()) {
                    out.add(c.toFloatArray());
                }
                out.add(t.outputs().toFloatArray());
                gc.backward(t.outputs().square().mean());
            }
            for (int l = 0; l < block.layers().size(); l++) {
                out.add(block.weight(l).getGradient().toFloatArray());
                out.add(block.bias(l).getGradient().toFloatArray());
            }
            return out;
        }
    }

    static void assertSame(List<float[]> a, List<float[]> b, String what) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i);
            float[] y = b.get(i);
            double scale = 1e-6;
            for (float v : y) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int k = 0; k < x.length; k++) {
                assertThat((double) Math.abs(x[k] - y[k]))
                        .as("%s: array %d element %d (%s vs %s)", what, i, k, x[k], y[k])
                        .isLessThanOrEqualTo(1e-4 * scale + 1e-6);
            }
        }
    }

    @Test
    void trackingMatchesVertexRowsWithTheDefaultMargin() {
        VertexRegion circle = Regions.paperCircle();
        for (Cpa act : new Cpa[] {Cpa.relu(), Cpa.leakyRelu(), Cpa.abs()}) {
            for (SignRule rule : SignRule.values()) {
                double[][] data = circle.sample(16, new Random(5));
                assertSame(
                        run(circle, Strategy.AFFINE_MAP, rule, act, 5, data),
                        run(circle, Strategy.VERTEX_ROWS, rule, act, 5, data),
                        "circle " + act.id() + " " + rule);
            }
        }
    }

    @Test
    void supportRegionsMatchTheirVertices() {
        Box box = Box.of(new double[] {0.5, -1, 2}, new double[] {1, 0.5, 2});
        L1Ball ball = L1Ball.of(new double[] {1, 0, -1, 0.5}, 1.5);
        Zonotope zono = Zonotope.of(new double[] {0, 1}, new double[][] {{1, 0.5, -0.3}, {0.2, 1, 0.4}});
        for (SignRule rule : new SignRule[] {SignRule.MINIMAL_SHIFT, SignRule.CENTER, SignRule.HYSTERESIS}) {
            for (Region r : new Region[] {box, ball, zono}) {
                VertexRegion asVertices = ((org.police4j.region.SupportRegion) r).toVertexRegion(1 << 12);
                double[][] data = r.sample(16, new Random(11));
                assertSame(
                        run(r, Strategy.AFFINE_MAP, rule, Cpa.leakyRelu(), 11, data),
                        run(asVertices, Strategy.VERTEX_ROWS, rule, Cpa.leakyRelu(), 11, data),
                        r.describe() + " " + rule);
            }
        }
    }

    @Test
    void aBoxIn784DimensionsTrainsAndCertifies() {
        double[] centre = new double[784];
        Random rng = new Random(3);
        for (int j = 0; j < centre.length; j++) {
            centre[j] = rng.nextDouble();
        }
        Box box = Box.linf(centre, 0.01);
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setRegion(box).setHidden(64, 64).setOutputs(10).build();
            Engine.getInstance().setRandomSeed(1);
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 784));
            assertThat(block.engine().rule()).isEqualTo(PolicedMlp.DEFAULT_SIGN_RULE);
            NDArray x = Nets.matrix(manager, box.sample(8, rng));
            ParameterStore ps = new ParameterStore(manager, false);
            PolicedNetwork.Trace t = block.forwardWithTrace(ps, x, true);
            assertThat(t.outputs().getShape()).isEqualTo(new Shape(8, 10));
            var cert = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(200).optSeed(7));
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            assertThat(cert.interiorDeviation()).isLessThan(1e-4);
        }
    }
}
