package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;

/**
 * A DJL batch-norm's own epsilon and momentum (private in DJL; DJL's MobileNets use epsilon 2e-5)
 * are read by probing and computed with: a batch-norm of epsilon 0.5 on running variances of 1
 * scales by 1/sqrt(1.5), which police4j's fixed 1e-5 refused as "not a batch-norm".
 */
class BatchNormSettingsTest {

    static final WrapCase WIDE_EPSILON = new WrapCase("bn-epsilon-0.5", BatchNormSettingsTest::network, new Shape(1, 8, 8));

    static SequentialBlock network() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(BatchNorm.builder().optEpsilon(0.5f).optMomentum(0.8f).build())
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    @Test
    void theProbeReadsWhatTheBuilderSet() {
        // DJL's momentum m is PyTorch's 1 - m, the convention police4j keeps
        Object[][] cases = {
            {BatchNorm.builder().build(), 1e-5f, 0.1f},
            {BatchNorm.builder().optEpsilon(2e-5f).optMomentum(0.9f).build(), 2e-5f, 0.1f},
            {BatchNorm.builder().optEpsilon(0.5f).optMomentum(0.8f).build(), 0.5f, 0.2f},
            {BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.99f).build(), 1e-3f, 0.01f},
        };
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Object[] c : cases) {
                BatchNorm norm = (BatchNorm) c[0];
                norm.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 4, 4));
                Stage.BatchNorm read = BatchNormProbe.read(norm, 3, "block 1");
                assertThat(read).isEqualTo(new Stage.BatchNorm((float) c[1], (float) c[2]));
            }
        }
        assertThat(new Stage.BatchNorm(1e-5f, 0.1f).isDefault()).isTrue();
        assertThat(new Stage.BatchNorm(1e-5f, 0.1f)).hasToString("BatchNorm[]"); // DJL streams saved before still load
    }

    @Test
    void theWrapperComputesTheUsersBatchNorm() {
        WIDE_EPSILON.plainFoldIsTheUsersNetwork();
        float[] data = WIDE_EPSILON.images(1, 1);
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(network(), WIDE_EPSILON.region(data), WIDE_EPSILON.input());
        assertThat(net.stages()).contains(new Stage.BatchNorm(0.5f, 0.2f));
    }

    @Test
    void itTrainsCertifiesAndSavesWithIt(@TempDir Path dir) throws Exception {
        WrapCase.Outcome o = WIDE_EPSILON.trainCertifySave(dir, 3);
        assertThat(o.steps()).isEqualTo(3);
    }
}
