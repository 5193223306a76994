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
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.conv.PolicedConvNet;
import org.police4j.io.ModelIo;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.InputRegions;

/**
 * {@link Policed#wrap} on a DJL user's 1-D network (Conv1d, ReLU, 1-D max-pool, flatten, Linear,
 * ReLU, Linear on (N, 2, 16)) and on a 2-D one with a rectangular kernel, stride, padding and pool
 * window: the wrapper is the user's network where no shift is active, trains, folds, certifies
 * exactly, and survives DJL's and police4j's save/load bit for bit.
 */
class PolicedWrapConv1dTest {

    static final int C = 2;
    static final int L = 16;
    static final int D = C * L;

    /** Conv1d k=3 (4 filters, stride s, padding 1) -> relu -> maxPool1d 2 -> flatten -> 16 -> relu -> 3. */
    static SequentialBlock conv1d(int stride) {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optStride(new Shape(stride))
                        .optPadding(new Shape(1)).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool1dBlock(new Shape(2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(16).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /** Conv1d k=3 stride 1 -> BatchNorm -> maxPool1d 2 -> relu -> global average (1-D) -> 3. */
    static SequentialBlock withNorm() {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).build())
                .add(BatchNorm.builder().build())
                .add(Pool.maxPool1dBlock(new Shape(2)))
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool1dBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /** The same on (2, 1, 16) as a Conv2d: kernel (1, 3), stride (1, 2), padding (0, 1), pool (1, 2). */
    static SequentialBlock rectangular() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(1, 3)).setFilters(4).optStride(new Shape(1, 2))
                        .optPadding(new Shape(0, 1)).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(1, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(16).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(3).build());
    }

    /** Rows of multiples of 1/64 in [0, 1): exact and short for the certificate. */
    static float[] signals(int n, long seed) {
        return InputRegions.grid64(n, D, seed);
    }

