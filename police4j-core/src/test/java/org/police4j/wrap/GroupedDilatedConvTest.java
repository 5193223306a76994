package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grouped, depthwise and dilated convolutions in a DJL user's network ({@code optGroups}, {@code
 * optDilation}) are linear and go through every door: {@link WrapCase}'s properties, on 2-D and 1-D
 * networks.
 */
class GroupedDilatedConvTest {

    /** A MobileNet-style block: conv 3x3 to 4 channels, depthwise 3x3 (groups 4) with batch-norm, pointwise 1x1 in 2 groups. */
    static SequentialBlock depthwise() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optGroups(4).optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(6).optGroups(2).build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** Dilated convs (2, 1) and 2, a 2x2 max-pool, flatten, dense. */
    static SequentialBlock dilated() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).optDilation(new Shape(2, 1)).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(2, 2)).setFilters(4).optGroups(2).optDilation(new Shape(2, 2))
                        .optPadding(new Shape(1, 1)).build())
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(6).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** 1-D: a dilated Conv1d and a depthwise one. */
    static SequentialBlock oneD() {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optDilation(new Shape(2)).build())
                .add(Activation.reluBlock())
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(4).optGroups(4).optPadding(new Shape(1)).build())
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    static final WrapCase DEPTHWISE = new WrapCase("depthwise", GroupedDilatedConvTest::depthwise, new Shape(1, 8, 8));
    static final WrapCase DILATED = new WrapCase("dilated", GroupedDilatedConvTest::dilated, new Shape(2, 8, 8));
    static final WrapCase ONE_D = new WrapCase("grouped-1d", GroupedDilatedConvTest::oneD, new Shape(2, 12));

    @Test
    void thePlainFoldIsTheUsersNetwork() {
        DEPTHWISE.plainFoldIsTheUsersNetwork();
        DILATED.plainFoldIsTheUsersNetwork();
        ONE_D.plainFoldIsTheUsersNetwork();
    }

    @Test
    void aBoxAroundAnImageCertifies() {
        DEPTHWISE.boxCertifies(0.05);
        DILATED.boxCertifies(0.05);
        ONE_D.boxCertifies(0.05);
        DEPTHWISE.trainOnBox(0.05, 3);
    }

    @Test
    void depthwiseTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        WrapCase.Outcome o = DEPTHWISE.trainCertifySave(dir, 4);
        assertThat(o.unitsChecked()).isPositive();
    }

    @Test
    void dilatedTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        assertThat(DILATED.trainCertifySave(dir, 4).unitsChecked()).isPositive();
        assertThat(ONE_D.trainCertifySave(dir, 4).unitsChecked()).isPositive();
    }
}
