package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Box;
import org.police4j.testing.ConstantCollection;

/**
 * A box around a 12 x 12 image travels as a tracked map of 144 rows through a conv network (an
 * overlapping padded pool, three conv groups): the region arrays each layer made and nobody holds
 * are closed when it is left ({@link LayerScope}), and nothing else changes. With the scope on,
 * the step's manager keeps a few map arrays after the forward instead of several per layer; the
 * gradients are the same bits as with it off; trained under constant garbage collection (which
 * frees and reuses the memory of a closed array made from Java values) the folded network is the
 * same bits; a caller's own {@link NDScope} still closes everything the steps made.
 */
class LayerScopeTest {

    private static final int SIDE = 12;
    private static final int D = SIDE * SIDE;

    private static Box box() {
        Random rnd = new Random(4);
        double[] centre = new double[D];
        for (int i = 0; i < D; i++) {
            centre[i] = rnd.nextInt(64) / 64.0;
        }
        return Box.linf(centre, 0.02);
    }

    private static PolicedConvNet net() {
        return PolicedConvNet.builder().optActivation(Cpa.relu()).setRegion(box()).setInput(1, SIDE, SIDE)
                .conv(4, 3, 1, 1).maxPool(3, 3, 2, 2, 1, 1).conv(6, 3, 1, 1).conv(6, 3, 1, 1).flatten().dense(8)
                .outputs(2).build();
    }

    /**
     * What training left: the map arrays (D rows) alive after the first forward, the first
     * step's gradients, the fold after {@code steps}.
     */
    private record Step(int mapArraysAfterForward, List<float[]> gradients, FoldedNetwork folded) {}

    private static Step train(boolean free, int steps) {
        String before = System.getProperty(LayerScope.PROPERTY);
        System.setProperty(LayerScope.PROPERTY, Boolean.toString(free));
        try (Model model = Model.newInstance("layer-scope")) {
            Engine.getInstance().setRandomSeed(7);
            PolicedConvNet net = net();
            model.setBlock(net);
            Random rnd = new Random(8);
            int n = 8;
            float[] x = new float[n * D];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(64) / 64f;
            }
            float[] y = {0, 1, 0, 1, 0, 1, 0, 1};
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            int mapArrays = -1;
            List<float[]> gradients = new ArrayList<>();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
                trainer.initialize(new Shape(n, D));
                for (int s = 0; s < steps; s++) {
                    try (NDManager batch = model.getNDManager().newSubManager()) {
                        NDArray xs = batch.create(x, new Shape(n, D));
                        NDArray ys = batch.create(y);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(xs)).singletonOrThrow();
                            if (s == 0) {
                                mapArrays = (int) batch.getManagedArrays().stream()
                                        .filter(a -> !a.isReleased() && a.getShape().dimension() >= 2
                                                && a.getShape().get(0) == D)
                                        .count();
                            }
                            gc.backward(loss.evaluate(new NDList(ys), new NDList(out)));
                        }
                        if (s == 0) {
                            for (Parameter p : net.getParameters().values()) {
                                if (p.requiresGradient()) {
                                    gradients.add(p.getArray().getGradient().toFloatArray());
                                }
                            }
                        }
                        trainer.step();
                    }
                }
            }
            return new Step(mapArrays, gradients, net.fold());
        } finally {
            if (before == null) {
                System.clearProperty(LayerScope.PROPERTY);
            } else {
                System.setProperty(LayerScope.PROPERTY, before);
            }
        }
    }

    @Test
    void isOnWithThisDjl() {
        assertThat(LayerScope.active()).as("DJL's NDScope and PtNDArray fields are readable").isTrue();
    }

    @Test
    void aStepKeepsOnlyTheHeldMapArraysAndTheSameGradients() {
        Step off = train(false, 1);
        Step on = train(true, 1);
        assertThat(off.mapArraysAfterForward()).as("map arrays kept to the step's end without the scope").isGreaterThan(12);
        assertThat(on.mapArraysAfterForward()).as("map arrays held after the forward with it").isLessThanOrEqualTo(4);
        assertThat(on.gradients()).hasSameSizeAs(off.gradients());
        for (int i = 0; i < on.gradients().size(); i++) {
            assertThat(on.gradients().get(i)).as("gradient %d", i).containsExactly(off.gradients().get(i));
        }
    }

    @Test
    void trainingUnderConstantCollectionFoldsTheSameNetwork() throws InterruptedException {
        FoldedNetwork off = train(false, 4).folded();
        FoldedNetwork on = ConstantCollection.during(() -> train(true, 4).folded());
        for (double[] point : box().sample(16, new Random(2))) {
            assertThat(on.evaluate(point)).containsExactly(off.evaluate(point));
        }
    }

    @Test
    void aCallersScopeStillClosesWhatTheStepsMade() {
        try (Model model = Model.newInstance("layer-scope-caller")) {
            PolicedConvNet net = net();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, D));
            NDArray xs = model.getNDManager().create(new float[2 * D], new Shape(2, D));
            int[] counts = new int[3];
            for (int s = 0; s < 3; s++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    net.forward(new ai.djl.training.ParameterStore(model.getNDManager(), false), new NDList(xs), true);
                }
                counts[s] = (int) model.getNDManager().getManagedArrays().stream().filter(a -> !a.isReleased()).count();
            }
            assertThat(counts[2]).as("arrays after steps 1, 2, 3: %s", java.util.Arrays.toString(counts)).isEqualTo(counts[1]);
        }
    }
}
