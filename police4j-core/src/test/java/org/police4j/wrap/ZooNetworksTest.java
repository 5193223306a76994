package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.basicmodelzoo.cv.classification.NiN;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
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
