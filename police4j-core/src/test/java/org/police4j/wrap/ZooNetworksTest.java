package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.basicmodelzoo.cv.classification.GoogLeNet;
import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.basicmodelzoo.cv.classification.SqueezeNet;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.lang.reflect.Constructor;
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
