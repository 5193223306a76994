package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.io.ModelIo;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.ActivationProbe;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.InputRegions;
import org.police4j.testing.Nets;

/**
 * Activations with several kinks through {@link Policed#wrap}: the probe recognises ReLU6,
 * hard-tanh and a custom three-kink lambda by what they compute and refuses tanh and a block that
 * is piecewise affine only near zero; a DJL conv network with ReLU6 or hard-tanh trained with
 * DJL's Trainer at input scales 1 and 1000 is certified exactly after every step, interior points
 * match the barycentric interpolation of the vertices, the fold gives the wrapper's outputs, and
 * a save/load gives identical outputs.
 */
class SeveralKinksWrapTest {

    static final int SIDE = 6;
    static final int D = SIDE * SIDE;

    /** min(max(x, -1), 1) as a user writes it. */
    static Block hardTanh() {
        return new LambdaBlock(list -> new NDList(list.singletonOrThrow().clip(-1f, 1f)), "hardTanh");
    }

    /** Kinks -2, 0.5 and 3: 0.25 x below -2, then slopes 1, -0.5, 2 (continuous), written as a user would. */
    static Block threeKinks() {
        return new LambdaBlock(list -> {
            NDArray x = list.singletonOrThrow();
            NDArray y = x.clip(-2f, 0.5f).add(x.sub(0.5f).clip(0f, 2.5f).mul(-0.5f));
            y = y.add(x.sub(3f).clip(0f, Float.MAX_VALUE).mul(2f)).add(x.add(2f).clip(-Float.MAX_VALUE, 0f).mul(0.25f));
            return new NDList(y);
        }, "threeKinks");
    }

    @Test
    void probeRecognisesReluSixHardTanhAndAThreeKinkLambda() {
        assertThat(ActivationProbe.probe(Activation.relu6Block(), "block 1").cpa()).isEqualTo(Cpa.relu6());
        assertThat(ActivationProbe.probe(hardTanh(), "block 1").cpa()).isEqualTo(Cpa.hardTanh());
        Cpa custom = ActivationProbe.probe(threeKinks(), "block 1").cpa();
        assertThat(custom.kind()).isEqualTo(Cpa.Kind.PIECEWISE);
        assertThat(custom.kinkCount()).isEqualTo(3);
        assertThat(new double[] {custom.kink(0), custom.kink(1), custom.kink(2)}).containsExactly(-2, 0.5, 3);
        assertThat(new double[] {custom.slope(0), custom.slope(1), custom.slope(2), custom.slope(3)})
                .containsExactly(0.25, 1, -0.5, 2);
        assertThat(custom.valueAtFirstKink()).isEqualTo(-2);
        // kinks off the probe grid (0.3) and beyond its fine part (100): computed from the adjacent pieces
        Block clamp = new LambdaBlock(list -> new NDList(list.singletonOrThrow().clip(0.3f, 100f)), "clamp");
        Cpa clamped = ActivationProbe.probe(clamp, "block 1").cpa();
        assertThat(new double[] {clamped.kink(0), clamped.kink(1)}).containsExactly(0.3f, 100f);
        assertThat(new double[] {clamped.slope(0), clamped.slope(1), clamped.slope(2)}).containsExactly(0, 1, 0);
        assertThat(clamped.valueAtFirstKink()).isEqualTo(0.3f);
        // the one-kink families are still what they were
        assertThat(ActivationProbe.probe(Activation.reluBlock(), "block 1").cpa()).isEqualTo(Cpa.relu());
    }

