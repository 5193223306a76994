package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.conv.ConvFold;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;
import org.police4j.engine.Join;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;

/**
 * A DJL user's {@link ParallelBlock}s read by {@link Policed#wrap}: residual sums (then ReLU, as
 * ResNet writes it), concatenations along channels, residual MLPs and DJL's own {@link ResNetV1};
 * the join is recognised by what it computes, and a join that is none of those is refused with
 * the block's position and the reason.
 */
class ParallelWrapTest {

    private static final Function<List<NDList>, NDList> SUM_RELU = list -> new NDList(
            list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()).getNDArrayInternal().relu());
    private static final Function<List<NDList>, NDList> CONCAT = list -> new NDList(
            list.get(0).singletonOrThrow().concat(list.get(1).singletonOrThrow(), 1));

    private static Conv2d conv(int filters, int kernel, int stride, int padding) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(filters)
                .optStride(new Shape(stride, stride)).optPadding(new Shape(padding, padding)).build();
    }

    /** (1, 8, 8): conv-BN (no activation), residual(conv-BN-ReLU-conv-BN, identity) + ReLU, concat(1x1+ReLU, 3x3+ReLU), gap, Linear. */
    static SequentialBlock residualCnn(Function<List<NDList>, NDList> join) {
        SequentialBlock unit = new SequentialBlock().add(conv(4, 3, 1, 1)).add(BatchNorm.builder().build())
                .add(Activation.reluBlock()).add(conv(4, 3, 1, 1)).add(BatchNorm.builder().build());
        SequentialBlock fire = new SequentialBlock();
        fire.add(new ParallelBlock(CONCAT, Arrays.asList(
                new SequentialBlock().add(conv(2, 1, 1, 0)).add(Activation.reluBlock()),
                new SequentialBlock().add(conv(3, 3, 1, 1)).add(Activation.reluBlock()))));
        return new SequentialBlock()
                .add(conv(4, 3, 1, 1)).add(BatchNorm.builder().build())
                .add(new ParallelBlock(join, Arrays.asList(unit, new SequentialBlock().add(Blocks.identityBlock()))))
                .add(fire)
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    private static VertexRegion images(int d, int p, long seed) {
        Random rng = new Random(seed);
        double[][] v = new double[p][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = Math.round(rng.nextGaussian() * 64) / 64.0;
            }
        }
        return VertexRegion.of(p + " images", v);
    }

    private static NDArray rows(NDManager manager, VertexRegion region, Shape item) {
        double[][] v = region.vertices();
        float[] f = new float[v.length * v[0].length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v[i].length; j++) {
                f[i * v[i].length + j] = (float) v[i][j];
            }
        }
        return manager.create(f, new Shape(v.length).addAll(item));
    }

    private static float[] forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow().toFloatArray();
    }

    @Test
    void aResidualAndAConcatenatingCnnAreReadAsTheUserWroteThem() {
        VertexRegion region = images(64, 3, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            SequentialBlock user = residualCnn(SUM_RELU);
            user.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 8, 8));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region, new Shape(1, 8, 8));
            assertThat(net.stages()).hasSize(6);
            assertThat(net.stages().get(2)).isInstanceOf(Stage.Linear.class); // the stem conv-BN has no activation
            Stage.Parallel residual = (Stage.Parallel) net.stages().get(3);
            assertThat(residual.join()).isEqualTo(Join.SUM);
            assertThat(residual.activated()).isTrue();
            assertThat(residual.branches().get(1)).isEmpty();
            Stage.Parallel fire = (Stage.Parallel) net.stages().get(4);
            assertThat(fire.join()).isEqualTo(Join.CONCAT);
            assertThat(fire.activated()).isFalse();

            // the plain fold (no shifts) is the user's network; the POLICEd one is certified on R
            NDArray x = rows(manager, images(64, 5, 2), new Shape(1, 8, 8));
            float[] users = forward(user, manager, x);
            FoldedNetwork plain = ConvFold.plain(net);
            float[] folded = forward(plain.block(manager), manager, x.reshape(5, 64));
            for (int i = 0; i < users.length; i++) {
                assertThat((double) folded[i]).isCloseTo(users[i], org.assertj.core.data.Offset.offset(1e-4));
            }
            FoldedNetwork policed = net.fold();
            Certificate cert = Certifier.certify(policed, region.vertices(), null);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            float[] wrapper = forward(net, manager, x);
            float[] exported = forward(policed.block(manager), manager, x.reshape(5, 64));
            for (int i = 0; i < wrapper.length; i++) {
                assertThat((double) exported[i]).isCloseTo(wrapper[i], org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void aResidualMlpIsAGraphToo() {
        VertexRegion region = images(6, 3, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            SequentialBlock residual = new SequentialBlock().add(Linear.builder().setUnits(8).build())
                    .add(Activation.reluBlock()).add(Linear.builder().setUnits(8).build());
            SequentialBlock user = new SequentialBlock()
                    .add(Linear.builder().setUnits(8).build()).add(Activation.reluBlock())
                    .add(new ParallelBlock(SUM_RELU, Arrays.asList(residual, Blocks.identityBlock())))
                    .add(Linear.builder().setUnits(2).build());
            user.initialize(manager, DataType.FLOAT32, new Shape(1, 6));
            Block wrapped = Policed.wrap(user, region, new Shape(6));
            assertThat(wrapped).isInstanceOf(PolicedConvNet.class);
            PolicedConvNet net = (PolicedConvNet) wrapped;
            NDArray x = rows(manager, images(6, 4, 7), new Shape(6));
            float[] users = forward(user, manager, x);
            float[] plain = forward(ConvFold.plain(net).block(manager), manager, x);
            for (int i = 0; i < users.length; i++) {
                assertThat((double) plain[i]).isCloseTo(users[i], org.assertj.core.data.Offset.offset(1e-5));
            }
            Certificate cert = Certifier.certify(net.fold(), region.vertices(), null);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
        }
    }

    @Test
    void joinsThatAreNotSumsOrConcatenationsAreRefusedNamingTheBlock() {
        VertexRegion region = images(64, 3, 1);
        Function<List<NDList>, NDList> product = list -> new NDList(
                list.get(0).singletonOrThrow().mul(list.get(1).singletonOrThrow()));
        Function<List<NDList>, NDList> maximum = list -> new NDList(
                list.get(0).singletonOrThrow().maximum(list.get(1).singletonOrThrow()));
        Function<List<NDList>, NDList> sigmoid = list -> new NDList(ai.djl.nn.Activation.sigmoid(
                list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow())));
        Function<List<NDList>, NDList> tanhSum = list -> new NDList(
                list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()).tanh());
        for (Function<List<NDList>, NDList> join : List.of(product, maximum)) {
            assertThatThrownBy(() -> Policed.wrap(residualCnn(join), region, new Shape(1, 8, 8)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("network block 2 (ParallelBlock) is refused: its join is not the sum of the branches");
        }
        for (Function<List<NDList>, NDList> join : List.of(sigmoid, tanhSum)) {
            assertThatThrownBy(() -> Policed.wrap(residualCnn(join), region, new Shape(1, 8, 8)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("network block 2 (ParallelBlock), its join with one branch non-zero,")
                    .hasMessageContaining("not piecewise affine");
        }
        Function<List<NDList>, NDList> leaky = list -> new NDList(ai.djl.nn.Activation.leakyRelu(
                list.get(0).singletonOrThrow().add(list.get(1).singletonOrThrow()), 0.5f));
        assertThatThrownBy(() -> Policed.wrap(residualCnn(leaky), region, new Shape(1, 8, 8)))
                .hasMessageContaining("network block 2 (ParallelBlock): activation leaky_relu:0.5 differs from the earlier relu");
    }

    /**
     * DJL's own ResNetV1 (depth 20 on 1 x 28 x 28, as its builder ships it) POLICEd in one line:
     * read as the user wrote it (the plain fold computes the user's outputs), certified on a region
     * spanned by three images, and saved and loaded by DJL with identical outputs.
     */
    /**
     * A box around an image (a support region): the tracked affine map forks at each parallel
     * layer and joins by adding (residual unit) or concatenating (fire module), the pool and POLICE
     * shifts come from the region's support, and the support certificate holds before and after
     * training with the shifts differentiated.
     */
    @Test
    void aResidualAndAConcatenatingCnnCertifyOnABoxAroundAnImage() {
        WrapCase graph = new WrapCase("graph", () -> residualCnn(SUM_RELU), new Shape(1, 8, 8));
        assertThat(graph.boxCertifies(0.05).certified()).isTrue();
        assertThat(graph.trainOnBox(0.05, 3).certified()).isTrue();
    }

    /** (1, 8, 8): conv+ReLU, concat(3x3 average pool then 1x1 conv+ReLU, 3x3 conv+ReLU), global average pool, Linear. */
    static SequentialBlock averagedBranchCnn() {
        return new SequentialBlock()
                .add(conv(4, 3, 1, 1)).add(Activation.reluBlock())
                .add(new ParallelBlock(CONCAT, Arrays.asList(
                        new SequentialBlock().add(Pool.avgPool2dBlock(new Shape(3, 3), new Shape(1, 1), new Shape(1, 1)))
                                .add(conv(2, 1, 1, 0)).add(Activation.reluBlock()),
                        new SequentialBlock().add(conv(3, 3, 1, 1)).add(Activation.reluBlock()))))
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /**
     * GoogLeNet's pattern, an average pool inside a concatenated branch: trained on three images
     * and certified exactly, saved and loaded by DJL identically, and on a box around an image
     * certified by its support before and after training.
     */
    @Test
    void anAveragePoolInsideABranchTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        WrapCase graph = new WrapCase("averaged-branch", ParallelWrapTest::averagedBranchCnn, new Shape(1, 8, 8));
        graph.plainFoldIsTheUsersNetwork();
        assertThat(graph.trainCertifySave(dir, 3).unitsChecked()).isPositive();
        assertThat(graph.boxCertifies(0.05).certified()).isTrue();
        assertThat(graph.trainOnBox(0.05, 3).certified()).isTrue();
    }

    @Test
    void djlsResNetV1IsPolicedInOneLine(@TempDir Path dir) throws Exception {
        VertexRegion region = images(784, 3, 11);
        try (Model model = Model.newInstance("resnet")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(13);
            SequentialBlock resnet = ResNetV1.builder().setImageShape(new Shape(1, 28, 28)).setNumLayers(20).setOutSize(10).build();
            resnet.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(resnet, region, new Shape(1, 28, 28));
            assertThat(net.stages().stream().filter(s -> s instanceof Stage.Parallel)).hasSize(9);
            NDArray x = rows(manager, images(784, 2, 12), new Shape(1, 28, 28));
            float[] users = forward(resnet, manager, x);
            float[] plain = forward(ConvFold.plain(net).block(manager), manager, x.reshape(2, 784));
            for (int i = 0; i < users.length; i++) {
                assertThat((double) plain[i]).isCloseTo(users[i], org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(users[i]))));
            }
            // per unit: the first conv-BN-ReLU and the activated join; the stem and the conv-BN before each add are linear
            assertThat(ConvFold.plain(net).hiddenLayers()).isEqualTo(18);
            model.setBlock(net);
            float[] before = forward(net, manager, x);
            model.save(dir, "resnet");
            try (Model loaded = Model.newInstance("resnet")) {
                SequentialBlock again = ResNetV1.builder().setImageShape(new Shape(1, 28, 28)).setNumLayers(20).setOutSize(10).build();
                PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(again, region, new Shape(1, 28, 28));
                fresh.initialize(loaded.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
                loaded.setBlock(fresh);
                loaded.load(dir, "resnet");
                NDArray xl = loaded.getNDManager().create(x.toFloatArray(), x.getShape());
                assertThat(forward(fresh, loaded.getNDManager(), xl)).containsExactly(before);
            }
        }
    }
}
