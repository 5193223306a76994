package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.SignRule;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;
import org.police4j.testing.Nets;

/**
 * Issue 13's first counterexample and its neighbours: a fixed margin of 1e-4 let float32 rounding
 * put vertices on the wrong side once pre-activations reached the thousands. The margin now
 * follows the rounding bound, so the folded network certifies at every scale.
 */
class RoundingGuardTest {

    @Test
    void freshNetworksOnALargeBoxCertifyForEverySeed() {
        // Before: Regions.box(-1e4, 1e4, 2), hidden (64, 64), default builder: 20 of 20 seeds failed.
        List<String> failures = new ArrayList<>();
        for (double half : new double[] {1e3, 1e4, 1e5}) {
            for (int seed = 0; seed < 20; seed++) {
                Engine.getInstance().setRandomSeed(seed);
                try (NDManager manager = NDManager.newBaseManager()) {
                    PolicedMlp net = PolicedMlp.builder()
                            .setRegion(Regions.box(-half, half, 2))
                            .setHidden(64, 64)
                            .setOutputs(1)
                            .build();
                    net.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
                    Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(10).optSeed(seed));
                    if (!cert.certified()) {
                        failures.add("half-width " + half + ", seed " + seed + ": " + cert.summary());
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void largeLearningRatesWeightsAndFarAwayTinyRegionsCertifyAtEveryStep() {
        List<String> failures = new ArrayList<>();
        Random rng = new Random(13);
        Region[] regions = {
            Regions.box(-3e3, 3e3, 3),
            VertexRegion.of("far tiny triangle", new double[][] {{1e5, -1e5}, {1e5 + 1e-3, -1e5}, {1e5, -1e5 + 1e-3}}),
            Box.of(new double[] {5e4, -2e4}, new double[] {100, 1}),
        };
        SignRule[] rules = SignRule.values();
        int run = 0;
        for (Region region : regions) {
            for (SignRule rule : rules) {
                if (rule == SignRule.MAJORITY && !(region instanceof VertexRegion)) {
                    continue;
                }
                for (boolean detached : new boolean[] {false, true}) {
                    run++;
                    int d = region.dimension();
                    double scale = run % 2 == 0 ? 1000 : 1;
                    double lr = run % 3 == 0 ? 1.0 : 0.1;
                    Engine.getInstance().setRandomSeed(run);
                    try (Model model = Model.newInstance("guard");
                            NDManager data = NDManager.newBaseManager()) {
                        PolicedMlp net = PolicedMlp.builder().setRegion(region).setHidden(16, 16).setOutputs(1)
                                .optSignRule(rule).optDetachedShift(detached).build();
                        model.setBlock(net);
                        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, d));
                        for (int l = 0; l < 3; l++) {
                            NDArray w = net.weight(l);
                            w.set(w.mul(scale).toFloatArray());
                        }
                        double[][] x = region.sample(64, rng);
                        double[][] y = new double[64][1];
                        for (int i = 0; i < 64; i++) {
                            y[i][0] = Math.sin(i);
                        }
                        String what = region.describe() + ", " + rule + (detached ? ", detached" : "")
                                + ", lr " + lr + ", weights x" + scale;
                        TrainingSettings settings = TrainingSettings.paper(20, lr, 0, 3, 0.3, LossKind.MSE, run);
                        try {
                            Fit.create().optListener((step, loss, b) -> {
                                Certificate cert = Certify.policed(b, Certify.Options.defaults().optInteriorSamples(0).optSeed(step));
                                if (!cert.certified()) {
                                    failures.add(what + ", step " + step + ": " + cert.summary());
                                }
                            }).fit(model, Nets.matrix(data, x), Nets.matrix(data, y), settings);
                        } catch (IllegalStateException e) {
                            // a diverged run must stop with a clear message, never with a wrong network
                            assertThat(e.getMessage()).contains("not finite");
                        }
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void bothStrategiesCertifyALargeCircle() {
        // 48 vertices > D + 1: AUTO tracks the affine map, whose products round differently
        List<String> failures = new ArrayList<>();
        VertexRegion circle = Regions.circle(48, new double[] {3e3, -1e3}, 5e3);
        for (org.police4j.engine.Strategy strategy : org.police4j.engine.Strategy.values()) {
            for (int seed = 0; seed < 5; seed++) {
                Engine.getInstance().setRandomSeed(seed);
                try (NDManager manager = NDManager.newBaseManager()) {
                    PolicedMlp net = PolicedMlp.builder().setRegion(circle).setHidden(32, 32, 32).setOutputs(1)
                            .optStrategy(strategy).build();
                    net.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
                    Certificate cert = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(0).optSeed(seed));
                    if (!cert.certified()) {
                        failures.add(strategy + ", seed " + seed + ": " + cert.summary());
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }
}