    /** Class of each row: which half of channel 0 is heavier, or channel 1's parity when close. */
    static float[] labels(float[] x, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float left = 0;
            for (int p = 0; p < L; p++) {
                left += (p < L / 2 ? 1 : -1) * x[i * D + p];
            }
            y[i] = left > 0.5f ? 0 : left < -0.5f ? 1 : 2;
        }
        return y;
    }

    /** Row 0 with values 5 and 20 moved by +-1/4: 4 vertices. */
    static VertexRegion region(float[] x) {
        return InputRegions.cross(x, D, "2-value l1 ball r=0.25", 5, 20);
    }

    static VertexRegion point(float[] x) {
        return InputRegions.point(x, D);
    }

    /** With margin 0 and a one-vertex region no shift is active: the wrapper is the user's network. */
    @Test
    void computesTheUsersNetworkWhenNoShiftIsActive() {
        float[] data = signals(32, 11);
        for (int variant = 0; variant < 4; variant++) {
            boolean oneD = variant != 2;
            boolean norm = variant == 3;
            SequentialBlock user = variant == 2 ? rectangular() : norm ? withNorm() : conv1d(variant + 1);
            Shape one = oneD ? new Shape(C, L) : new Shape(C, 1, L);
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed(5);
                user.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(one));
                if (norm) { // non-trivial inference statistics, as after training
                    BatchNorm bn = (BatchNorm) user.getChildren().valueAt(1);
                    bn.getParameters().get("runningMean").getArray().set(new float[] {0.1f, -0.2f, 0.3f, 0f});
                    bn.getParameters().get("runningVar").getArray().set(new float[] {0.5f, 2f, 1f, 0.25f});
                    bn.getParameters().get("gamma").getArray().set(new float[] {1.5f, 0.5f, -1f, 1f});
                    bn.getParameters().get("beta").getArray().set(new float[] {0f, 0.1f, 0.2f, -0.3f});
                }
                PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, point(data), one, 0.0);
                assertThat(net.isInitialized()).as("parameters copied from the user's blocks").isTrue();
                assertThat(net.oneDimensional()).isEqualTo(oneD);
                ParameterStore ps = new ParameterStore(manager, false);
                NDArray x = manager.create(data, new Shape(32).addAll(one));
                PolicedNetwork.Trace t = net.forwardWithTrace(ps, x, false);
                for (PolicedNetwork.LayerTrace layer : t.layers()) {
                    assertThat(layer.shift().abs().max().getFloat()).isZero();
                    if (layer.poolShift() != null) {
                        assertThat(layer.poolShift().abs().max().getFloat()).isZero();
                    }
                }
                float[] expected = user.forward(ps, new NDList(x), false).head().toFloatArray();
                float[] got = t.outputs().toFloatArray();
                float[] flat = net.forward(ps, new NDList(x.reshape(32, D)), false).head().toFloatArray();
                assertThat(got).hasSameSizeAs(expected).isEqualTo(flat);
                for (int i = 0; i < got.length; i++) {
                    assertThat((double) got[i]).as("variant %d, output %d", variant, i)
                            .isCloseTo(expected[i], Offset.offset(1e-5 * (1 + Math.abs(expected[i]))));
                }
            }
        }
    }

    /**
     * POLICEd on a 4-vertex region: trains with DJL's Trainer, folds, certifies exactly; DJL's
     * Model.save/load and police4j's ModelIo give back the same outputs bit for bit.
     */
    @Test
    void trainsCertifiesAndSavesBothWays(@TempDir Path dir) throws Exception {
        float[] data = signals(32, 3);
        float[] labels = labels(data, 32);
        VertexRegion region = region(data);
        for (int variant = 0; variant < 2; variant++) {
            boolean oneD = variant == 0;
            Shape one = oneD ? new Shape(C, L) : new Shape(C, 1, L);
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(oneD ? conv1d(1) : rectangular(), region, one);
            assertThat(net.isInitialized()).isFalse();
            try (Model model = Model.newInstance("wrapped-1d")) {
                NDManager manager = model.getNDManager();
                NDArray x = manager.create(data, new Shape(32).addAll(one));
                float[] losses = train(model, net, x, manager.create(labels), new Shape(1).addAll(one), 15);
                assertThat(losses[losses.length - 1]).as("variant %d: loss falls from %s", variant, losses[0])
                        .isLessThan(0.9f * losses[0]);
                FoldedNetwork folded = net.fold();
                double[][] interior = {region.vertices()[0].clone()};
                for (int p = 0; p < D; p++) {
                    interior[0][p] = (region.vertices()[0][p] + region.vertices()[3][p]) / 2;
                }
                Certificate cert = Certifier.certify(folded, region.vertices(), interior);
                assertThat(cert.certified()).as("variant %d: %s", variant, cert.summary()).isTrue();
                // the certificate is about the trained network: its affine map is the network's output on R
                ParameterStore ps = new ParameterStore(manager, false);
                float[] inside = net.forward(ps, new NDList(manager.create(toFloats(interior[0]), new Shape(1, D))), false)
                        .head().toFloatArray();
                double[] affine = cert.apply(interior[0]);
                for (int k = 0; k < affine.length; k++) {
                    assertThat(Math.abs(inside[k] - affine[k])).isLessThan(1e-4);
                }
                float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
                Path djl = dir.resolve("djl" + variant);
                model.save(djl, "wrapped-1d");
                PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(oneD ? conv1d(1) : rectangular(), region, one);
                try (Model again = Model.newInstance("wrapped-1d")) {
                    again.setBlock(fresh);
                    again.load(djl, "wrapped-1d");
                    assertThat(fresh.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(trained);
                }
                Path io = dir.resolve("io" + variant);
                ModelIo.save(net, io, null);
                PolicedConvNet loaded = ModelIo.load(io, manager).convNet();
                assertThat(loaded.oneDimensional()).isEqualTo(oneD);
                assertThat(loaded.stages()).isEqualTo(net.stages());
                assertThat(loaded.forward(ps, new NDList(x), false).head().toFloatArray()).isEqualTo(trained);
            }
        }
    }

    @Test
    void infersTheLengthFromAnInitialisedConv1dAndChecksShapes() {
        float[] data = signals(1, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock user = conv1d(1);
            assertThatThrownBy(() -> Policed.wrap(user, region(data)))
                    .hasMessageContaining("inputShape: cannot be inferred")
                    .hasMessageContaining("new Shape(C, L)");
            user.initialize(manager, DataType.FLOAT32, new Shape(1, C, L));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region(data));
            assertThat(net.inputShape()).containsExactly(C, L);
            PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(conv1d(1), region(data), new Shape(C, L));
            assertThatThrownBy(() -> fresh.initialize(manager, DataType.FLOAT32, new Shape(1, C, 1, L)))
                    .hasMessageContaining("(1, 2, 1, 16)")
                    .hasMessageContaining("expected (N, 2, 16) or (N, 32)");
            fresh.initialize(manager, DataType.FLOAT32, new Shape(1, C, L));
            assertThat(fresh.isInitialized()).isTrue();
        }
    }

    @Test
    void refusesWhat1dCannotPoliceNamingTheBlock() {
        VertexRegion region = region(signals(1, 1));
        Shape in = new Shape(C, L);
        assertThat(Policed.wrap(new SequentialBlock() // accepted: dilation
                        .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optDilation(new Shape(2)).build())
                        .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in)).isInstanceOf(PolicedConvNet.class);
        refused(new SequentialBlock()
                        .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optGroups(3).build())
                        .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 0 (Conv1d)", "groups 3 do not divide");
        assertThat(Policed.wrap(new SequentialBlock() // accepted: overlapping windows
                        .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).build())
                        .add(Activation.reluBlock()).add(Pool.maxPool1dBlock(new Shape(3), new Shape(2)))
                        .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in)).isInstanceOf(PolicedConvNet.class);
        refused(new SequentialBlock().add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).build())
                        .add(Activation.reluBlock())
                        .add(Conv2d.builder().setKernelShape(new Shape(1, 3)).setFilters(4).build())
                        .add(Activation.reluBlock()).add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, in, "network block 2 (Conv2d)", "use Conv1d throughout");
        assertThat(Policed.wrap(new SequentialBlock() // accepted: overlapping (1, 2) windows on (C, 1, L)
                        .add(Conv2d.builder().setKernelShape(new Shape(1, 3)).setFilters(4).build())
                        .add(Activation.reluBlock())
                        .add(Pool.maxPool2dBlock(new Shape(1, 2), new Shape(1, 1)))
                        .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build()),
                region, new Shape(C, 1, L))).isInstanceOf(PolicedConvNet.class);
        refused(conv1d(1), region, new Shape(C, L + 1), "region: dimension 32", "C*L = 34");
    }

    /** Full-batch Adam (lr 0.01), engine seed 9; returns the loss of every step. */
    static float[] train(Model model, Block net, NDArray x, NDArray y, Shape input, int steps) {
        Engine.getInstance().setRandomSeed(9);
        model.setBlock(net);
        Loss loss = Loss.softmaxCrossEntropyLoss();
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
        float[] losses = new float[steps];
        try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
            trainer.initialize(input);
            for (int step = 0; step < steps; step++) {
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                    NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                    losses[step] = l.getFloat();
                    gc.backward(l);
                }
                trainer.step();
            }
        }
        return losses;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static void refused(SequentialBlock net, VertexRegion region, Shape in, String where, String why) {
        assertThatThrownBy(() -> Policed.wrap(net, region, in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(where)
                .hasMessageContaining(why);
    }
}
