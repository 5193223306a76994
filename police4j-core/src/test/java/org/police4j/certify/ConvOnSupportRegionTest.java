package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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

/**
 * A CNN POLICEd on a box given by its support (the region travels as a tracked affine map through
 * conv, batch-norm, max-pool and average pool; no vertex is listed): after training, the support
 * certificate and the exact certificate on the box's 512 vertices both certify the folded network.
 */
class ConvOnSupportRegionTest {

    static PolicedConvNet build(Cpa act, Box box, boolean deep) {
        PolicedConvNet.Builder b = PolicedConvNet.builder().optActivation(act).setRegion(box).setInput(1, 3, 3);
        if (deep) {
            b.conv(3, 2, 1, 1).batchNorm().maxPool(2, 2).conv(4, 2, 1, 1).globalAvgPool();
        } else {
            b.conv(4, 2, 1, 1).maxPool(2, 2).flatten();
        }
        return b.dense(deep ? 5 : 6).outputs(2).build();
    }

    @Test
    void aCnnTrainedOnABoxIsCertifiedByBothCertificates() {
        List<String> failures = new ArrayList<>();
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu())) {
            for (boolean deep : new boolean[] {false, true}) {
                Random rnd = new Random(deep ? 21 : 12);
                // radius 2^-1: wide enough that the un-POLICEd network bends on it
                Box box = Box.linf(SupportCertifierCnnTest.box(rnd).center(), 0.5);
                PolicedConvNet net = build(act, box, deep);
                assertThat(net.usesVertexRows(0)).isFalse();
                FoldedNetwork folded = SupportCertifierCnnTest.trainAndFold(net, box, 5);
                double[][] interior = box.sample(16, new Random(3));
                Certificate[] c = SupportCertifierCnnTest.both(folded, box, interior);
                String name = act.id() + (deep ? " deep" : " shallow");
                if (!c[0].certified() || !c[1].certified()) {
                    failures.add(name + ": " + c[0].summary() + " / " + c[1].summary());
                    continue;
                }
                assertThat(c[0].unitsChecked()).as(name).isEqualTo(c[1].unitsChecked());
                assertThat(c[1].interiorDeviation()).as(name).isLessThan(1e-5);
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void theRoundingGuardKeepsTheCertificateForImagesInTheThousands() {
        // inputs and box scaled by 4096: the tracked map's rounding is what the guard covers
        double scale = 4096;
        List<String> failures = new ArrayList<>();
        for (boolean deep : new boolean[] {false, true}) {
            Random rnd = new Random(deep ? 21 : 12);
            double[] centre = SupportCertifierCnnTest.box(rnd).center();
            for (int j = 0; j < centre.length; j++) {
                centre[j] *= scale;
            }
            Box box = Box.linf(centre, 0.5 * scale);
            PolicedConvNet net = build(Cpa.relu(), box, deep);
            FoldedNetwork folded = trainAndFold(net, box, scale, 5);
            Certificate[] c = SupportCertifierCnnTest.both(folded, box, null);
            if (!c[1].certified()) {
                failures.add((deep ? "deep: " : "shallow: ") + c[1].summary());
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void certifyPolicedReadsACnnOnABoxInOneCall() {
        Box box = Box.linf(SupportCertifierCnnTest.box(new Random(21)).center(), 0.5);
        PolicedConvNet net = build(Cpa.relu(), box, true);
        Certificate[] c = new Certificate[1];
        trainAndFold(net, box, 1, 5, trained -> c[0] = Certify.policed(trained));
        assertThat(c[0].certified()).as(c[0].summary()).isTrue();
        assertThat(c[0].unitsChecked()).isPositive();
    }

    @Test
    void aCnnOnABoxSurvivesModelIoAndDjlSaveLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        Box box = Box.linf(SupportCertifierCnnTest.box(new Random(12)).center(), 0.5);
        PolicedConvNet net = build(Cpa.leakyRelu(), box, true);
        trainAndFold(net, box, 1, 5, trained -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.randomUniform(0f, 1f, new Shape(5, 9));
                ai.djl.training.ParameterStore ps = new ai.djl.training.ParameterStore(manager, false);
                float[] before = trained.forward(ps, new NDList(x), false).head().toFloatArray();

                org.police4j.io.ModelIo.save(trained, tmp.resolve("m"), null);
                PolicedConvNet loaded = org.police4j.io.ModelIo.load(tmp.resolve("m"), manager).convNet();
                assertThat(loaded.regions()).containsExactly(box);
                assertThat(loaded.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(before);

                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                trained.saveParameters(new java.io.DataOutputStream(bytes));
                PolicedConvNet again = build(Cpa.leakyRelu(), box, true);
                again.loadParameters(manager, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
                assertThat(again.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(before);

                PolicedConvNet other = build(Cpa.leakyRelu(), Box.linf(box.center(), 0.25), true);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.loadParameters(manager,
                                new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))))
                        .hasMessageContaining("region");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    static FoldedNetwork trainAndFold(PolicedConvNet net, Box box, double spread, long seed) {
        return trainAndFold(net, box, spread, seed, trained -> { });
    }

    /**
     * 20 AdamW steps on points around the box's centre, spread like the box, then the fold;
     * {@code whileOpen} sees the trained network before its model closes.
     */
    static FoldedNetwork trainAndFold(
            PolicedConvNet net, Box box, double spread, long seed, java.util.function.Consumer<PolicedConvNet> whileOpen) {
        try (Model model = Model.newInstance("scaled-support-cnn")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed((int) seed);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 9));
            model.setBlock(net);
            Random rnd = new Random(seed);
            int n = 64;
            float[] x = new float[n * 9];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % 2;
                for (int j = 0; j < 9; j++) {
                    x[i * 9 + j] = (float) (box.center()[j] + spread * 0.3 * rnd.nextGaussian() + (y[i] == 1 && j < 3 ? spread * 0.2 : 0));
                }
            }
            NDArray xs = manager.create(x, new Shape(n, 9));
            NDArray ys = manager.create(y, new Shape(n));
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.02f)).build();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
                for (int s = 0; s < 20; s++) {
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(xs)).singletonOrThrow();
                            gc.backward(loss.evaluate(new NDList(ys), new NDList(out)));
                        }
                    }
                    trainer.step();
                }
            }
            whileOpen.accept(net);
            return net.fold();
        }
    }

    @Test
    void theSameNetworksWithoutPoliceBendOnTheBox() {
        // the box is not trivially small: untrained, unshifted networks of the same shapes straddle
        int bent = 0;
        for (boolean deep : new boolean[] {false, true}) {
            Random rnd = new Random(deep ? 21 : 12);
            Box box = Box.linf(SupportCertifierCnnTest.box(rnd).center(), 0.5);
            FoldedNetwork plain = SupportCertifierCnnTest.randomCnn(new Random(deep ? 7 : 8), Cpa.relu(), deep);
            if (!Certifier.certify(plain, box.toVertexRegion(512).vertices(), null).certified()) {
                bent++;
            }
        }
        assertThat(bent).isEqualTo(2);
    }
}
