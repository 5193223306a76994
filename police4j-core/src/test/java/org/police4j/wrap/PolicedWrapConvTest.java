package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;
import org.police4j.nn.PolicedNetwork;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.engine.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.conv.PolicedConvNet;
import org.police4j.region.VertexRegion;
import org.police4j.testing.InputRegions;
import org.police4j.testing.Nets;

/**
 * {@link Policed#wrap} on a DJL user's own LeNet-like conv network (Conv2d 3x3, ReLU, max-pool 2,
 * flatten, Linear, ReLU, Linear) on 1x8x8 images: the wrapper computes the user's function where
 * no shift is active, trains with DJL's Trainer, certifies, and refuses what it cannot POLICE,
 * naming the block.
 */
class PolicedWrapConvTest {

    static final int SIDE = 8;
    static final int D = SIDE * SIDE;

    static Conv2d conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(filters).build();
    }

    /** Conv2d 3x3 (4) -> relu -> maxPool 2 -> flatten -> Linear 16 -> relu -> Linear 3. */
    static SequentialBlock lenet(Block... afterConv) {
        SequentialBlock net = new SequentialBlock().add(conv(4));
        for (Block b : afterConv) {
            net.add(b);
        }
        return net.add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(16).build()))
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
    }

    /** Conv 3x3 padding 1 -> pool 2 -> relu -> conv 3x3 stride 1 (no bias) -> relu -> global average -> 16 -> 3. */
    static SequentialBlock twoConvs() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).optPadding(new Shape(1, 1)).build())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(5).optBias(false).build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(16).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /** Images of multiples of 1/64 in [0, 1): exact and short for the certificate. */
    static float[] images(int n, long seed) {
        return InputRegions.grid64(n, D, seed);
    }

    /** Image 0 with pixels 27 and 36 moved by +-1/4: 4 vertices. */
    static VertexRegion region(float[] x) {
        return InputRegions.cross(x, D, "2-pixel l1 ball r=0.25", 27, 36);
    }

    static VertexRegion point(float[] x) {
        return InputRegions.point(x, D);
    }

    /** With margin 0 and a one-vertex region no shift is active: the wrapper is the user's network. */
    @Test
    void computesTheUsersNetworkWhenNoShiftIsActive() {
        for (int variant = 0; variant < 3; variant++) {
            boolean norm = variant == 1;
            SequentialBlock user = variant == 0 ? lenet() : norm ? lenet(BatchNorm.builder().build()) : twoConvs();
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed(5);
                user.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
                if (norm) { // non-trivial inference statistics, as after training
                    BatchNorm bn = (BatchNorm) user.getChildren().valueAt(1);
                    bn.getParameters().get("runningMean").getArray().set(new float[] {0.1f, -0.2f, 0.3f, 0f});
                    bn.getParameters().get("runningVar").getArray().set(new float[] {0.5f, 2f, 1f, 0.25f});
                    bn.getParameters().get("gamma").getArray().set(new float[] {1.5f, 0.5f, -1f, 1f});
                    bn.getParameters().get("beta").getArray().set(new float[] {0f, 0.1f, 0.2f, -0.3f});
                }
                float[] data = images(32, 11);
                Block wrapped = Policed.wrap(user, point(data), new Shape(1, SIDE, SIDE), 0.0);
                assertThat(wrapped).isInstanceOf(PolicedConvNet.class);
                PolicedConvNet net = (PolicedConvNet) wrapped;
                assertThat(net.isInitialized()).as("parameters copied from the user's blocks").isTrue();
                ParameterStore ps = new ParameterStore(manager, false);
                NDArray x = manager.create(data, new Shape(32, 1, SIDE, SIDE));
                PolicedNetwork.Trace t = net.forwardWithTrace(ps, x, false);
                for (PolicedNetwork.LayerTrace layer : t.layers()) {
                    assertThat(layer.shift().abs().max().getFloat()).isZero();
                    if (layer.poolShift() != null) {
                        assertThat(layer.poolShift().abs().max().getFloat()).isZero();
                    }
                }
                float[] expected = user.forward(ps, new NDList(x), false).head().toFloatArray();
                float[] got = t.outputs().toFloatArray();
                assertThat(got).hasSameSizeAs(expected);
                for (int i = 0; i < got.length; i++) {
                    assertThat((double) got[i]).as("variant %d, output %d", variant, i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(expected[i]))));
                }
            }
        }
    }

    /** An uninitialised user network: DJL's Trainer initialises the wrapper, trains it; it certifies. */
    @Test
    void trainsWithDjlsTrainerAndCertifies() {
        float[] data = images(32, 3);
        float[] labels = new float[32];
        for (int i = 0; i < 32; i++) {
            float left = 0;
            for (int p = 0; p < D; p++) {
                left += (p % SIDE < SIDE / 2 ? 1 : -1) * data[i * D + p];
            }
            labels[i] = left > 0 ? 0 : i % 2 + 1;
        }
        VertexRegion region = region(data);
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(lenet(), region, new Shape(1, SIDE, SIDE));
        assertThat(net.isInitialized()).isFalse();
        try (Model model = Model.newInstance("wrapped-lenet")) {
            Engine.getInstance().setRandomSeed(9);
            model.setBlock(net);
            NDManager manager = model.getNDManager();
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            NDArray x = manager.create(data, new Shape(32, 1, SIDE, SIDE));
            NDArray y = manager.create(labels);
            float first = Float.NaN;
            float last = Float.NaN;
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
                trainer.initialize(new Shape(1, 1, SIDE, SIDE));
                for (int step = 0; step < 20; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                        last = l.getFloat();
                        first = step == 0 ? last : first;
                        gc.backward(l);
                    }
                    trainer.step();
                }
            }
            assertThat(last).as("loss falls from %s", first).isLessThan(0.8f * first);
            double[][] interior = {region.vertices()[0].clone()};
            for (int p = 0; p < D; p++) {
                interior[0][p] = (region.vertices()[0][p] + region.vertices()[3][p]) / 2;
            }
            Certificate cert = Certifier.certify(net.fold(), region.vertices(), interior);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            // the folded network is the trained one on R
            ParameterStore ps = new ParameterStore(manager, false);
            float[] wrappedOut = net.forward(ps, new NDList(Nets.matrix(manager, interior)), false).head().toFloatArray();
            double[] affine = cert.apply(interior[0]);
            for (int k = 0; k < affine.length; k++) {
                assertThat(Math.abs(wrappedOut[k] - affine[k])).isLessThan(1e-4);
            }
        }
    }

    /** DJL's Trainer initialises the model; the parameters copied from the user's blocks stay. */
    @Test
    void theTrainersInitialisationKeepsTheCopiedParameters() {
        float[] data = images(1, 1);
        try (Model model = Model.newInstance("copied")) {
            SequentialBlock user = lenet();
            model.getNDManager().getEngine().setRandomSeed(8);
            user.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region(data), new Shape(1, SIDE, SIDE));
            model.setBlock(net);
            float[] userConv = user.getChildren().valueAt(0).getParameters().get("weight").getArray().toFloatArray();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
                trainer.initialize(new Shape(1, 1, SIDE, SIDE));
            }
            assertThat(net.parameter("conv0.weight").toFloatArray()).isEqualTo(userConv);
        }
    }

    @Test
    void checksTheInputShapeAtInitialize() {
        float[] data = images(1, 1);
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(lenet(), region(data), new Shape(1, SIDE, SIDE));
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28)))
                    .hasMessageContaining("(1, 1, 28, 28)")
                    .hasMessageContaining("expected (N, 1, 8, 8) or (N, 64)");
            net.initialize(manager, DataType.FLOAT32, new Shape(1, D));
            assertThat(net.isInitialized()).isTrue();
        }
    }

    @Test
    void infersSquareImagesFromAnInitialisedConvAndDelegatesDenseNetworks() {
        float[] data = images(1, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock user = lenet();
            assertThatThrownBy(() -> Policed.wrap(user, region(data)))
                    .hasMessageContaining("inputShape: cannot be inferred")
                    .hasMessageContaining("new Shape(C, H, W)");
            user.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region(data));
            assertThat(net.inputShape()).containsExactly(1, SIDE, SIDE);
            SequentialBlock dense = new SequentialBlock()
                    .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(8).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(2).build());
            assertThat(Policed.wrap(dense, region(data), new Shape(1, SIDE, SIDE))).isInstanceOf(PolicedMlp.class);
            assertThat(Policed.wrap(dense, region(data))).isInstanceOf(PolicedMlp.class);
        }
    }

    /** Dropout before the first Linear acts on the data rows in training only. */
    @Test
    void dropoutActsOnTheDataRowsInTrainingOnly() {
        float[] data = images(16, 4);
        SequentialBlock with = new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2))).add(Dropout.builder().optRate(0.5f).build())
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(3).build());
        SequentialBlock without = new SequentialBlock().add(with.getChildren().valueAt(0)).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2))).add(Blocks.batchFlattenBlock())
                .add(with.getChildren().valueAt(5));
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            with.initialize(manager, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE));
            PolicedConvNet dropped = (PolicedConvNet) Policed.wrap(with, region(data), new Shape(1, SIDE, SIDE));
            PolicedConvNet plain = (PolicedConvNet) Policed.wrap(without, region(data), new Shape(1, SIDE, SIDE));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.create(data, new Shape(16, 1, SIDE, SIDE));
            PolicedNetwork.Trace a = dropped.forwardWithTrace(ps, x, true);
            PolicedNetwork.Trace b = plain.forwardWithTrace(ps, x, true);
            assertThat(a.vertexOutputs().toFloatArray()).isEqualTo(b.vertexOutputs().toFloatArray());
            assertThat(a.outputs().toFloatArray()).isNotEqualTo(b.outputs().toFloatArray());
            assertThat(dropped.forward(ps, new NDList(x), false).head().toFloatArray())
                    .isEqualTo(plain.forward(ps, new NDList(x), false).head().toFloatArray());
        }
    }

    @Test
    void globalAveragePoolingIsRecognisedByWhatItComputes() {
        SequentialBlock user = new SequentialBlock().add(conv(4)).add(Activation.leakyReluBlock(0.1f))
                .add(Pool.globalAvgPool2dBlock()).add(Linear.builder().setUnits(2).build());
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region(images(1, 1)), new Shape(1, SIDE, SIDE));
        assertThat(net.stages().toString()).contains("GlobalAvgPool");
        assertThat(net.activation()).isEqualTo(Cpa.leakyRelu(0.1f));
    }

    @Test
    void refusesWhatItCannotPoliceNamingTheBlock() {
        VertexRegion region = region(images(1, 1));
        Shape in = new Shape(1, SIDE, SIDE);
        refused(replaceFirst(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optDilation(new Shape(2, 2)).build()),
                region, in, null, null); // accepted: dilation
        refused(replaceFirst(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optGroups(1).build()
                ), region, in, null, null); // accepted: groups 1
        refused(new SequentialBlock().add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).optGroups(3).build())
                .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (Conv2d)", "groups 3 do not divide its 4 input channels");
        refused(replaceFirst(Conv2d.builder().setKernelShape(new Shape(3, 2)).setFilters(4).build()),
                region, in, null, null); // accepted: rectangular kernel
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(1, 1)))
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, null, null); // accepted: overlapping windows
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2), new Shape(1, 1)))
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, null, null); // accepted: padded windows
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), true))
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, null, null); // accepted: ceil mode (OverlappingMaxPoolTest certifies it)
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).build())
                .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (Conv1d)", "pass inputShape (C, L)");
        refused(new SequentialBlock().add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).build())
                .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "inputShape: (1, 8, 8)", "a Conv1d network needs (C, L)");
        refused(new SequentialBlock().add(Conv3d.builder().setKernelShape(new Shape(3, 3, 3)).setFilters(4).build())
                .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 0 (Conv3d)", "no counterpart");
        refused(new SequentialBlock().add(conv(4)).add(new LambdaBlock(Activation::sigmoid, "ReLU"))
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 1 (ReLU)", "does not compute ReLU");
        refused(new SequentialBlock().add(conv(4)).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network: no activation", "affine everywhere"); // a linear conv is accepted, a network of nothing else not
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock()).add(BatchNorm.builder().build())
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (BatchNorm)", "directly after");
        refused(new SequentialBlock().add(conv(4)).add(Dropout.builder().build()).add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 1 (Dropout)", "directly before a Conv2d or Linear");
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (Linear)", "feature map");
        refused(new SequentialBlock().add(conv(4)).add(new LambdaBlock(l -> new NDList(l.head().abs()), "abs"))
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (maxPool2d)", "non-decreasing");
        refused(new SequentialBlock().add(conv(4)).add(Activation.reluBlock())
                .add(new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(8).build())
                        .add(Activation.tanhBlock()))
                .add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2.2 (Tanh)", "not piecewise affine");
        refused(lenet(), region, new Shape(1, 28, 28), "region: dimension 64", "C*H*W = 784");
    }

    /** The LeNet with its conv replaced. */
    private static SequentialBlock replaceFirst(Block conv) {
        SequentialBlock net = new SequentialBlock().add(conv);
        SequentialBlock rest = lenet();
        for (int i = 1; i < rest.getChildren().size(); i++) {
            net.add(rest.getChildren().valueAt(i));
        }
        return net;
    }

    private static void refused(SequentialBlock net, VertexRegion region, Shape in, String where, String why) {
        if (where == null) {
            assertThat(Policed.wrap(net, region, in)).isInstanceOf(PolicedConvNet.class);
            return;
        }
        assertThatThrownBy(() -> Policed.wrap(net, region, in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(where)
                .hasMessageContaining(why);
    }
}
