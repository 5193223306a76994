package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.police4j.engine.SignRule;
import org.police4j.nn.AffineTarget;
import org.police4j.engine.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.L1Ball;
import org.police4j.region.Regions;
import org.police4j.testing.ConstantCollection;
import org.police4j.testing.Nets;

/**
 * Issue 15, item 1: the same training run, with and without the garbage collector running all the
 * time beside it, must give the same weights bit for bit. The nondeterminism came from DJL's
 * {@code NDArray.mul(Number)}: it frees its 0-d operand at once, autograd reads it again in the
 * backward pass, and when a collection frees and reuses that memory in between, a gradient is scaled
 * by garbage. Under a constant {@code System.gc()} the unfixed code diverged from the second step
 * (the MSE loss's {@code mul(1)}); each case below covers one place where a number meets a
 * differentiable array: the loss, an l1 ball's width on the tracked affine map, a penalty-form target,
 * the blocks' share of the loss ({@code ShardGradient}), a piecewise activation's slopes.
 */
class GarbageCollectionDeterminismTest {

    private static final int STEPS = 40;

    @Test
    void octagonMinimalShiftMse() throws InterruptedException {
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(Regions.paperOctagon()).optActivation(Cpa.leakyRelu()).optSignRule(SignRule.MINIMAL_SHIFT).build());
    }

    @Test
    void l1BallOnTheTrackedAffineMap() throws InterruptedException {
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(L1Ball.of(new double[] {0.5, -0.5}, 1.5)).build());
    }

    @Test
    void penaltyFormAffineTarget() throws InterruptedException {
        AffineTarget target = AffineTarget.penalty(new double[][] {{0.3, -0.2}}, new double[] {0.1}, 0.7);
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(Regions.paperTriangle()).optAffineTarget(target).build());
    }

    @Test
    void gradientsInBlocks() throws InterruptedException {
        // ShardGradient scales each block's loss by its share of the batch: once a mul(Number)
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(Regions.paperTriangle()).build(), fit -> fit.optBlockRows(16));
    }

    @Test
    void anActivationWithSeveralKinksGivenByItsPieces() throws InterruptedException {
        // a piecewise activation's slopes multiply the pre-activations: once a mul(Number)
        Cpa pieces = Cpa.piecewise(new double[] {-1, 0.5f, 2}, new double[] {0.25f, 1, -0.5f, 0.125f}, 0);
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(Regions.paperTriangle()).optActivation(pieces).build());
    }

    @Test
    void relu6() throws InterruptedException {
        // DJL's Activation.relu6 is NDArrays.minimum(6, relu(x)): a number freed before backward
        sameWeightsUnderCollection(() -> PolicedMlp.builder().setHidden(24, 24).setOutputs(1)
                .setRegion(Regions.paperTriangle()).optActivation(Cpa.relu6()).build());
    }

    private static void sameWeightsUnderCollection(Supplier<PolicedMlp> network) throws InterruptedException {
        sameWeightsUnderCollection(network, fit -> fit);
    }

    private static void sameWeightsUnderCollection(Supplier<PolicedMlp> network,
            java.util.function.UnaryOperator<Fit> options) throws InterruptedException {
        List<float[]> quiet = train(network.get(), options);
        List<float[]> collected = ConstantCollection.during(() -> train(network.get(), options));
        assertThat(collected).hasSameSizeAs(quiet);
        for (int i = 0; i < quiet.size(); i++) {
            assertThat(collected.get(i)).as("parameter %d after %d steps under constant GC", i, STEPS)
                    .containsExactly(quiet.get(i));
        }
    }

    /** Trains on a small 2-D regression task and returns every parameter's values. */
    private static List<float[]> train(PolicedMlp block, java.util.function.UnaryOperator<Fit> options) {
        double[][] x = new double[64][2];
        double[][] y = new double[64][1];
        for (int i = 0; i < 64; i++) {
            x[i][0] = -3 + 6.0 * (i % 8) / 7;
            x[i][1] = -3 + 6.0 * (i / 8) / 7;
            y[i][0] = Math.sin(x[i][0]) * Math.cos(0.5 * x[i][1]);
        }
        try (Model model = Model.newInstance("gc-determinism");
                NDManager data = NDManager.newBaseManager()) {
            model.setBlock(block);
            options.apply(Fit.create()).fit(model, Nets.matrix(data, x), Nets.matrix(data, y),
                    TrainingSettings.paper(STEPS, 1e-2, 1e-4, 0, 1, LossKind.MSE, 11));
            List<float[]> values = new ArrayList<>();
            for (Pair<String, ai.djl.nn.Parameter> p : block.getParameters()) {
                values.add(p.getValue().getArray().toFloatArray());
            }
            return values;
        }
    }
}
