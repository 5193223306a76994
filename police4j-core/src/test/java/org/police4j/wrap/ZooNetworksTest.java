package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.basicmodelzoo.cv.classification.GoogLeNet;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.basicmodelzoo.cv.classification.SqueezeNet;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.region.VertexRegion;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;

/**
 * DJL's zoo networks that needed more than chains of conv groups and a Linear head (issue 20):
 * NiN (no Linear head), SqueezeNet and GoogLeNet (max-pools after a join and first in a branch),
 * MobileNetV2 (linear conv chains, reshape lambdas), each built by its own builder with shrunk
 * widths on small inputs, through every door a user takes ({@link WrapCase}).
 */
class ZooNetworksTest {

    /** NiN with 4, 6, 6, 2 channels on 1 x 67 x 67 (the smallest side its 11x11/4 conv and three 3/2 pools take). */
    static final WrapCase NIN = new WrapCase("nin",
            () -> (SequentialBlock) NiN.builder().setNumChannels(new int[] {4, 6, 6, 2}).build(), new Shape(1, 67, 67));

    /** SqueezeNet as shipped (its builder has no width option), 2 classes, on 1 x 28 x 28. */
    static final WrapCase SQUEEZENET = new WrapCase("squeezenet", () -> (SequentialBlock) SqueezeNet.squeezenet(2),
            new Shape(1, 28, 28));

    /**
     * GoogLeNet's layers, shrunk: its builder has no width option, so this is its stem (7x7/2
     * conv, ReLU, 3/2/1 max-pool), two of the zoo's own inception blocks ({@link
     * GoogLeNet#inceptionBlock}, whose fourth path starts with a 3/1/1 max-pool), its 3/2/1
     * max-pool after an inception block, one more inception block, global average pooling and a
     * Linear head, on 1 x 16 x 16.
     */
    static final WrapCase GOOGLENET = new WrapCase("googlenet", ZooNetworksTest::miniGoogLeNet, new Shape(1, 16, 16));

