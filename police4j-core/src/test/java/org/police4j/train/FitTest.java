package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;

class FitTest {

    @Test
    void threeHundredAdamWStepsKeepTheConstraintAtEveryStepAndReduceTheLoss() {
        // The square has 4 vertices: tied votes happen, which the half-precision reference mishandles.
        VertexRegion square = Regions.paperSquare();
        double[][] x = new double[400][2];
        double[][] y = new double[400][1];
        for (int i = 0; i < 20; i++) {
            for (int j = 0; j < 20; j++) {
                double a = -2 + 4.0 * i / 19;
                double b = -2 + 4.0 * j / 19;
                x[20 * i + j] = new double[] {a, b};
                y[20 * i + j][0] = Math.sin(2 * a) * Math.cos(b);
            }
        }
        List<String> failures = new ArrayList<>();
        try (Model model = Model.newInstance("fit-test");
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setHidden(32, 32).setOutputs(1).setRegion(square).build();
            model.setBlock(block);
            TrainingSettings settings = TrainingSettings.paper(300, 5e-3, 1e-5, 3, 0.3, LossKind.MSE, 42);
            FitResult result =
                    Fit.create()
                            .optListener(
                                    (step, loss, b) -> {
                                        Certificate cert =
                                                Certifier.certify(Fold.weights(b), square.vertices(), square.vertices());
                                        if (!cert.certified()) {
                                            failures.add("step " + step + ": " + cert.summary());
                                        }
                                    })
                            .fit(model, Nets.matrix(data, x), Nets.matrix(data, y), settings);
            assertThat(failures).as("steps whose network was not affine on the square").isEmpty();
            assertThat(result.completed()).isTrue();
            assertThat(result.losses()).hasSize(300);
            double first = result.losses()[0];
            double last = result.finalLoss();
            System.out.printf("fit: 300 steps, loss %.4f -> %.4f in %.1f s, certified at every step%n", first, last, result.seconds());
            assertThat(last).isLessThan(0.5 * first);
        }
    }

    @Test
    void sameSeedSameLosses() {
        VertexRegion triangle = Regions.paperTriangle();
        double[][] x = {{0, 0}, {1, 1}, {-1, 2}, {2, -1}, {-2, -2}, {0.5, -1.5}};
        double[][] y = {{0}, {1}, {0.5}, {-1}, {2}, {0}};
        double[][] runs = new double[2][];
        for (int r = 0; r < 2; r++) {
            try (Model model = Model.newInstance("seed-test");
                    NDManager data = NDManager.newBaseManager()) {
                model.setBlock(PolicedMlp.builder().setHidden(8).setOutputs(1).setRegion(triangle).build());
                runs[r] =
                        Fit.create()
                                .fit(model, Nets.matrix(data, x), Nets.matrix(data, y),
                                        new TrainingSettings(20, 1e-2, 0, 0, 1, LossKind.MSE, 3, 9))
                                .losses();
            }
        }
        assertThat(runs[1]).containsExactly(runs[0]);
    }

    @Test
    void aDivergingRunStopsAtTheFirstNonFiniteLoss() {
        VertexRegion triangle = Regions.paperTriangle();
        double[][] x = {{0, 0}, {1, 1}, {-1, 2}, {2, -1}};
        double[][] y = {{1e30}, {-1e30}, {1e30}, {0}};
        try (Model model = Model.newInstance("nan-test");
                NDManager data = NDManager.newBaseManager()) {
            model.setBlock(PolicedMlp.builder().setHidden(8).setOutputs(1).setRegion(triangle).build());
            FitResult r =
                    Fit.create()
                            .fit(model, Nets.matrix(data, x), Nets.matrix(data, y),
                                    new TrainingSettings(50, 1e6, 0, 0, 1, LossKind.MSE, 0, 1));
            assertThat(r.completed()).isFalse();
            assertThat(r.stoppedAt()).isBetween(1, 50);
            assertThat(r.losses()).hasSize(r.stoppedAt() - 1);
            assertThat(java.util.Arrays.stream(r.losses()).allMatch(Double::isFinite)).isTrue();
        }
    }

    /**
     * A region whose values overflow float32 in the first layer (a box at 3e38): the rounding guard
     * cannot bound them, and the run stops at that step with the guard's reason, as it stops at a
     * loss that is not finite, instead of throwing out of the loop.
     */
    @Test
    void aRegionTheGuardCannotBoundStopsTheRunWithItsReason() {
        org.police4j.region.Box box = org.police4j.region.Box.of(new double[] {3.3e38, 3.3e38}, new double[] {1e37, 1e37});
        double[][] x = {{0, 0}, {1, 1}};
        double[][] y = {{0}, {1}};
        try (Model model = Model.newInstance("overflow");
                NDManager data = NDManager.newBaseManager()) {
            model.setBlock(PolicedMlp.builder().setHidden(32).setOutputs(1).setRegion(box).build());
            FitResult r = Fit.create().fit(model, Nets.matrix(data, x), Nets.matrix(data, y),
                    new TrainingSettings(3, 1e-3, 0, 0, 1, LossKind.MSE, 0, 1));
            assertThat(r.completed()).isFalse();
            assertThat(r.stoppedAt()).isEqualTo(1);
            assertThat(r.failure()).contains("layer 0, unit ").contains("not finite");
            assertThat(r.stopReason()).startsWith("step 1: layer 0, unit ");
        }
    }
}