    @Test
    void probeRefusesTanhAndABlockAffineOnlyNearZero() {
        assertThatThrownBy(() -> ActivationProbe.probe(Activation.tanhBlock(), "network block 3 (tanh)"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 3 (tanh)")
                .hasMessageContaining("is not piecewise affine");
        // ReLU6 up to 100, then growing like a square root: piecewise affine only near zero
        Block liar = new LambdaBlock(list -> {
            NDArray x = list.singletonOrThrow();
            NDArray far = x.clip(100f, Float.MAX_VALUE).sqrt().mul(10f).sub(100f);
            return new NDList(x.clip(0f, 6f).add(far));
        }, "ReLU6");
        assertThatThrownBy(() -> ActivationProbe.probe(liar, "network block 2 (ReLU6)"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 2 (ReLU6)")
                .hasMessageContaining("does not compute ReLU6");
        // softplus: smooth everywhere
        Block softplus = new LambdaBlock(list -> new NDList(Activation.softPlus(list.singletonOrThrow())), "softplus");
        assertThatThrownBy(() -> ActivationProbe.probe(softplus, "network block 4 (softplus)"))
                .hasMessageContaining("network block 4 (softplus)");
    }

    /** A dense network with the custom lambda wraps into a PolicedMlp computing the same function. */
    @Test
    void denseNetworkWithACustomLambdaIsWrapped() {
        SequentialBlock user = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build()).add(threeKinks())
                .add(Linear.builder().setUnits(2).build());
        VertexRegion region = VertexRegion.of("triangle", new double[][] {{0, 0}, {0.5, 0}, {0, 0.5}});
        Block wrapped = Policed.wrap(user, region, new Shape(2));
        assertThat(wrapped).isInstanceOf(PolicedMlp.class);
        assertThat(((PolicedMlp) wrapped).activation().kinkCount()).isEqualTo(3);
    }

    /** Dropout commutes with ReLU but not with ReLU6 (relu6(2 x) != 2 relu6(x) above 3): refused before it. */
    @Test
    void dropoutBeforeAnActivationWithKinksAwayFromZeroIsRefused() {
        SequentialBlock user = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(ai.djl.nn.norm.Dropout.builder().optRate(0.5f).build())
                .add(Activation.relu6Block())
                .add(Linear.builder().setUnits(2).build());
        VertexRegion region = VertexRegion.of("triangle", new double[][] {{0, 0}, {0.5, 0}, {0, 0.5}});
        assertThatThrownBy(() -> Policed.wrap(user, region, new Shape(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 2")
                .hasMessageContaining("Dropout before activation relu6 is refused");
    }

    static SequentialBlock convNet(Block activation) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(activation)
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(8).build())
                .add(activation)
                .add(Linear.builder().setUnits(2).build());
    }

    /** MobileNet-like pools: an overlapping padded max-pool (3, stride 2, padding 1), then an average pool. */
    static SequentialBlock pooledConvNet(Block activation) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).optPadding(new Shape(1, 1)).build())
                .add(activation)
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(Conv2d.builder().setKernelShape(new Shape(2, 2)).setFilters(4).build())
                .add(activation)
                .add(Pool.avgPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    @ParameterizedTest(name = "{0} at scale {1}, pools {2}")
    @CsvSource({"relu6, 1, false", "relu6, 1000, false", "hardtanh, 1, false", "hardtanh, 1000, false",
        "relu6, 1, true", "relu6, 1000, true"})
    void convNetworkTrainsAndIsCertifiedAfterEveryStep(String activation, double scale, boolean pools, @TempDir Path tmp)
            throws Exception {
        Block act = activation.equals("relu6") ? Activation.relu6Block() : hardTanh();
        float[] data = InputRegions.grid64(16, D, 4);
        for (int i = 0; i < data.length; i++) {
            data[i] *= (float) scale;
        }
        VertexRegion region = InputRegions.cross(data, D, "2-pixel l1 ball", 14, 21);
        region = VertexRegion.of("scaled", scaled(region.vertices(), scale, data));
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(pools ? pooledConvNet(act) : convNet(act), region,
                new Shape(1, SIDE, SIDE));
        assertThat(net.activation()).isEqualTo(Cpa.parse(activation));
        try (Model model = Model.newInstance("kinks-cnn")) {
            Engine.getInstance().setRandomSeed(13);
            model.setBlock(net);
            NDManager manager = model.getNDManager();
            Loss loss = Loss.l2Loss();
            Optimizer sgd = Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.02f)).build();
            NDArray x = manager.create(data, new Shape(16, 1, SIDE, SIDE));
            NDArray y = manager.randomUniform(-1, 1, new Shape(16, 2));
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(sgd))) {
                trainer.initialize(new Shape(1, 1, SIDE, SIDE));
                check(net, region, manager, "initial");
                for (int step = 0; step < 3; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(loss.evaluate(new NDList(y), new NDList(out)));
                    }
                    trainer.step();
                    check(net, region, manager, "step " + step);
                }
            }
            Path dir = tmp.resolve("cnn");
            ModelIo.save(net, dir, null);
            PolicedConvNet loaded = ModelIo.load(dir, manager).convNet();
            assertThat(loaded.activation()).isEqualTo(net.activation());
            ParameterStore ps = new ParameterStore(manager, false);
            float[] before = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] after = loaded.forward(ps, new NDList(x), false).head().toFloatArray();
            assertThat(after).isEqualTo(before);
        }
    }

    /** The vertices moved to the scaled image 0 (the cross is built on the scaled data, its radius scaled too). */
    private static double[][] scaled(double[][] vertices, double scale, float[] data) {
        double[][] out = new double[vertices.length][];
        for (int p = 0; p < vertices.length; p++) {
            out[p] = new double[D];
            for (int j = 0; j < D; j++) {
                out[p][j] = data[j] + (vertices[p][j] - data[j]) * scale;
            }
        }
        return out;
    }

    private static void check(PolicedConvNet net, VertexRegion region, NDManager manager, String when) {
        FoldedNetwork folded = net.fold();
        double[][] lambdas = Barycentric.lambdas(6, region.vertexCount(), new Random(3));
        double[][] interior = Barycentric.combine(lambdas, region.vertices());
        Certificate cert = Certifier.certify(folded, region.vertices(), interior);
        assertThat(cert.certified()).as(when + ": " + cert.summary()).isTrue();
        double[][] vertexOut = new double[region.vertexCount()][];
        for (int p = 0; p < vertexOut.length; p++) {
            vertexOut[p] = folded.evaluate(region.vertices()[p]);
        }
        double[][] out = new double[interior.length][];
        for (int i = 0; i < interior.length; i++) {
            out[i] = folded.evaluate(interior[i]);
        }
        Barycentric.assertInterpolates(out, vertexOut, lambdas, when);
        try (NDManager m = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            NDArray points = Nets.matrix(m, interior).reshape(interior.length, 1, SIDE, SIDE);
            float[] wrapper = net.forward(ps, new NDList(points), false).head().toFloatArray();
            for (int i = 0; i < interior.length; i++) {
                double[] affine = cert.apply(interior[i]);
                for (int k = 0; k < affine.length; k++) {
                    assertThat((double) wrapper[i * 2 + k]).as(when + ": wrapper vs fold")
                            .isCloseTo(affine[k], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(affine[k]))));
                }
            }
        }
    }
}