    static SequentialBlock miniGoogLeNet() {
        GoogLeNet zoo = googLeNet();
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(7, 7)).optPadding(new Shape(3, 3))
                        .optStride(new Shape(2, 2)).setFilters(4).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(zoo.inceptionBlock(2, new int[] {2, 3}, new int[] {1, 2}, 2))
                .add(zoo.inceptionBlock(3, new int[] {2, 3}, new int[] {1, 2}, 2))
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(zoo.inceptionBlock(2, new int[] {2, 3}, new int[] {1, 2}, 2))
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** The zoo's GoogLeNet instance whose {@code inceptionBlock} builds its inception blocks (its constructor is private). */
    private static GoogLeNet googLeNet() {
        try {
            Constructor<GoogLeNet> c = GoogLeNet.class.getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * MobileNetV2 through its builder, shrunk (filters 4,2,4,4,4,6,6,8,8, expansion 2, repeats
     * 1,1,2,2,1,2,1,1,1: residual bottlenecks in three stages), 2 classes, on 1 x 16 x 16: ReLU6,
     * depthwise convs, linear bottlenecks (conv-BN with no activation, then the next conv),
     * residual adds without activation, and its head's reshape lambdas around a 1x1 conv.
     */
    static final WrapCase MOBILENETV2 = new WrapCase("mobilenetv2", () -> (SequentialBlock) MobileNetV2.builder()
            .optFilters(new int[] {4, 2, 4, 4, 4, 6, 6, 8, 8})
            .optMultiTimes(new int[] {2, 2, 2, 2, 2, 2, 2})
            .optRepeatTimes(new int[] {1, 1, 2, 2, 1, 2, 1, 1, 1})
            .setOutSize(2).build(), new Shape(1, 16, 16));

    /**
     * MobileNetV2's layers, shallower: its builder cannot go below 25 convs, where the rounding
     * guard's bound compounds (docs/ROUNDING-DEPTH.md) until every ReLU6 unit sits on a flat
     * outer piece and nothing trains. This is its stem (1x1/2 conv, BN, ReLU6), two linear
     * bottlenecks written as {@link MobileNetV2#linearBottleNeck} writes them (the second a
     * residual add without activation), then its head as the builder writes it: 1x1 conv, BN,
     * ReLU6, global average pooling, a lambda reshaping to (N, C, 1, 1), a 1x1 conv with bias
     * and a lambda reshaping to (N, K). Its batch-norms keep DJL's default epsilon 1e-5 (the
     * zoo's 2e-5 is read too: {@link BatchNormSettingsTest}).
     */
    static final WrapCase MINI_MOBILENETV2 = new WrapCase("mini-mobilenetv2", ZooNetworksTest::miniMobileNetV2,
            new Shape(1, 12, 12));

    static SequentialBlock miniMobileNetV2() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(4).optStride(new Shape(2, 2))
                        .optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.relu6Block())
                .add(bottleneck(4, 3, 2))
                .add(new ParallelBlock(list -> new NDList(NDArrays.add(list.get(0).singletonOrThrow(),
                        list.get(1).singletonOrThrow())), List.of(bottleneck(3, 3, 2), Blocks.identityBlock())))
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(6).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.relu6Block())
                .add(Pool.globalAvgPool2dBlock())
                .addSingleton(array -> array.reshape(array.getShape().get(0), 6, 1, 1))
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(2).build())
                .addSingleton(array -> array.reshape(array.getShape().get(0), 2));
    }

    /** MobileNetV2's linear bottleneck: 1x1 conv, BN, ReLU6, 3x3 depthwise conv, BN, ReLU6, 1x1 conv, BN (no activation). */
    private static SequentialBlock bottleneck(int in, int out, int t) {
        return new SequentialBlock()
                .add(Conv2d.builder().setFilters(in * t).setKernelShape(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.relu6Block())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(in * t).optPadding(new Shape(1, 1))
                        .optGroups(in * t).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.relu6Block())
                .add(Conv2d.builder().setFilters(out).setKernelShape(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build());
    }

    @Test
    void mobileNetV2IsAcceptedAsItsBuilderMakesIt() {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(
                MOBILENETV2.network().get(), MOBILENETV2.region(MOBILENETV2.images(1, 1)), MOBILENETV2.input());
        assertThat(net.hasHead()).isFalse();
        assertThat(net.outputs()).isEqualTo(2);
        MOBILENETV2.plainFoldIsTheUsersNetwork();
        MOBILENETV2.boxCertifies(0.01);
    }

    @Test
    void mobileNetV2LayersChainLinearConvsAndReshapeTheHead(@TempDir Path dir) throws Exception {
        MINI_MOBILENETV2.plainFoldIsTheUsersNetwork();
        MINI_MOBILENETV2.trainCertifySave(dir, 3);
    }

    @Test
    void squeezeNetPoolsAfterItsFireModules(@TempDir Path dir) throws Exception {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(
                SQUEEZENET.network().get(), SQUEEZENET.region(SQUEEZENET.images(1, 1)), SQUEEZENET.input());
        assertThat(net.hasHead()).isFalse();
        SQUEEZENET.plainFoldIsTheUsersNetwork();
        SQUEEZENET.trainCertifySave(dir, 2);
    }

    @Test
    void googLeNetPoolsFirstInABranchAndAfterInceptionBlocks(@TempDir Path dir) throws Exception {
        GOOGLENET.plainFoldIsTheUsersNetwork();
        GOOGLENET.trainCertifySave(dir, 3);
        GOOGLENET.boxCertifies(0.01);
    }

    /**
     * The negative control of the pools of values as they are: GoogLeNet's pools after its stem's
     * ReLU and inside its inception blocks see many positions inactive (0) on R, so without their
     * pool shifts (the biases of the identity convs the fold puts before them) windows have no
     * single winner, and the certificate must say so.
     */
    @Test
    void withoutThePoolShiftsGoogLeNetIsNotCertified() {
        float[] data = GOOGLENET.images(4, 6);
        VertexRegion region = GOOGLENET.region(data);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(8);
            SequentialBlock user = GOOGLENET.network().get();
            user.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(GOOGLENET.input()));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region, GOOGLENET.input());
            FoldedNetwork folded = net.fold();
            Certificate cert = Certifier.certify(folded, region.vertices(), new double[0][]);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            int[] zeroed = {0};
            FoldedNetwork unshifted = new FoldedNetwork(folded.inputShape(), withoutPoolShifts(folded.layers(), zeroed));
            assertThat(zeroed[0]).as("identity convs before pools of values as they are").isEqualTo(4);
            Certificate broken = Certifier.certify(unshifted, region.vertices(), new double[0][]);
            assertThat(broken.certified()).as(broken.summary()).isFalse();
        }
    }

    /** The layers with every identity conv (1x1, depthwise, weight 1) followed by a max-pool given bias 0. */
    private static List<Layer> withoutPoolShifts(List<Layer> layers, int[] zeroed) {
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof Layer.Parallel p) {
                List<List<Layer>> branches = new ArrayList<>();
                for (List<Layer> b : p.branches()) {
                    branches.add(withoutPoolShifts(b, zeroed));
                }
                l = new Layer.Parallel(branches, p.join(), p.bias());
            } else if (l instanceof Layer.Conv c && i + 1 < layers.size() && layers.get(i + 1) instanceof Layer.MaxPool
                    && c.kernelH() == 1 && c.kernelW() == 1 && c.groups() == c.inC() && c.inC() == c.outC()
                    && allOnes(c.weight())) {
                l = new Layer.Conv(c.inC(), c.inH(), c.inW(), c.outC(), 1, 1, c.strideH(), c.strideW(), c.padH(),
                        c.padW(), c.dilationH(), c.dilationW(), c.groups(), c.weight(), new float[c.bias().length]);
                zeroed[0]++;
            }
            out.add(l);
        }
        return out;
    }

    private static boolean allOnes(float[] w) {
        for (float v : w) {
            if (v != 1f) {
                return false;
            }
        }
        return true;
    }

    /** What the new readings still refuse, naming the block and the reason. */
    @Test
    void refusesWhatTheNewReadingsCannotRead() {
        Shape in = new Shape(1, 8, 8);
        VertexRegion region = VertexRegion.of("three", new double[][] {new double[64], filled(64, 0.5), filled(64, 1)});
        // a reshape of a vector into a (C, 1, 1) map that does not follow a global average pool
        SequentialBlock reshapeAfterLinear = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build()).add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(4).build()).add(Activation.reluBlock())
                .addSingleton(a -> a.reshape(a.getShape().get(0), 4, 1, 1))
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(2).build())
                .add(Blocks.batchFlattenBlock());
        assertThatThrownBy(() -> Policed.wrap(reshapeAfterLinear, region, in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 5")
                .hasMessageContaining("accepted only directly after a global average pooling");
        // outputs that are a feature map: no flatten, no pooling, no head
        SequentialBlock mapOut = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build()).add(Activation.reluBlock());
        assertThatThrownBy(() -> Policed.wrap(mapOut, region, in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends with a (2, 6, 6) feature map");
        // a smooth activation after a pool that follows a join
        SequentialBlock smooth = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).optPadding(new Shape(1, 1)).build())
                .add(Activation.reluBlock())
                .add(new ParallelBlock(l -> new NDList(NDArrays.concat(new NDList(l.get(0).head(), l.get(1).head()), 1)),
                        List.of(Blocks.identityBlock(), Blocks.identityBlock())))
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Activation.tanhBlock())
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(smooth, region, in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 4")
                .hasMessageContaining("not piecewise affine");
    }

    private static double[] filled(int n, double v) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, v);
        return x;
    }

    @Test
    void ninHasNoLinearHeadAndIsAccepted() {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(NIN.network().get(), NIN.region(NIN.images(1, 1)), NIN.input());
        assertThat(net.hasHead()).isFalse();
        assertThat(net.outputs()).isEqualTo(2);
        NIN.plainFoldIsTheUsersNetwork();
    }

    @Test
    void ninTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        WrapCase.Outcome o = NIN.trainCertifySave(dir, 3);
        assertThat(o.unitsChecked()).isGreaterThan(0);
    }
}
