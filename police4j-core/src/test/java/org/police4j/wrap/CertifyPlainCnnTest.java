package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.ConvFold;
import org.police4j.conv.PolicedConvNet;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Box;
import org.police4j.region.VertexRegion;

/**
 * {@link Certify#plain} on a DJL user's own CNN, trained however it was: its folded form without
 * shifts computes what the user's network computes, a tiny region around an image is certified and
 * a wide one is refused with the unit that bends; the user's network is left as it was.
 */
class CertifyPlainCnnTest {

    @Test
    void aUsersCnnIsReadAsItIsAndCertifiedOrRefused() {
        for (int variant = 0; variant < 3; variant++) {
            SequentialBlock user = variant == 0 ? PolicedWrapConvTest.lenet()
                    : variant == 1 ? PolicedWrapConvTest.lenet(BatchNorm.builder().build()) : PolicedWrapConvTest.twoConvs();
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed(5);
                user.initialize(manager, DataType.FLOAT32, new Shape(1, 1, PolicedWrapConvTest.SIDE, PolicedWrapConvTest.SIDE));
                float[] data = PolicedWrapConvTest.images(8, 11);
                VertexRegion wide = PolicedWrapConvTest.region(data);
                NDArray x = manager.create(data, new Shape(8, 1, PolicedWrapConvTest.SIDE, PolicedWrapConvTest.SIDE));
                float[] before = user.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();

                FoldedNetwork folded = ConvFold.plain((PolicedConvNet) Policed.wrap(user, wide));
                for (int i = 0; i < 8; i++) {
                    double[] xi = new double[PolicedWrapConvTest.D];
                    for (int p = 0; p < xi.length; p++) {
                        xi[p] = data[i * PolicedWrapConvTest.D + p];
                    }
                    double[] y = DoubleEval.evaluate(folded, xi);
                    for (int k = 0; k < y.length; k++) {
                        assertThat(y[k]).as("variant %d, image %d, output %d", variant, i, k)
                                .isCloseTo(before[i * 3 + k], org.assertj.core.data.Offset.offset(1e-5));
                    }
                }

                double[] centre = new double[PolicedWrapConvTest.D];
                for (int p = 0; p < centre.length; p++) {
                    centre[p] = data[p];
                }
                Certificate tiny = Certify.plain(user, Box.linf(centre, 0x1p-20));
                assertThat(tiny.certified()).as("variant %d on a tiny box: %s", variant, tiny.summary()).isTrue();
                Certificate bent = Certify.plain(user, Box.linf(centre, 4),
                        new Shape(1, PolicedWrapConvTest.SIDE, PolicedWrapConvTest.SIDE), Certify.Options.defaults());
                assertThat(bent.certified()).as("variant %d on a wide box", variant).isFalse();
                assertThat(bent.firstViolation()).isNotNull();

                float[] after = user.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
                assertThat(after).as("the user's network is unchanged").isEqualTo(before);
            }
        }
    }
}
